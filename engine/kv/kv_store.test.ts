// KvStore tests for the spec's KV rules one by one (wire spec §7.2, §9.1, §9.6, conformance
// items 48-67): the version counter, CAS and if-(not-)exists conditions, TTL rules, deletes,
// exists, incr, mget, scans with cursors, history, namespaces, argument checks, the reveal
// rule, and the compaction filter keeping what reads need.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConflictError, EngineError, NotFoundError, OverloadedError } from '../errors.ts';
import { ManualClock } from '../io/clock.ts';
import { MemFs } from '../io/mem_fs.ts';
import { Prng } from '../io/prng.ts';
import { openKv, text } from '../testing/kv_fixture.ts';
import { KvStore } from './kv_store.ts';

const code = (expected: string) => (error: unknown): boolean =>
  error instanceof EngineError && error.code === expected;

test('versions come from one counter: 1 first, +1 per value-setting write, none for deletes',
  async () => {
    const { kv } = await openKv();
    assert.equal(await kv.put('', 'a', 'x'), 1);
    assert.equal(await kv.put('other', 'a', 'x'), 2);
    await kv.touch('', 'a', 100);
    await kv.persist('', 'a');
    assert.equal(await kv.delete('', 'a'), true);
    assert.deepEqual(await kv.incr('', 'n'), { version: 3, value: 1n });
    assert.equal(await kv.put('', 'a', 'y'), 4);
    assert.deepEqual(await kv.get('', 'a'), { value: new TextEncoder().encode('y'), version: 4 });
    await kv.close();
  });

test('seven puts on a fresh store give the seventh key version 7 (conformance 9)', async () => {
  const { kv } = await openKv();
  for (let i = 1; i <= 6; i++) await kv.put('', `other${i}`, 'v');
  assert.equal(await kv.put('', 'k', 'v'), 7);
  await kv.close();
});

test('versions carry on above every earlier one after a reopen', async () => {
  const fixture = await openKv();
  let last = 0;
  for (let i = 0; i < 5; i++) last = await fixture.kv.put('', `k${i}`, 'v');
  const kv = await fixture.reopen();
  const next = await kv.put('', 'after', 'v');
  assert.ok(next > last, `${next} > ${last}`);
  assert.equal(text(await kv.get('', 'k4')), 'v');
  await kv.close();
});

test('CAS, if-not-exists and if-exists conditions (conformance 52-54)', async () => {
  const { kv } = await openKv();
  assert.equal(await kv.put('', 'k', 'a', { casVersion: 0 }), 1);
  await assert.rejects(kv.put('', 'k', 'b', { casVersion: 0 }), ConflictError);
  await assert.rejects(kv.put('', 'k', 'b', { casVersion: 9 }), /cas version mismatch/);
  assert.equal(await kv.put('', 'k', 'b', { casVersion: 1 }), 2);
  await assert.rejects(kv.put('', 'k', 'c', { ifNotExists: true }), ConflictError);
  await assert.rejects(kv.put('', 'missing', 'c', { ifExists: true }), ConflictError);
  assert.equal(await kv.put('', 'k', 'c', { ifExists: true }), 3);
  await assert.rejects(kv.put('', 'missing', 'c', { casVersion: 3 }), ConflictError);
  await assert.rejects(kv.put('', 'k', 'c', { ifExists: true, ifNotExists: true }),
    RangeError);
  await assert.rejects(kv.delete('', 'k', { casVersion: 2 }), ConflictError);
  assert.equal(text(await kv.get('', 'k')), 'c');
  assert.equal(await kv.delete('', 'k', { casVersion: 3 }), true);
  assert.equal(await kv.delete('', 'k'), false);
  assert.equal(await kv.delete('', 'k', { casVersion: 3 }), false,
    'a conditional delete of a missing key is NOT_FOUND, not CONFLICT (spec 7.2.4)');
  assert.deepEqual(await kv.exists('', 'k'), { present: false, version: 0 });
  await kv.close();
});

test('TTL: expired keys read as missing at once; put replaces, touch sets, persist removes',
  async () => {
    const { kv, clock } = await openKv();
    await kv.put('', 'k', 'v', { ttlMs: 200 });
    clock.advance(199);
    assert.equal(text(await kv.get('', 'k')), 'v');
    clock.advance(1);
    assert.equal(await kv.get('', 'k'), null);
    assert.deepEqual(await kv.exists('', 'k'), { present: false, version: 0 });
    await assert.rejects(kv.touch('', 'k', 100), NotFoundError);
    await kv.put('', 'k', 'v', { ttlMs: 100 });
    await kv.put('', 'k', 'w');
    clock.advance(150);
    assert.equal(text(await kv.get('', 'k')), 'w', 'a put without ttl removes the TTL');
    await kv.touch('', 'k', 10);
    clock.advance(10);
    assert.equal(await kv.get('', 'k'), null);
    await kv.put('', 'k', 'v', { ttlMs: 10 });
    await kv.touch('', 'k', 0);
    clock.advance(50);
    assert.equal(text(await kv.get('', 'k')), 'v', 'touch 0 removes the TTL');
    await kv.touch('', 'k', 10);
    await kv.persist('', 'k');
    clock.advance(50);
    assert.equal(text(await kv.get('', 'k')), 'v');
    const version = (await kv.exists('', 'k')).version;
    await assert.rejects(kv.touch('', 'k', 10, { casVersion: version + 1 }), ConflictError);
    await kv.close();
  });

