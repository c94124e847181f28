// Behaviour tests of QueueStore, one sentence each, following the wire conformance items
// for queues (spec §10, 78-97) and the issue: ordering, the 13-byte trailer fields, leases
// and their expiry, nack/DLQ/requeue, delays, dedup, touch, peek, stats, blocking dequeues
// (FIFO, wake-ups, timeouts, aborts), backpressure, paging, namespaces, close and errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemFs } from '../io/mem_fs.ts';
import { ManualClock } from '../io/clock.ts';
import { LeaseExpiredError, NotFoundError, OverloadedError, ClosedError } from '../errors.ts';
import { QueueStore } from './queue_store.ts';
import type { QueueStoreOptions } from './queue_types.ts';
import type { NamespacedStore } from '../flo.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const text = (value: string): Uint8Array => encoder.encode(value);

async function openStore(overrides: Partial<QueueStoreOptions> = {}) {
  const fs = (overrides.fs as MemFs | undefined) ?? new MemFs();
  const clock = (overrides.clock as ManualClock | undefined) ?? new ManualClock();
  const options: QueueStoreOptions = { fs, clock, dir: '/queues', ...overrides };
  const store = await QueueStore.open(options);
  return { store, fs, clock, options };
}

test('seqs start at 1 per queue and dequeue order is priority value, then seq', async () => {
  const { store } = await openStore();
  assert.equal(await store.enqueue('', 'q', text('a'), { priority: 5 }), 1);
  assert.deepEqual(await store.enqueueBatch('', 'q', [text('b'), text('c')]), [2, 3]);
  assert.equal(await store.enqueue('', 'q', text('d'), { priority: 1 }), 4);
  assert.equal(await store.enqueue('', 'other', text('x')), 1);
  const got = await store.dequeue('', 'q', { count: 10 });
  assert.deepEqual(got.map((m) => decoder.decode(m.payload)), ['b', 'c', 'd', 'a']);
  assert.deepEqual(got.map((m) => [m.seq, m.priority, m.deliveryCount]),
    [[2, 0, 1], [3, 0, 1], [4, 1, 1], [1, 5, 1]]);
  await store.close();
});

test('every delivery carries enqueuedAtMs, deliveryCount and priority', async () => {
  const { store, clock } = await openStore();
  const at = clock.nowMs();
  await store.enqueue('', 'q', text('x'), { priority: 7 });
  clock.advance(40);
  const [message] = await store.dequeue('', 'q', { visibilityTimeoutMs: 500 });
  assert.deepEqual({ ...message, payload: decoder.decode(message!.payload) },
    { seq: 1, payload: 'x', enqueuedAtMs: at, deliveryCount: 1, priority: 7 });
  await store.close();
});

test('a dequeue on an empty or unknown queue answers [] at once; count is clamped to 100',
  async () => {
    const { store } = await openStore();
    assert.deepEqual(await store.dequeue('', 'nothing'), []);
    await store.enqueueBatch('', 'q', Array.from({ length: 150 }, (_, i) => text(`m${i}`)));
    assert.equal((await store.dequeue('', 'q', { count: 500 })).length, 100);
    assert.deepEqual(await store.listQueues('', {}).then((p) => p.queues.map((q) => q.name)),
      ['q']);
    await store.close();
  });

test('a lease that expires makes the message deliverable again with deliveryCount 2',
  async () => {
    const { store, clock } = await openStore();
    await store.enqueue('', 'q', text('x'));
    assert.equal((await store.dequeue('', 'q', { visibilityTimeoutMs: 500 }))[0]!.seq, 1);
    clock.advance(499);
    assert.deepEqual(await store.dequeue('', 'q'), []);
    clock.advance(1);
    const again = await store.dequeue('', 'q');
    assert.deepEqual(again.map((m) => [m.seq, m.deliveryCount]), [[1, 2]]);
    assert.equal((await store.stats('', 'q')).leasesExpired, 1);
    await store.close();
  });

test('an acked message is never delivered again; acking it again is NotFoundError',
  async () => {
    const { store, clock } = await openStore();
    await store.enqueue('', 'q', text('x'));
    await store.dequeue('', 'q', { visibilityTimeoutMs: 100 });
    assert.equal(await store.ack('', 'q', [1]), 1);
    clock.advance(1000);
    assert.deepEqual(await store.dequeue('', 'q'), []);
    await assert.rejects(store.ack('', 'q', [1]), NotFoundError);
    assert.equal(await store.ack('', 'q', [1, 99], { strict: false }), 0);
    await assert.rejects(store.ack('', 'never', [1]), NotFoundError);
    await store.close();
  });

