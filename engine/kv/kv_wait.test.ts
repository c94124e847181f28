// Blocking gets (wire spec §3.3, §7.2.3, §9.8; conformance 35, 68, 69): blockMs waits for
// a key to be created, waitMs for a newer version; deletion and expiry answer a wait_ms
// waiter with "missing"; timeouts and aborts answer "missing" and take nothing; waiters of
// one key are answered in parking order; nothing is revealed before it is durable.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openKv, text } from '../testing/kv_fixture.ts';

test('blockMs answers at once for an existing key and waits for a missing one', async () => {
  const { kv } = await openKv();
  await kv.put('', 'here', 'v');
  assert.equal(text(await kv.get('', 'here', { blockMs: 1000 })), 'v');
  const parked = kv.get('', 'later', { blockMs: 1000 });
  assert.equal(kv.stats().parkedGets, 1);
  const version = await kv.put('', 'later', 'created');
  assert.deepEqual(await parked, { value: new TextEncoder().encode('created'), version });
  assert.equal(kv.stats().parkedGets, 0);
  await kv.close();
});

test('a timed-out get answers null no sooner than its blockMs', async () => {
  const { kv, clock } = await openKv();
  let answered: unknown = 'pending';
  const parked = kv.get('', 'k', { blockMs: 200 }).then((entry) => { answered = entry; });
  clock.advance(199);
  await Promise.resolve();
  assert.equal(answered, 'pending');
  clock.advance(1);
  await parked;
  assert.equal(answered, null);
  await kv.put('', 'k', 'v');
  assert.equal(kv.stats().parkedGets, 0);
  await kv.close();
});

test('waitMs waits for a newer version; touch does not answer it, a put does', async () => {
  const { kv } = await openKv();
  const first = await kv.put('', 'k', 'v1');
  const parked = kv.get('', 'k', { waitMs: 5000 });
  await kv.touch('', 'k', 100_000);
  await kv.persist('', 'k');
  assert.equal(kv.stats().parkedGets, 1);
  const second = await kv.put('', 'k', 'v2');
  const entry = await parked;
  assert.deepEqual([text(entry), entry?.version], ['v2', second]);
  assert.ok(second > first);
  await kv.close();
});

test('deletion and expiry answer waitMs waiters of an existing key with null', async () => {
  const { kv, clock } = await openKv();
  await kv.put('', 'del', 'v');
  const onDelete = kv.get('', 'del', { waitMs: 5000 });
  await kv.delete('', 'del');
  assert.equal(await onDelete, null);
  await kv.put('', 'ttl', 'v', { ttlMs: 100 });
  const onExpiry = kv.get('', 'ttl', { waitMs: 5000 });
  await kv.touch('', 'ttl', 300);
  clock.advance(100);
  assert.equal(kv.stats().parkedGets, 1, 'the touch moved the expiry');
  clock.advance(200);
  assert.equal(await onExpiry, null);
  // A waiter on a missing key is not answered by a deletion: only a creation answers it.
  const missing = kv.get('', 'nothing', { waitMs: 5000 });
  await kv.delete('', 'nothing');
  assert.equal(kv.stats().parkedGets, 1);
  await kv.put('', 'nothing', 'now');
  assert.equal(text(await missing), 'now');
  await kv.close();
});

test('an aborted get answers null at once and takes nothing', async () => {
  const { kv } = await openKv();
  const controller = new AbortController();
  const parked = kv.get('', 'k', { blockMs: 60_000, signal: controller.signal });
  controller.abort();
  assert.equal(await parked, null);
  assert.equal(kv.stats().parkedGets, 0);
  assert.equal(await kv.get('', 'k', { blockMs: 100, signal: AbortSignal.abort() }), null);
  await kv.close();
});

test('waiters of one key are answered in the order they parked', async () => {
  const { kv } = await openKv();
  const order: number[] = [];
  const waiters = [0, 1, 2].map((i) => kv.get('', 'k', { blockMs: 5000 }).then((entry) => {
    order.push(i);
    return text(entry);
  }));
  await kv.put('', 'k', 'v');
  assert.deepEqual(await Promise.all(waiters), ['v', 'v', 'v']);
  assert.deepEqual(order, [0, 1, 2]);
  await kv.close();
});

test('a woken waiter is answered only once the waking write is durable', async () => {
  const { kv, fs } = await openKv({ durability: 'sync' });
  const syncsBefore = fs.stats.syncs;
  const parked = kv.get('', 'k', { blockMs: 5000 }).then((entry) => [text(entry),
    fs.stats.syncs]);
  void kv.put('', 'k', 'v');
  const [value, syncs] = await parked;
  assert.equal(value, 'v');
  assert.ok((syncs as number) > syncsBefore);
  await kv.close();
});

test('closing the store answers parked gets with their timeout outcome', async () => {
  const { kv } = await openKv();
  const parked = kv.get('', 'k', { blockMs: 60_000 });
  await kv.close();
  assert.equal(await parked, null);
});

test('onPark is called exactly when a get starts to wait, and may refuse the wait', async () => {
  const { kv } = await openKv();
  await kv.put('', 'here', 'v');
  const calls: string[] = [];
  const onPark = (name: string, answer: boolean) => () => {
    calls.push(name);
    return answer;
  };
  assert.equal(text(await kv.get('', 'here', { blockMs: 100, onPark: onPark('here', true) })),
    'v', 'an existing key answers block_ms at once');
  assert.equal(await kv.get('', 'gone', { onPark: onPark('plain', true) }), null);
  assert.equal(await kv.get('', 'later', { blockMs: 100, onPark: onPark('refused', false) }),
    null, 'a refused wait answers the timeout outcome at once');
  assert.equal(kv.stats().parkedGets, 0, 'and parks nothing');
  const parked = kv.get('', 'here', { waitMs: 1000, onPark: onPark('watch', true) });
  assert.deepEqual(calls, ['refused', 'watch']);
  assert.equal(kv.stats().parkedGets, 1);
  await kv.put('', 'here', 'v2');
  assert.equal(text(await parked), 'v2');
  await kv.close();
});
