// Tests of the queue API an owner builds on (engine/action): the onDue hook (what time did
// in a tick, heard before any other call can see it, with calls back into the store
// allowed), the synchronous leaseFirst over several queues, forEachHeld and isOpen.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemFs } from '../io/mem_fs.ts';
import { ManualClock } from '../io/clock.ts';
import { QueueStore } from './queue_store.ts';
import type { HeldMessage, QueueDueEvent, QueueStoreOptions } from './queue_types.ts';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

// A clock whose time can move without firing timers: an operation then ticks first.
class SkewClock extends ManualClock {
  skewMs = 0;
  override nowMs(): number {
    return super.nowMs() + this.skewMs;
  }
}

async function openStore(overrides: Partial<QueueStoreOptions> = {}) {
  const clock = new SkewClock();
  const events: QueueDueEvent[] = [];
  const store = await QueueStore.open({
    fs: new MemFs(), clock, dir: '/queues', onDue: (event) => events.push(event), ...overrides,
  });
  return { store, clock, events };
}

test('onDue hears expired leases with their delivery counts when the timer fires', async () => {
  const { store, clock, events } = await openStore();
  await store.configure('ns', 'q', { maxDeliveries: 2 });
  await store.enqueueBatch('ns', 'q', [text('a'), text('b')]);
  await store.dequeue('ns', 'q', { count: 2, visibilityTimeoutMs: 100 });
  clock.advance(100);
  assert.deepEqual(events, [{ namespace: 'ns', queue: 'q', promoted: 0, expired: [
    { seq: 1, deliveryCount: 1, dead: false }, { seq: 2, deliveryCount: 1, dead: false }] }]);
  await store.dequeue('ns', 'q', { count: 1, visibilityTimeoutMs: 50 });
  clock.advance(50);
  assert.deepEqual(events[1]!.expired, [{ seq: 1, deliveryCount: 2, dead: true }]);
  await store.close();
});

test('onDue hears delays that ended, also when an operation ticks before the timer', async () => {
  const { store, clock, events } = await openStore();
  await store.enqueue('', 'q', text('later'), { delayMs: 200 });
  await store.enqueue('', 'q', text('later too'), { delayMs: 200 });
  assert.deepEqual(events, []);
  // Time passes without the timer firing (no advance): the next operation's tick reports it.
  clock.skewMs = 250;
  assert.equal((await store.peek('', 'q', 5)).length, 2);
  assert.deepEqual(events, [{ namespace: 'default', queue: 'q', promoted: 2, expired: [] }]);
  await store.close();
});

test('the onDue hook may call the store back: an expired message acked there is never seen',
  async () => {
    let store: QueueStore | null = null;
    const acked: Array<Promise<number>> = [];
    const opened = await openStore({
      onDue: (event) => {
        for (const lease of event.expired) {
          acked.push(store!.ack(event.namespace, event.queue, [lease.seq], { strict: false }));
        }
      },
    });
    store = opened.store;
    await store.enqueue('', 'q', text('x'));
    await store.dequeue('', 'q', { visibilityTimeoutMs: 10 });
    opened.clock.skewMs = 20;
    // This dequeue's own tick expires the lease; the hook removes the message before the
    // dequeue looks at what is ready.
    assert.deepEqual(await store.dequeue('', 'q'), []);
    assert.deepEqual(await Promise.all(acked), [1]);
    assert.equal((await store.stats('', 'q')).leasesExpired, 1);
    await store.close();
  });

test('leaseFirst takes the lowest priority value, then the earliest enqueue, across queues',
  async () => {
    const { store, clock } = await openStore();
    await store.enqueue('ns', 'a', text('a1'), { priority: 5 });
    clock.advance(10);
    await store.enqueue('ns', 'b', text('b1'), { priority: 5 });
    await store.enqueue('ns', 'c', text('c1'), { priority: 7 });
    const candidates = ['c', 'b', 'missing', 'a'].map((queue) => ({ queue, leaseMs: 1000 }));
    const order: string[] = [];
    for (;;) {
      const leased = store.leaseFirst('ns', candidates);
      if (leased === null) break;
      await leased.durable;
      order.push(`${leased.queue}:${decode(leased.message.payload)}`);
      assert.equal(leased.message.deliveryCount, 1);
      assert.equal(leased.deadlineMs, clock.nowMs() + 1000);
    }
    assert.deepEqual(order, ['a:a1', 'b:b1', 'c:c1']);
    assert.equal((await store.stats('ns', 'a')).leased, 1);
    await store.close();
  });

test('leaseFirst breaks ties by candidate order and leases for the candidate\'s length',
  async () => {
    const { store, clock } = await openStore();
    await store.enqueue('', 'x', text('x'));
    await store.enqueue('', 'y', text('y'));
    const leased = store.leaseFirst('', [{ queue: 'y', leaseMs: 30 }, { queue: 'x', leaseMs: 9 }]);
    assert.equal(leased?.queue, 'y');
    clock.advance(30);
    // The lease of y ran out: leaseFirst ticks y first, so y is offered again.
    const again = store.leaseFirst('', [{ queue: 'y', leaseMs: 30 }]);
    assert.equal(again?.message.deliveryCount, 2);
    assert.throws(() => store.leaseFirst('', [{ queue: 'x', leaseMs: 0 }]), RangeError);
    await store.close();
  });

test('forEachHeld shows every held message with its state; isOpen tells existing queues',
  async () => {
    const { store, clock } = await openStore();
    assert.equal(store.isOpen('', 'q'), false);
    await store.configure('', 'q', { maxDeliveries: 1 });
    assert.equal(store.isOpen('', 'q'), true);
    await store.enqueueBatch('', 'q', [text('ready'), text('leased'), text('dead')]);
    await store.enqueue('', 'q', text('delayed'), { delayMs: 500 });
    const [first] = await store.dequeue('', 'q', { visibilityTimeoutMs: 100 });
    await store.nack('', 'q', [first!.seq], { toDlq: true });
    await store.dequeue('', 'q', { visibilityTimeoutMs: 100 });
    const held: HeldMessage[] = [];
    store.forEachHeld('', 'q', (message) => held.push(message));
    const now = clock.nowMs();
    assert.deepEqual(held.map((m) => [m.seq, decode(m.payload), m.state, m.dueMs, m.leaseMs]), [
      [1, 'ready', 'dlq', 0, 100], [2, 'leased', 'leased', now + 100, 100],
      [3, 'dead', 'ready', 0, 0], [4, 'delayed', 'delayed', now + 500, 0]]);
    store.forEachHeld('', 'missing', () => assert.fail('no queue, no messages'));
    await store.close();
  });