test('acking or touching an expired lease is LeaseExpiredError and changes nothing',
  async () => {
    const { store, clock } = await openStore();
    await store.enqueueBatch('', 'q', [text('a'), text('b')]);
    await store.dequeue('', 'q', { count: 2, visibilityTimeoutMs: 100 });
    await store.touch('', 'q', [2], { extendMs: 1000 });
    clock.advance(150);
    await assert.rejects(store.ack('', 'q', [2, 1]), LeaseExpiredError);
    await assert.rejects(store.touch('', 'q', [1]), LeaseExpiredError);
    assert.equal((await store.stats('', 'q')).leased, 1, 'seq 2 is still leased');
    // The wire semantics: an ack also removes a delivered message that is ready again.
    assert.equal(await store.ack('', 'q', [1, 2], { strict: false }), 2);
    assert.deepEqual(await store.stats('', 'q').then((s) => [s.ready, s.leased, s.acked]),
      [0, 0, 2]);
    await store.close();
  });

test('remove drops ready, delayed, leased and dead messages alike, also after a reopen',
  async () => {
    const { store, fs, clock, options } = await openStore();
    await store.configure('', 'q', { maxDeliveries: 1 });
    await store.enqueueBatch('', 'q', [text('leased'), text('dead'), text('ready')]);
    await store.enqueue('', 'q', text('delayed'), { delayMs: 1000 });
    await store.enqueue('', 'q', text('kept'));
    assert.deepEqual((await store.dequeue('', 'q', { count: 2 })).map((m) => m.seq), [1, 2]);
    await store.nack('', 'q', [2]);
    await store.nack('', 'q', [1]);
    assert.equal((await store.stats('', 'q')).dlq, 2, 'seqs 1 and 2 dead-lettered');
    await store.dlqRequeue('', 'q', [1]);
    assert.deepEqual((await store.dequeue('', 'q')).map((m) => m.seq), [1]);
    // Now 1 is leased, 2 dead, 3 ready (never delivered), 4 delayed and 5 ready.
    assert.equal(await store.remove('', 'q', [1, 2, 3, 4, 99]), 4);
    assert.equal(await store.remove('', 'q', [1]), 0, 'a seq not held is skipped');
    assert.equal(await store.remove('', 'never', [1]), 0);
    await store.close();
    const reopened = await QueueStore.open({ ...options, fs, clock });
    const held: number[] = [];
    reopened.forEachHeld('', 'q', (message) => held.push(message.seq));
    assert.deepEqual(held, [5]);
    clock.advance(2000);
    assert.deepEqual((await reopened.dequeue('', 'q', { count: 10 })).map((m) => m.seq), [5]);
    await reopened.close();
  });

test('nack returns a message with deliveryCount + 1, or to the DLQ when asked', async () => {
  const { store } = await openStore();
  await store.enqueueBatch('', 'q', [text('a'), text('b')]);
  await store.dequeue('', 'q', { count: 2 });
  assert.equal(await store.nack('', 'q', [1]), 1);
  assert.equal(await store.nack('', 'q', [2], { toDlq: true }), 1);
  assert.deepEqual((await store.dequeue('', 'q')).map((m) => [m.seq, m.deliveryCount]),
    [[1, 2]]);
  const page = await store.dlqList('', 'q');
  assert.deepEqual(page.messages.map((m) => [m.seq, m.deliveryCount]), [[2, 1]]);
  const stats = await store.stats('', 'q');
  assert.deepEqual([stats.nacked, stats.dlqTotal, stats.dlq], [2, 1, 1]);
  await store.close();
});