test('incr counts from 0, keeps the TTL, refuses non-counters and overflow (60-61)',
  async () => {
    const { kv, clock } = await openKv();
    assert.equal((await kv.incr('', 'n')).value, 1n);
    assert.equal((await kv.incr('', 'n', -5)).value, -4n);
    await kv.put('', 'three', 'abc');
    await assert.rejects(kv.incr('', 'three'), /value is not a counter/);
    await assert.rejects(kv.incr('', 'n', -(2n ** 63n) + 1n), code('INVALID_ARGUMENT'));
    assert.equal((await kv.incr('', 'n', 0n)).value, -4n, 'a failed incr changed nothing');
    await kv.touch('', 'n', 100);
    await kv.incr('', 'n');
    clock.advance(100);
    assert.equal(await kv.get('', 'n'), null, 'incr kept the TTL');
    await assert.rejects(kv.incr('', 'n', 2n ** 63n), RangeError);
    await kv.close();
  });

test('mget answers in request order with duplicates; 0 or 257 keys are refused (62-63)',
  async () => {
    const { kv } = await openKv();
    await kv.put('', 'a', '1');
    const entries = await kv.mget('', ['a', 'missing', 'a']);
    assert.deepEqual(entries.map(text), ['1', null, '1']);
    await assert.rejects(kv.mget('', []), RangeError);
    await assert.rejects(kv.mget('', Array.from({ length: 257 }, (_, i) => `k${i}`)),
      RangeError);
    await kv.close();
  });

test('scan pages through a prefix in bytewise order with a cursor (64-65)', async () => {
  const { kv, clock } = await openKv();
  for (const key of ['p/c', 'p/a', 'p/b', 'q', '_action:x', 'p/expired']) {
    await kv.put('', key, key.toUpperCase(), { ttlMs: key === 'p/expired' ? 5 : 0 });
  }
  clock.advance(5);
  const first = await kv.scan('', 'p/', { limit: 2 });
  assert.deepEqual(first.entries.map((e) => text(e)), ['P/A', 'P/B']);
  assert.equal(first.hasMore, true);
  const second = await kv.scan('', 'p/', { limit: 2, cursor: first.cursor });
  assert.deepEqual(second.entries.map((e) => new TextDecoder().decode(e.key)), ['p/c']);
  assert.deepEqual([second.hasMore, second.cursor], [false, null]);
  const all = await kv.scan('', '', { keysOnly: true,
    excludePrefixes: [new TextEncoder().encode('_action:')] });
  assert.deepEqual(all.entries.map((e) => [new TextDecoder().decode(e.key), e.value.length]),
    [['p/a', 0], ['p/b', 0], ['p/c', 0], ['q', 0]]);
  await assert.rejects(kv.scan('', '', { cursor: Uint8Array.of(9, 1) }), /invalid cursor/);
  assert.equal((await kv.scan('', '', { limit: 0 })).entries.length, 5, '0 means 100');
  await kv.close();
});

test('history keeps the newest 8 writes, newest first, through compaction (66-67)',
  async () => {
    const { kv, clock } = await openKv();
    for (let i = 0; i < 20; i++) {
      await kv.put('', 'h', `v${i}`);
      clock.advance(1);
    }
    await kv.touch('', 'h', 1000);
    const before = await kv.history('', 'h');
    assert.equal(before.length, 8);
    assert.deepEqual(before.map((e) => text(e)), Array.from({ length: 8 }, (_, i) => `v${19 - i}`));
    assert.ok(before.every((e, i) => i === 0 || e.timestampMs < before[i - 1]!.timestampMs));
    await kv.db.compactAll();
    assert.deepEqual(await kv.history('', 'h'), before);
    assert.equal((await kv.history('', 'h', { limit: 3 })).length, 3);
    await kv.delete('', 'h');
    assert.deepEqual(await kv.history('', 'h'), []);
    await kv.put('', 'h', 'new life');
    assert.deepEqual((await kv.history('', 'h')).map((e) => text(e)), ['new life']);
    await kv.close();
  });

