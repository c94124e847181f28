// Transactions (wire spec §7.2.10; conformance 73-77): ids from a durable counter, the
// namespace binding, buffered writes with read-your-writes at version 0, commit atomically
// as one WAL record with one version for every key it sets, all-or-nothing on a failed
// condition, rollback, the op limit, the idle rollback on the clock, and the per-op commit
// rules (delete of a missing key, touch of a missing key, exists in the view).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConflictError, EngineError, NotFoundError } from '../errors.ts';
import { openKv, text } from '../testing/kv_fixture.ts';

const code = (expected: string) => (error: unknown): boolean =>
  error instanceof EngineError && error.code === expected;

test('a commit applies its writes at once with one version; nothing shows before', async () => {
  const { kv } = await openKv();
  await kv.put('', 'x', 'old');
  const txn = await kv.beginTxn('');
  assert.equal(txn, 1);
  assert.equal(await kv.put('', 'x', 'tx', { txnId: txn }), 0);
  assert.equal(await kv.put('', 'y', 'ty', { txnId: txn }), 0);
  assert.equal(await kv.delete('', 'gone', { txnId: txn }), true);
  assert.deepEqual(await kv.get('', 'x', { txnId: txn }), { value: new TextEncoder()
    .encode('tx'), version: 0 });
  assert.deepEqual(await kv.exists('', 'y', { txnId: txn }), { present: true, version: 0 });
  assert.equal(text(await kv.get('', 'x')), 'old');
  assert.equal(await kv.get('', 'y'), null);
  const syncsBefore = kv.db.stats().wal.nextOffset;
  const commit = await kv.commitTxn('', txn);
  assert.deepEqual(commit, { version: 2, opCount: 3 });
  assert.equal(kv.db.stats().wal.nextOffset, syncsBefore + 1, 'one WAL record');
  assert.deepEqual([(await kv.get('', 'x'))?.version, (await kv.get('', 'y'))?.version], [2, 2]);
  await assert.rejects(kv.put('', 'x', 'v', { txnId: txn }), code('NO_ACTIVE_TRANSACTION'));
  assert.deepEqual(await kv.commitTxn('', await kv.beginTxn('')), { version: 0, opCount: 0 });
  await kv.close();
});

test('a failing condition at commit applies nothing and reports that write', async () => {
  const { kv } = await openKv();
  await kv.put('', 'k', 'v');
  const txn = await kv.beginTxn('');
  await kv.put('', 'a', '1', { txnId: txn });
  await kv.put('', 'k', '2', { txnId: txn, casVersion: 99 });
  await assert.rejects(kv.commitTxn('', txn), ConflictError);
  assert.equal(await kv.get('', 'a'), null);
  assert.equal(text(await kv.get('', 'k')), 'v');
  const touching = await kv.beginTxn('');
  await kv.touch('', 'missing', 100, { txnId: touching });
  await assert.rejects(kv.commitTxn('', touching), NotFoundError);
  const deleting = await kv.beginTxn('');
  await kv.delete('', 'missing', { txnId: deleting });
  await kv.put('', 'b', 'v', { txnId: deleting });
  assert.equal((await kv.commitTxn('', deleting)).opCount, 2);
  const cas = await kv.beginTxn('');
  await kv.delete('', 'missing', { txnId: cas, casVersion: 3 });
  await assert.rejects(kv.commitTxn('', cas), ConflictError);
  await kv.close();
});

test('incr in a transaction answers from the view and adds at commit', async () => {
  const { kv } = await openKv();
  await kv.incr('', 'n', 10);
  const txn = await kv.beginTxn('');
  assert.deepEqual(await kv.incr('', 'n', 5, { txnId: txn }), { version: 0, value: 15n });
  await kv.incr('', 'n', 100);
  assert.deepEqual(await kv.incr('', 'n', 1, { txnId: txn }), { version: 0, value: 116n });
  const { version } = await kv.commitTxn('', txn);
  assert.deepEqual(await kv.incr('', 'n', 0), { version: version + 1, value: 116n });
  await kv.close();
});

test('a transaction belongs to its namespace; rollback ends it (73, 77)', async () => {
  const { kv } = await openKv();
  const txn = await kv.beginTxn('a');
  await assert.rejects(kv.put('b', 'k', 'v', { txnId: txn }),
    code('CROSS_NAMESPACE_TRANSACTION'));
  await kv.put('a', 'k', 'v', { txnId: txn });
  await kv.rollbackTxn('a', txn);
  await assert.rejects(kv.get('a', 'k', { txnId: txn }), code('NO_ACTIVE_TRANSACTION'));
  await assert.rejects(kv.rollbackTxn('a', txn), code('NO_ACTIVE_TRANSACTION'));
  assert.equal(await kv.get('a', 'k'), null);
  await assert.rejects(kv.commitTxn('a', 12345), code('NO_ACTIVE_TRANSACTION'));
  await kv.close();
});

test('an idle transaction is rolled back after txnIdleMs; each op restarts the clock',
  async () => {
    const { kv, clock } = await openKv({ txnIdleMs: 1000 });
    const txn = await kv.beginTxn('');
    clock.advance(900);
    await kv.put('', 'k', 'v', { txnId: txn });
    clock.advance(900);
    assert.equal(kv.stats().openTransactions, 1);
    clock.advance(100);
    assert.equal(kv.stats().openTransactions, 0);
    await assert.rejects(kv.commitTxn('', txn), code('NO_ACTIVE_TRANSACTION'));
    await kv.close();
  });

test('the write past 1 000 is refused and discards the transaction', async () => {
  const { kv } = await openKv();
  const txn = await kv.beginTxn('');
  for (let i = 0; i < 1000; i++) await kv.put('', `k${i}`, 'v', { txnId: txn });
  await assert.rejects(kv.put('', 'one-more', 'v', { txnId: txn }), RangeError);
  await assert.rejects(kv.commitTxn('', txn), code('NO_ACTIVE_TRANSACTION'));
  await kv.close();
});

test('transaction ids are never reused, also after a reopen', async () => {
  const fixture = await openKv();
  const first = await fixture.kv.beginTxn('');
  const second = await fixture.kv.beginTxn('');
  assert.ok(second > first);
  const kv = await fixture.reopen();
  assert.ok(await kv.beginTxn('') > second);
  await kv.close();
});

test('a deleted-then-recreated key starts a new history in the commit', async () => {
  const { kv } = await openKv();
  await kv.put('', 'k', 'old1');
  await kv.put('', 'k', 'old2');
  const txn = await kv.beginTxn('');
  await kv.delete('', 'k', { txnId: txn });
  await kv.put('', 'k', 'new', { txnId: txn, ttlMs: 0 });
  await kv.put('', 'k', 'newer', { txnId: txn });
  const { version } = await kv.commitTxn('', txn);
  assert.deepEqual((await kv.history('', 'k')).map((e) => [e.version, text(e)]),
    [[version, 'newer']]);
  await kv.close();
});