test('maxRetries 0 dead-letters at the first nack; the default at the 10th delivery',
  async () => {
    const { store } = await openStore();
    await store.enqueue('', 'q', text('once'), { maxRetries: 0 });
    await store.dequeue('', 'q');
    await store.nack('', 'q', [1]);
    assert.equal((await store.dlqList('', 'q')).messages.length, 1);
    await store.enqueue('', 'q', text('ten'));
    for (let delivery = 1; delivery <= 10; delivery++) {
      const [message] = await store.dequeue('', 'q');
      assert.equal(message!.deliveryCount, delivery);
      await store.nack('', 'q', [2]);
    }
    assert.deepEqual(await store.dequeue('', 'q'), []);
    assert.deepEqual((await store.dlqList('', 'q')).messages.map((m) => [m.seq,
      m.deliveryCount]), [[1, 1], [2, 10]]);
    await store.close();
  });

test('a DLQ requeue makes the message deliverable with deliveryCount 1; delete drops it',
  async () => {
    const { store } = await openStore();
    await store.enqueueBatch('', 'q', [text('a'), text('b'), text('c')], { maxRetries: 0 });
    await store.dequeue('', 'q', { count: 3 });
    await store.nack('', 'q', [1, 2, 3]);
    const first = await store.dlqList('', 'q', { limit: 2 });
    assert.deepEqual([first.messages.map((m) => m.seq), first.hasMore], [[1, 2], true]);
    const rest = await store.dlqList('', 'q', { limit: 2, afterSeq: 2 });
    assert.deepEqual([rest.messages.map((m) => m.seq), rest.hasMore], [[3], false]);
    assert.equal(await store.dlqRequeue('', 'q', [2]), 1);
    assert.equal(await store.dlqDelete('', 'q', [3]), 1);
    await assert.rejects(store.dlqDelete('', 'q', [2]), NotFoundError);
    assert.deepEqual((await store.dequeue('', 'q')).map((m) => [m.seq, m.deliveryCount]),
      [[2, 1]]);
    assert.deepEqual(await store.stats('', 'q').then((s) => [s.dlq, s.dlqTotal]), [1, 3]);
    await store.close();
  });

test('a delayed message is not ready before its time and is after it', async () => {
  const { store, clock } = await openStore();
  await store.enqueue('', 'q', text('later'), { delayMs: 300 });
  clock.advance(100);
  assert.deepEqual(await store.dequeue('', 'q'), []);
  assert.deepEqual(await store.stats('', 'q').then((s) => [s.ready, s.delayed]), [0, 1]);
  clock.advance(1400);
  assert.equal((await store.dequeue('', 'q'))[0]?.seq, 1);
  assert.equal(await store.promoteDue('', 'q'), 0, 'the timer already promoted it');
  await store.close();
});

test('a dedup key within the window returns the first seq and stores nothing', async () => {
  const { store, clock } = await openStore({ defaults: { dedupWindowMs: 1000 } });
  assert.equal(await store.enqueue('', 'q', text('a'), { dedupKey: 'k' }), 1);
  assert.equal(await store.enqueue('', 'q', text('b'), { dedupKey: 'k' }), 1);
  await store.dequeue('', 'q');
  await store.ack('', 'q', [1]);
  clock.advance(999);
  assert.equal(await store.enqueue('', 'q', text('c'), { dedupKey: 'k' }), 1,
    'whatever became of the message');
  assert.equal((await store.stats('', 'q')).enqueued, 1);
  clock.advance(1);
  assert.equal(await store.enqueue('', 'q', text('d'), { dedupKey: 'k' }), 2);
  assert.equal(await store.enqueue('', 'q', text('e'), { dedupKey: new Uint8Array([0x6b]) }),
    2, 'string and byte keys are the same key');
  await store.close();
});

test('the dedup index is bounded: a new key past the bound is OverloadedError', async () => {
  const { store, clock } = await openStore({ defaults: { dedupKeysMax: 2, dedupWindowMs: 50 } });
  await store.enqueue('', 'q', text('a'), { dedupKey: 'k1' });
  await store.enqueue('', 'q', text('b'), { dedupKey: 'k2' });
  await assert.rejects(store.enqueue('', 'q', text('c'), { dedupKey: 'k3' }), OverloadedError);
  assert.equal(await store.enqueue('', 'q', text('d'), { dedupKey: 'k1' }), 1);
  clock.advance(50);
  assert.equal(await store.enqueue('', 'q', text('e'), { dedupKey: 'k3' }), 3, 'expired');
  await store.close();
});