test('an expired key loses its history; a compaction with a newer version above keeps it',
  async () => {
    const { kv, clock } = await openKv({ historyDepth: 8, lsm: { l0CompactionTrigger: 2 } });
    await kv.put('', 'k', 'first', { ttlMs: 10 });
    await kv.put('', 'filler', 'x');
    await kv.db.flush();
    await kv.put('', 'k', 'second');
    await kv.put('', 'filler2', 'x');
    await kv.db.flush();
    await kv.put('', 'k', 'third');
    clock.advance(20);
    // L0 -> L1 merges "first" (expired by its own TTL) while "third" sits in the memtable:
    // the key lives on, so "first" is history, not an expired key.
    await kv.db.compact({ flush: false });
    assert.ok(kv.db.stats().levels[1]!.tables > 0);
    assert.deepEqual((await kv.history('', 'k')).map((e) => text(e)), ['third', 'second',
      'first']);
    await kv.put('', 'gone', 'v', { ttlMs: 5 });
    clock.advance(5);
    assert.deepEqual(await kv.history('', 'gone'), []);
    await kv.put('', 'gone', 'again');
    assert.deepEqual((await kv.history('', 'gone')).map((e) => text(e)), ['again']);
    await kv.db.compactAll();
    assert.deepEqual((await kv.history('', 'gone')).map((e) => text(e)), ['again']);
    await kv.close();
  });

test('namespaces: holds-data, the list, and a forced drop of every key', async () => {
  const { kv, clock } = await openKv();
  await kv.put('a', 'k1', 'v');
  await kv.put('a', 'k2', 'v');
  await kv.put('b', 'k', 'v', { ttlMs: 5 });
  await kv.put('', 'k', 'v');
  assert.deepEqual(kv.namespacesWithData().sort(), ['a', 'b', 'default']);
  clock.advance(5);
  assert.equal(kv.namespaceHoldsData('b'), false);
  assert.deepEqual(kv.namespacesWithData().sort(), ['a', 'default']);
  const parked = kv.get('a', 'later', { blockMs: 10_000 });
  await kv.dropNamespace('a');
  assert.equal(await parked, null, 'a parked get gets its timeout outcome');
  assert.equal(kv.namespaceHoldsData('a'), false);
  assert.equal(await kv.get('a', 'k1'), null);
  assert.equal(text(await kv.get('default', 'k')), 'v');
  await kv.close();
});

test('bad arguments are TypeError or RangeError naming the argument', async () => {
  const { kv } = await openKv();
  const cases: Array<[() => Promise<unknown>, RegExp]> = [
    [() => kv.put('a\0b', 'k', 'v'), /NUL/],
    [() => kv.put('', '', 'v'), /key is required/],
    [() => kv.put('', 'x'.repeat(16 * 1024 + 1), 'v'), /key is 16385 bytes/],
    [() => kv.put('', 'k', 'v', { ttlMs: -1 }), /ttlMs/],
    [() => kv.get('', 'k', { blockMs: 300_001 }), /blockMs/],
    [() => kv.put('', 7 as unknown as string, 'v'), /key must be a Uint8Array or a string/],
    [() => kv.history('', 'k', { limit: -1 }), /limit/],
  ];
  for (const [call, message] of cases) {
    await assert.rejects(call, (error: unknown) =>
      (error instanceof RangeError || error instanceof TypeError) && message.test(error.message));
  }
  await kv.close();
});

test('a read issued right after a write answers only once that write is durable',
  async () => {
    const { kv, fs } = await openKv({ durability: 'sync' });
    const syncsBefore = fs.stats.syncs;
    const put = kv.put('', 'k', 'v');
    const get = kv.get('', 'k').then((entry) => [text(entry), fs.stats.syncs]);
    assert.equal(fs.stats.syncs, syncsBefore);
    const [answer, syncsAtAnswer] = await get;
    assert.equal(answer, 'v');
    assert.ok((syncsAtAnswer as number) > syncsBefore, 'the WAL was fsynced first');
    await put;
    // With nothing pending a read answers without waiting for anything.
    const again = kv.get('', 'k');
    assert.equal(text(await again), 'v');
    await kv.close();
  });

test('in async mode a crash may lose the newest writes but never reuses their versions',
  async () => {
    const fs = new MemFs();
    const clock = new ManualClock();
    const open = (files: MemFs): Promise<KvStore> => KvStore.open({ fs: files, clock,
      dir: '/kv', durability: 'async', lsm: { background: false } });
    const kv = await open(fs);
    let newest = 0;
    for (let i = 0; i < 10; i++) newest = await kv.put('', `k${i}`, 'v');
    for (let seed = 1; seed <= 5; seed++) {
      const reopened = await open(fs.crashClone(new Prng(seed)));
      assert.ok(reopened.nextVersion > newest, `${reopened.nextVersion} > ${newest}`);
      await reopened.close();
    }
    await kv.close();
  });

test('a commit refused for lack of room leaves the transaction open for a retry', async () => {
  const { kv } = await openKv({ lsm: { immutableMemtablesMax: 1 } });
  const txn = await kv.beginTxn('');
  await kv.put('', 'k', 'v', { txnId: txn });
  let refused: unknown = null;
  for (let i = 0; i < 5000 && refused === null; i++) {
    await kv.put('', `fill${i}`, 'x'.repeat(200)).catch((error: unknown) => {
      refused = error;
    });
  }
  assert.ok(refused instanceof OverloadedError, String(refused));
  await assert.rejects(kv.commitTxn('', txn), OverloadedError);
  await kv.db.whenWritable();
  assert.equal((await kv.commitTxn('', txn)).opCount, 1);
  assert.equal(text(await kv.get('', 'k')), 'v');
  await kv.close();
});