test('touch with extendMs 2000 keeps a 500 ms lease from being redelivered', async () => {
  const { store, clock } = await openStore();
  await store.enqueue('', 'q', text('x'));
  await store.dequeue('', 'q', { visibilityTimeoutMs: 500 });
  clock.advance(400);
  assert.equal(await store.touch('', 'q', [1], { extendMs: 2000 }), 1);
  clock.advance(1500);
  assert.deepEqual(await store.dequeue('', 'q'), []);
  clock.advance(500);
  assert.equal((await store.dequeue('', 'q'))[0]?.deliveryCount, 2);
  // Without extendMs a touch renews the lease's own length.
  clock.advance(300);
  await store.touch('', 'q', [1]);
  clock.advance(29_999);
  assert.deepEqual(await store.dequeue('', 'q'), []);
  await store.close();
});

test('peek returns ready messages in order without leasing them', async () => {
  const { store } = await openStore();
  await store.enqueueBatch('', 'q', [text('a'), text('b'), text('c')]);
  await store.enqueue('', 'q', text('first'), { priority: 0 });
  await store.dequeue('', 'q');
  const peeked = await store.peek('', 'q', 2);
  assert.deepEqual(peeked.map((m) => [m.seq, m.deliveryCount]), [[2, 0], [3, 0]]);
  assert.equal((await store.stats('', 'q')).leased, 1);
  await store.close();
});

test('stats count operations, survive a reopen, and purge keeps the DLQ and the counter',
  async () => {
    const { store, options } = await openStore();
    await store.enqueueBatch('', 'q', [text('a'), text('b'), text('c'), text('d')]);
    await store.dequeue('', 'q', { count: 3 });
    await store.ack('', 'q', [1]);
    await store.nack('', 'q', [2], { toDlq: true });
    await store.close();
    const reopened = await QueueStore.open(options);
    const expected = { enqueued: 4, dequeued: 3, acked: 1, nacked: 1, dlqTotal: 1,
      leasesExpired: 0, ready: 1, delayed: 0, leased: 1, dlq: 1, oldestReadyAgeMs: 0 };
    assert.deepEqual(await reopened.stats('', 'q'), expected);
    assert.equal(await reopened.purge('', 'q'), 2);
    assert.equal(await reopened.enqueue('', 'q', text('e')), 5, 'seqs are never reused');
    const after = await reopened.stats('', 'q');
    assert.deepEqual([after.ready, after.leased, after.dlq], [1, 0, 1]);
    await assert.rejects(reopened.ack('', 'q', [3]), NotFoundError, 'purged lease is gone');
    await reopened.close();
  });

test('maxReady refuses an enqueue past it with OverloadedError, applying nothing', async () => {
  const { store } = await openStore();
  await store.configure('', 'q', { maxReady: 3 });
  await store.enqueueBatch('', 'q', [text('a'), text('b')]);
  await assert.rejects(store.enqueueBatch('', 'q', [text('c'), text('d')]), OverloadedError);
  assert.equal(await store.enqueue('', 'q', text('c'), { delayMs: 10 }), 3);
  await assert.rejects(store.enqueue('', 'q', text('d')), OverloadedError);
  await store.dequeue('', 'q');
  assert.equal(await store.enqueue('', 'q', text('d')), 4);
  assert.equal(store.settings('', 'q').maxReady, 3);
  await store.close();
});

test('a parked dequeue is woken by the enqueue that makes a message ready', async () => {
  const { store } = await openStore();
  const parked = store.dequeue('', 'q', { blockMs: 5000 });
  assert.equal(store.parkedCount, 1);
  await store.enqueue('', 'q', text('x'));
  assert.deepEqual((await parked).map((m) => decoder.decode(m.payload)), ['x']);
  assert.equal(store.parkedCount, 0);
  await store.close();
});

test('parked dequeues are served first parked, first served, each up to its count',
  async () => {
    const { store } = await openStore();
    await store.enqueue('', 'q', text('seed'));
    await store.dequeue('', 'q');
    const first = store.dequeue('', 'q', { blockMs: 5000, count: 2 });
    const second = store.dequeue('', 'q', { blockMs: 5000, count: 5 });
    await store.enqueueBatch('', 'q', [text('a'), text('b'), text('c')]);
    assert.deepEqual((await first).map((m) => m.seq), [2, 3]);
    assert.deepEqual((await second).map((m) => m.seq), [4]);
    await store.close();
  });

test('delay ends, lease expiry, nack and DLQ requeue wake parked dequeues', async () => {
  const { store, clock } = await openStore();
  await store.enqueue('', 'q', text('d'), { delayMs: 100 });
  const byDelay = store.dequeue('', 'q', { blockMs: 5000, visibilityTimeoutMs: 50 });
  clock.advance(100);
  assert.deepEqual((await byDelay).map((m) => m.seq), [1]);
  const byExpiry = store.dequeue('', 'q', { blockMs: 5000 });
  clock.advance(50);
  assert.deepEqual((await byExpiry).map((m) => m.deliveryCount), [2]);
  const byNack = store.dequeue('', 'q', { blockMs: 5000 });
  await store.nack('', 'q', [1]);
  assert.deepEqual((await byNack).map((m) => m.deliveryCount), [3]);
  await store.nack('', 'q', [1], { toDlq: true });
  const byRequeue = store.dequeue('', 'q', { blockMs: 5000 });
  await store.dlqRequeue('', 'q', [1]);
  assert.deepEqual((await byRequeue).map((m) => m.deliveryCount), [1]);
  await store.close();
});

test('a parked dequeue that times out or is aborted takes nothing', async () => {
  const { store, clock } = await openStore();
  const timedOut = store.dequeue('', 'q', { blockMs: 200 });
  clock.advance(200);
  assert.deepEqual(await timedOut, []);
  const controller = new AbortController();
  const aborted = store.dequeue('', 'q', { blockMs: 5000, signal: controller.signal });
  const waiting = store.dequeue('', 'q', { blockMs: 5000 });
  controller.abort();
  assert.deepEqual(await aborted, []);
  await store.enqueue('', 'q', text('x'));
  assert.deepEqual((await waiting).map((m) => m.seq), [1]);
  assert.equal((await store.stats('', 'q')).dequeued, 1);
  assert.equal(store.parkedCount, 0);
  await store.close();
});

test('past the parked limit a blocking dequeue gets its timeout outcome at once', async () => {
  const { store } = await openStore({ parkedMax: 1 });
  const parked = store.dequeue('', 'q', { blockMs: 5000 });
  assert.deepEqual(await store.dequeue('', 'q', { blockMs: 5000 }), []);
  await store.enqueue('', 'q', text('x'));
  assert.equal((await parked).length, 1);
  await store.close();
});

test('onPark is asked only when a dequeue would wait; false answers [] and takes nothing',
  async () => {
    const { store } = await openStore();
    const asked: string[] = [];
    const refuse = (): boolean => {
      asked.push('refused');
      return false;
    };
    // An unknown queue and a known empty one both ask, and a refusal parks nothing.
    assert.deepEqual(await store.dequeue('', 'q', { blockMs: 5000, onPark: refuse }), []);
    await store.enqueue('', 'q', text('a'));
    const [leased] = await store.dequeue('', 'q', { blockMs: 5000, onPark: refuse });
    assert.equal(leased!.seq, 1, 'a ready message is leased without asking');
    assert.deepEqual(await store.dequeue('', 'q', { blockMs: 5000, onPark: refuse }), []);
    assert.deepEqual(asked, ['refused', 'refused']);
    assert.equal(store.parkedCount, 0);
    await store.dequeue('', 'q', { blockMs: 0, onPark: refuse });
    assert.equal(asked.length, 2, 'a dequeue without a wait never asks');
    let parks = 0;
    const parked = store.dequeue('', 'q', { blockMs: 5000, onPark: () => ++parks > 0 });
    assert.equal(parks, 1, 'asked synchronously, before the call returns');
    await store.enqueue('', 'q', text('b'));
    assert.deepEqual((await parked).map((m) => m.seq), [2]);
    assert.equal((await store.stats('', 'q')).dequeued, 2);
    await store.close();
  });

test('a budget bounds what one dequeue leases, parked or not; the first always goes',
  async () => {
    const { store } = await openStore();
    const budget = { bytesMax: 25, sizeOf: (payloadBytes: number) => payloadBytes + 5 };
    await store.enqueueBatch('', 'q', [text('aaaaa'), text('bbbbb'), text('ccccc')]);
    await store.enqueue('', 'q', text('x'.repeat(40)));
    assert.deepEqual((await store.dequeue('', 'q', { count: 10, budget })).map((m) => m.seq),
      [1, 2], 'two of 10 bytes fit 25, the third would not');
    assert.deepEqual((await store.dequeue('', 'q', { count: 10, budget })).map((m) => m.seq),
      [3], 'the big one waits first in line');
    assert.deepEqual((await store.dequeue('', 'q', { count: 10, budget })).map((m) => m.seq),
      [4], 'alone it goes although it is over the budget');
    const parked = store.dequeue('', 'q', { count: 10, blockMs: 5000, budget });
    await store.enqueueBatch('', 'q', [text('ddddd'), text('eeeee'), text('fffff')]);
    assert.deepEqual((await parked).map((m) => m.seq), [5, 6]);
    assert.deepEqual((await store.peek('', 'q', 10)).map((m) => m.seq), [7]);
    await assert.rejects(store.dequeue('', 'q', { budget: { bytesMax: -1, sizeOf: () => 0 } }),
      /budget.bytesMax/);
    store.checkInvariants();
    await store.close();
  });

test('depths() reports every open queue by state, as applied', async () => {
  const { store, clock } = await openStore();
  assert.deepEqual(store.depths(), []);
  await store.enqueueBatch('', 'q', [text('a'), text('b'), text('c')]);
  await store.enqueue('', 'q', text('later'), { delayMs: 1000 });
  await store.enqueue('ns', 'other', text('x'));
  const [leased] = await store.dequeue('', 'q');
  await store.nack('', 'q', [leased!.seq], { toDlq: true });
  await store.dequeue('', 'q');
  const depths = store.depths().sort((a, b) => a.name.localeCompare(b.name));
  assert.deepEqual(depths, [
    { namespace: 'ns', name: 'other', ready: 1, delayed: 0, leased: 0, dlq: 0 },
    { namespace: 'default', name: 'q', ready: 1, delayed: 1, leased: 1, dlq: 1 },
  ]);
  clock.advance(1000);
  const after = store.depths().find((d) => d.name === 'q')!;
  assert.deepEqual([after.ready, after.delayed], [2, 0], 'the delay timer moved it');
  await store.close();
});

test('listQueues pages by name with an opaque cursor and skips never-used queues',
  async () => {
    const { store } = await openStore();
    for (const name of ['b', 'a', 'c', 'ab']) await store.enqueue('ns', name, text(name));
    await store.enqueue('other', 'z', text('z'));
    await store.configure('ns', 'configured-only', { maxDeliveries: 2 });
    const first = await store.listQueues('ns', { limit: 2 });
    assert.deepEqual([first.queues.map((q) => q.name), first.hasMore], [['a', 'ab'], true]);
    const second = await store.listQueues('ns', { limit: 2, cursor: first.cursor });
    assert.deepEqual([second.queues.map((q) => q.name), second.hasMore], [['b', 'c'], false]);
    assert.equal(second.cursor.length, 0);
    const prefixed = await store.listQueues('ns', { prefix: 'a' });
    assert.deepEqual(prefixed.queues.map((q) => q.name), ['a', 'ab']);
    assert.deepEqual(first.queues[0], { namespace: 'ns', name: 'a', pending: 1, available: 1,
      enqueued: 1, dequeued: 0, dlq: 0 });
    await assert.rejects(store.listQueues('ns', { cursor: new Uint8Array([9, 1]) }), RangeError);
    await store.close();
  });

test('dropNamespace deletes its queues and gives parked dequeues their timeout outcome',
  async () => {
    const { store, options } = await openStore();
    await store.enqueue('tenant', 'q', text('x'));
    await store.enqueue('', 'q', text('kept'));
    const parked = store.dequeue('tenant', 'idle', { blockMs: 60_000 });
    const attachable: NamespacedStore = store;
    assert.deepEqual(attachable.namespacesWithData(), ['default', 'tenant']);
    assert.equal(store.namespaceHoldsData('tenant'), true);
    assert.equal(store.namespaceHoldsData('empty'), false);
    await store.dropNamespace('tenant');
    assert.deepEqual(await parked, []);
    assert.equal(store.namespaceHoldsData('tenant'), false);
    assert.deepEqual(await store.stats('tenant', 'q').then((s) => s.enqueued), 0);
    await store.close();
    const reopened = await QueueStore.open(options);
    assert.equal((await reopened.listQueues('tenant')).queues.length, 0);
    assert.equal((await reopened.stats('default', 'q')).ready, 1);
    assert.equal(await reopened.enqueue('tenant', 'q', text('again')), 1);
    await reopened.close();
  });

test('close gives parked dequeues [] and later calls throw ClosedError', async () => {
  const { store } = await openStore();
  const parked = store.dequeue('', 'q', { blockMs: 60_000 });
  await store.close();
  assert.deepEqual(await parked, []);
  await assert.rejects(store.enqueue('', 'q', text('x')), ClosedError);
});

test('bad arguments throw TypeError or RangeError naming the argument', async () => {
  const { store } = await openStore();
  await assert.rejects(store.enqueue('', 'a\u0000b', text('x')), /queue must not contain NUL/);
  await assert.rejects(store.enqueue('', '', text('x')), /queue must not be empty/);
  await assert.rejects(store.enqueue('', 'q', text('x'), { priority: 256 }), /priority/);
  await assert.rejects(store.enqueue('', 'q', 'x' as never), TypeError);
  await assert.rejects(store.enqueueBatch('', 'q', [], {}), /payloads.length/);
  await assert.rejects(store.enqueueBatch('', 'q', [text('x')], { dedupKey: 'k' } as never),
    TypeError);
  await assert.rejects(store.dequeue('', 'q', { visibilityTimeoutMs: 43_200_001 }), RangeError);
  await assert.rejects(store.dequeue('', 'q', { blockMs: 300_001 }), /blockMs/);
  await assert.rejects(store.enqueue('', 'q', text('x'), { delayMs: 2_592_000_001 }),
    /delayMs/);
  await assert.rejects(store.ack('', 'q', [1.5]), /seqs\[0\]/);
  await store.close();
});

test('payloads are read back from the journal when the cache holds none', async () => {
  const { store, options } = await openStore({ payloadCacheBytes: 0, segmentBytes: 4096 });
  const payloads = Array.from({ length: 300 }, (_, i) => text(`payload-${i}`.repeat(3)));
  for (let i = 0; i < 300; i += 30) await store.enqueueBatch('', 'q', payloads.slice(i, i + 30));
  const first = await store.dequeue('', 'q', { count: 100 });
  assert.deepEqual(first.map((m) => decoder.decode(m.payload)),
    payloads.slice(0, 100).map((p) => decoder.decode(p)));
  await store.close();
  const reopened = await QueueStore.open(options);
  const rest = [];
  for (let got = await reopened.dequeue('', 'q', { count: 100 }); got.length > 0;
    got = await reopened.dequeue('', 'q', { count: 100 })) rest.push(...got);
  assert.deepEqual(rest.map((m) => decoder.decode(m.payload)),
    payloads.slice(100).map((p) => decoder.decode(p)));
  await reopened.close();
});

test('concurrent enqueues in sync mode share fsyncs (group commit)', async () => {
  const { store, fs } = await openStore();
  await store.enqueue('', 'q', text('warm'));
  const before = fs.stats.syncs;
  await Promise.all(Array.from({ length: 50 }, (_, i) => store.enqueue('', 'q', text(`${i}`))));
  assert.ok(fs.stats.syncs - before < 10, `${fs.stats.syncs - before} fsyncs for 50 enqueues`);
  await store.close();
});

test('a failed fsync rejects the call and every later one with StorageIoError', async () => {
  const { store, fs } = await openStore();
  await store.enqueue('', 'q', text('a'));
  fs.injectFault('sync', '.seg');
  await assert.rejects(store.enqueue('', 'q', text('b')), /injected fault/);
  await assert.rejects(store.dequeue('', 'q'), /injected fault/);
  await store.close();
});

test('concurrent configure calls all land; the last one wins', async () => {
  const { store, options } = await openStore();
  await Promise.all([1, 2, 3, 4].map((n) => store.configure('', 'q', { maxDeliveries: n })));
  assert.equal(store.settings('', 'q').maxDeliveries, 4);
  await store.close();
  const reopened = await QueueStore.open(options);
  await reopened.enqueue('', 'q', text('x'));
  assert.equal(reopened.settings('', 'q').maxDeliveries, 4);
  await reopened.close();
});
