// Tests of consumer groups (spec §7.5, checklist items 112-118): one consumer per record,
// redelivery after the ack timeout with a higher count, ack, nack, touch, max_deliver and
// dead letters, claim with its cursor, pending, leave, info and lag, no_ack, pattern reads,
// blocking reads served first parked first, group deletion, and durability across reopen.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemFs } from '../io/mem_fs.ts';
import { ManualClock } from '../io/clock.ts';
import { NotFoundError } from '../errors.ts';
import { StreamStore } from './stream_store.ts';

const encoder = new TextEncoder();
const bytes = (text: string): Uint8Array => encoder.encode(text);
const T0 = 1_700_000_000_000;
const ALL_FF = null;

async function setup(records = 5, options: { partitions?: number } = {}) {
  const fs = new MemFs();
  const clock = new ManualClock(T0);
  const store = await StreamStore.open({ fs, clock, dir: '/streams' });
  await store.create('', 's', { partitionCount: options.partitions ?? 1 });
  for (let i = 1; i <= records; i++) await store.append('', 's', [{ payload: bytes(`r${i}`) }]);
  return { fs, clock, store, groups: store.groups };
}

const sequences = (records: Array<{ sequence: number }>): number[] =>
  records.map((record) => record.sequence);

test('two consumers of one group never get the same record', async () => {
  const { store, groups } = await setup(10, { partitions: 3 });
  const a = await groups.read('', 's', 'g', 'a', { count: 4 });
  const b = await groups.read('', 's', 'g', 'b', { count: 100 });
  assert.deepEqual(sequences(a), [1, 2, 3, 4]);
  assert.deepEqual(sequences(b), [5, 6, 7, 8, 9, 10]);
  assert.deepEqual(await groups.read('', 's', 'g', 'a'), []);
  const info = await groups.info('', 's', 'g');
  assert.deepEqual(info.consumers.map((c) => [c.name, c.pending]), [['a', 4], ['b', 6]]);
  assert.deepEqual(info.cursor.sequence, 10);
  assert.equal(info.lag, 10);
  await store.close();
});

test('a group read returns 10 records by default and at most 1 000', async () => {
  const { store, groups } = await setup(0);
  for (let i = 0; i < 12; i++) {
    await store.append('', 's', Array.from({ length: 100 }, () => ({ payload: bytes('x') })));
  }
  assert.equal((await groups.read('', 's', 'g', 'c')).length, 10);
  assert.equal((await groups.read('', 's', 'g', 'c', { count: 5_000 })).length, 1_000);
  await store.close();
});

test('an unacked record is redelivered after the ack timeout with a higher count', async () => {
  const { store, groups, clock } = await setup(2);
  await groups.create('', 's', 'g', { ackTimeoutMs: 1_000 });
  const first = await groups.read('', 's', 'g', 'a', { count: 1 });
  assert.deepEqual(first.map((r) => [r.sequence, r.deliveryCount]), [[1, 1]]);
  clock.advance(999);
  assert.deepEqual(sequences(await groups.read('', 's', 'g', 'b', { count: 1 })), [2]);
  clock.advance(1);
  const again = await groups.read('', 's', 'g', 'b', { count: 5 });
  assert.deepEqual(again.map((r) => [r.sequence, r.deliveryCount]), [[1, 2]]);
  const pending = await groups.pending('', 's', 'g');
  assert.deepEqual(pending.map((p) => [p.id.sequence, p.consumer, p.deliveryCount]),
    [[1, 'b', 2], [2, 'b', 1]]);
  await store.close();
});

test('ack removes entries from pending, in any order, ignoring unknown ones', async () => {
  const { store, groups } = await setup(5);
  await groups.read('', 's', 'g', 'a', { count: 5 });
  assert.equal(await groups.ack('', 's', 'g', [4, 2, 99, 2]), 2);
  assert.deepEqual((await groups.pending('', 's', 'g')).map((p) => p.id.sequence), [1, 3, 5]);
  assert.equal(await groups.ack('', 's', 'g', [7]), 0);
  await assert.rejects(groups.ack('', 's', 'nope', [1]), NotFoundError);
  await assert.rejects(groups.ack('', 'nope', 'g', [1]), NotFoundError);
  await store.close();
});

test('a nacked record is delivered by the next read, after its delay', async () => {
  const { store, groups, clock } = await setup(3);
  await groups.read('', 's', 'g', 'a', { count: 3 });
  await groups.nack('', 's', 'g', [2]);
  assert.deepEqual(sequences(await groups.read('', 's', 'g', 'b')), [2]);
  await groups.nack('', 's', 'g', [3], { delayMs: 500 });
  assert.deepEqual(await groups.read('', 's', 'g', 'b'), []);
  clock.advance(500);
  const later = await groups.read('', 's', 'g', 'b');
  assert.deepEqual(later.map((r) => [r.sequence, r.deliveryCount]), [[3, 2]]);
  await store.close();
});

test('redeliveries come first, in StreamID order, then new records', async () => {
  const { store, groups } = await setup(6);
  await groups.read('', 's', 'g', 'a', { count: 4 });
  await groups.nack('', 's', 'g', [3, 1]);
  assert.deepEqual(sequences(await groups.read('', 's', 'g', 'b', { count: 3 })), [1, 3, 5]);
  await store.close();
});

test('a record is never delivered more than max_deliver times, then counts as dead', async () => {
  const { store, groups, clock } = await setup(1);
  await groups.create('', 's', 'g', { ackTimeoutMs: 100, maxDeliver: 3 });
  for (let delivery = 1; delivery <= 3; delivery++) {
    const [record] = await groups.read('', 's', 'g', 'a');
    assert.equal(record!.deliveryCount, delivery);
    clock.advance(100);
  }
  assert.deepEqual(await groups.read('', 's', 'g', 'a'), []);
  assert.deepEqual(await groups.pending('', 's', 'g'), []);
  const info = await groups.info('', 's', 'g');
  assert.equal(info.deadLettered, 1);
  assert.equal(info.pending, 0);
  // Dead-lettered records stay in the stream, and in the group's dead-letter list.
  assert.equal((await store.read('', 's')).length, 1);
  const dead = await groups.deadLetters('', 's', 'g');
  assert.deepEqual(dead.entries.map((d) => [d.id.sequence, d.consumer, d.deliveryCount]),
    [[1, 'a', 3]]);
  assert.equal(dead.next, null);
  assert.equal(await groups.deleteDeadLetters('', 's', 'g', [1, 7]), 1);
  assert.deepEqual((await groups.deadLetters('', 's', 'g')).entries, []);
  assert.equal((await groups.info('', 's', 'g')).deadLettered, 1, 'the counter stays');
  await store.close();
});

test('dead letters page by id, survive a restart and leave with trims', async () => {
  const { fs, clock, store, groups } = await setup(5);
  await groups.create('', 's', 'g', { ackTimeoutMs: 10, maxDeliver: 1 });
  await groups.read('', 's', 'g', 'a', { count: 5 });
  clock.advance(10);
  await new Promise((resolve) => setImmediate(resolve));
  const page = await groups.deadLetters('', 's', 'g', { limit: 2 });
  assert.deepEqual(page.entries.map((d) => d.id.sequence), [1, 2]);
  assert.deepEqual(page.next, { timestampMs: T0, sequence: 3 });
  await store.close();
  const reopened = await StreamStore.open({ fs, clock, dir: '/streams' });
  const rest = await reopened.groups.deadLetters('', 's', 'g', { start: page.next! });
  assert.deepEqual(rest.entries.map((d) => d.id.sequence), [3, 4, 5]);
  await reopened.trim('', 's', { maxRecords: 2 });
  const left = await reopened.groups.deadLetters('', 's', 'g');
  assert.deepEqual(left.entries.map((d) => d.id.sequence), [4, 5]);
  await reopened.close();
});

test('the expiry timer dead-letters on its own, without a read', async () => {
  const { store, groups, clock } = await setup(2);
  await groups.create('', 's', 'g', { ackTimeoutMs: 100, maxDeliver: 1 });
  await groups.read('', 's', 'g', 'a', { count: 2 });
  clock.advance(150);
  await new Promise((resolve) => setImmediate(resolve));
  const info = await groups.info('', 's', 'g');
  assert.deepEqual([info.deadLettered, info.pending], [2, 0]);
  await store.close();
});

test('claim with min_idle 0 returns the caller\'s own entries and an end marker', async () => {
  const { store, groups } = await setup(5);
  await groups.read('', 's', 'g', 'a', { count: 2 });
  await groups.read('', 's', 'g', 'b', { count: 2 });
  const mine = await groups.claim('', 's', 'g', 'a', { minIdleMs: 0,
    start: { timestampMs: 0, sequence: 0 } });
  assert.deepEqual(mine.records.map((r) => [r.sequence, r.deliveryCount]), [[1, 2], [2, 2]]);
  assert.equal(mine.next, ALL_FF);
  await store.close();
});

test('claim with min_idle takes any consumer\'s idle entries, resumable by cursor', async () => {
  const { store, groups, clock } = await setup(6);
  await groups.read('', 's', 'g', 'a', { count: 3 });
  clock.advance(1_000);
  await groups.read('', 's', 'g', 'b', { count: 3 });
  const page = await groups.claim('', 's', 'g', 'c', { minIdleMs: 500, count: 2 });
  assert.deepEqual(sequences(page.records), [1, 2]);
  assert.deepEqual(page.next, { timestampMs: T0, sequence: 3 });
  const rest = await groups.claim('', 's', 'g', 'c', { minIdleMs: 500, start: page.next! });
  assert.deepEqual(sequences(rest.records), [3]);
  assert.equal(rest.next, null);
  const pending = await groups.pending('', 's', 'g', { consumer: 'c' });
  assert.deepEqual(pending.map((p) => p.id.sequence), [1, 2, 3]);
  await store.close();
});

test('claimed entries whose record was trimmed are removed and skipped', async () => {
  const { store, groups, clock } = await setup(4);
  await groups.read('', 's', 'g', 'a', { count: 4 });
  clock.advance(10);
  await store.trim('', 's', { maxRecords: 2 });
  assert.deepEqual((await groups.pending('', 's', 'g')).map((p) => p.id.sequence), [3, 4]);
  const claimed = await groups.claim('', 's', 'g', 'b', { minIdleMs: 5 });
  assert.deepEqual(sequences(claimed.records), [3, 4]);
  await store.close();
});

test('leave makes the consumer\'s entries redeliverable at once', async () => {
  const { store, groups } = await setup(3);
  await groups.join('', 's', 'g', 'a');
  await groups.read('', 's', 'g', 'a', { count: 2 });
  await groups.leave('', 's', 'g', 'a');
  await groups.leave('', 's', 'g', 'unknown');
  const taken = await groups.read('', 's', 'g', 'b', { count: 10 });
  assert.deepEqual(taken.map((r) => [r.sequence, r.deliveryCount]), [[1, 2], [2, 2], [3, 1]]);
  const info = await groups.info('', 's', 'g');
  assert.deepEqual(info.consumers.map((c) => c.name), ['b']);
  await store.close();
});

test('touch extends the ack deadline of held entries', async () => {
  const { store, groups, clock } = await setup(1);
  await groups.create('', 's', 'g', { ackTimeoutMs: 1_000 });
  await groups.read('', 's', 'g', 'a');
  clock.advance(900);
  assert.equal(await groups.touch('', 's', 'g', [1], { extendMs: 5_000 }), 1);
  clock.advance(4_000);
  assert.deepEqual(await groups.read('', 's', 'g', 'b'), []);
  clock.advance(1_000);
  assert.deepEqual(sequences(await groups.read('', 's', 'g', 'b')), [1]);
  await store.close();
});

test('no_ack deliveries are not kept pending', async () => {
  const { store, groups } = await setup(3);
  assert.equal((await groups.read('', 's', 'g', 'a', { noAck: true, count: 2 })).length, 2);
  assert.deepEqual(await groups.pending('', 's', 'g'), []);
  assert.deepEqual(sequences(await groups.read('', 's', 'g', 'a')), [3]);
  await store.close();
});

test('group start: default, tail or a start id; creating again keeps the position', async () => {
  const { store, groups } = await setup(4);
  await groups.create('', 's', 'tail', { tail: true });
  await groups.create('', 's', 'from3', { start: { timestampMs: 0, sequence: 3 } });
  await groups.create('', 's', 'all');
  await store.append('', 's', [{ payload: bytes('r5') }]);
  assert.deepEqual(sequences(await groups.read('', 's', 'tail', 'c')), [5]);
  assert.deepEqual(sequences(await groups.read('', 's', 'from3', 'c')), [3, 4, 5]);
  assert.deepEqual(sequences(await groups.read('', 's', 'all', 'c', { count: 2 })), [1, 2]);
  await groups.create('', 's', 'all', { ackTimeoutMs: 5_000, tail: true });
  const info = await groups.info('', 's', 'all');
  assert.deepEqual([info.cursor.sequence, info.ackTimeoutMs], [2, 5_000]);
  await groups.configure('', 's', 'all', { maxDeliver: 0 });
  assert.equal((await groups.info('', 's', 'all')).maxDeliver, 0);
  assert.deepEqual(groups.list('', 's'), ['all', 'from3', 'tail']);
  await store.close();
});

test('a parked group read wakes on an append; waiters are served first parked first', async () => {
  const { store, groups } = await setup(0);
  const first = groups.read('', 's', 'g', 'a', { blockMs: 10_000 });
  const second = groups.read('', 's', 'g', 'b', { blockMs: 10_000 });
  await store.append('', 's', [{ payload: bytes('one') }]);
  assert.deepEqual(sequences(await first), [1]);
  await store.append('', 's', [{ payload: bytes('two') }]);
  assert.deepEqual(sequences(await second), [2]);
  await store.close();
});

test('a parked group read wakes on a nack, and times out empty', async () => {
  const { store, groups, clock } = await setup(1);
  await groups.read('', 's', 'g', 'a');
  const parked = groups.read('', 's', 'g', 'b', { blockMs: 10_000 });
  await groups.nack('', 's', 'g', [1]);
  assert.deepEqual(sequences(await parked), [1]);
  const timeout = groups.read('', 's', 'g', 'b', { blockMs: 1_000 });
  clock.advance(1_000);
  assert.deepEqual(await timeout, []);
  await store.close();
});

test('a parked group read wakes when an ack deadline passes', async () => {
  const { store, groups, clock } = await setup(1);
  await groups.create('', 's', 'g', { ackTimeoutMs: 2_000 });
  await groups.read('', 's', 'g', 'a');
  const parked = groups.read('', 's', 'g', 'b', { blockMs: 10_000 });
  clock.advance(2_000);
  assert.deepEqual((await parked).map((r) => [r.sequence, r.deliveryCount]), [[1, 2]]);
  await store.close();
});

test('deleting a group or its stream answers its parked reads with nothing', async () => {
  const { store, groups } = await setup(0);
  await groups.create('', 's', 'g');
  const parked = groups.read('', 's', 'g', 'a', { blockMs: 10_000 });
  await groups.delete('', 's', 'g');
  assert.deepEqual(await parked, []);
  await assert.rejects(groups.info('', 's', 'g'), NotFoundError);
  const again = groups.read('', 's', 'h', 'a', { blockMs: 10_000 });
  await store.delete('', 's', { force: true });
  assert.deepEqual(await again, []);
  await store.close();
});

test('pattern reads merge matching streams, including ones created after parking', async () => {
  const { store, groups, clock } = await setup(0);
  await store.append('', 'orders.eu', [{ payload: bytes('eu1') }]);
  clock.advance(5);
  await store.append('', 'orders.us', [{ payload: bytes('us1') }]);
  await store.append('', 'other', [{ payload: bytes('x') }]);
  const both = await groups.read('', 'orders.*', 'g', 'c', { count: 10 });
  assert.deepEqual(both.map((r) => [r.stream, r.sequence]), [['orders.eu', 1], ['orders.us', 1]]);
  const parked = groups.read('', 'orders.*', 'g', 'c', { blockMs: 10_000 });
  await store.append('', 'orders.jp', [{ payload: bytes('jp1') }]);
  assert.deepEqual((await parked).map((r) => r.stream), ['orders.jp']);
  assert.equal(await groups.ack('', 'orders.eu', 'g', [1]), 1);
  assert.deepEqual(groups.list('', 'orders.jp'), ['g']);
  await store.close();
});

test('group state survives a restart: acked stays acked, pending is redelivered', async () => {
  const { fs, clock, store, groups } = await setup(4);
  await groups.create('', 's', 'g', { ackTimeoutMs: 1_000, maxDeliver: 5 });
  await groups.read('', 's', 'g', 'a', { count: 3 });
  await groups.ack('', 's', 'g', [2]);
  await groups.nack('', 's', 'g', [3], { delayMs: 50_000 });
  await store.close();
  const reopened = await StreamStore.open({ fs, clock, dir: '/streams' });
  const info = await reopened.groups.info('', 's', 'g');
  assert.deepEqual([info.cursor.sequence, info.pending, info.ackTimeoutMs, info.maxDeliver],
    [3, 2, 1_000, 5]);
  assert.deepEqual(sequences(await reopened.groups.read('', 's', 'g', 'b')), [4]);
  await reopened.groups.ack('', 's', 'g', [4]);
  clock.advance(1_000);
  assert.deepEqual(sequences(await reopened.groups.read('', 's', 'g', 'b')), [1]);
  await reopened.groups.ack('', 's', 'g', [1]);
  clock.advance(50_000);
  assert.deepEqual(sequences(await reopened.groups.read('', 's', 'g', 'b')), [3]);
  await reopened.close();
});

test('group names are checked: empty consumer only for ack, nack and touch', async () => {
  const { store, groups } = await setup(1);
  await assert.rejects(groups.read('', 's', 'g', ''), /consumer must not be empty/);
  await assert.rejects(groups.read('', 's', '', 'c'), /group must not be empty/);
  await assert.rejects(groups.join('', 's', 'x'.repeat(256), 'c'), /limit is 255/);
  await groups.read('', 's', 'g', 'c');
  assert.equal(await groups.ack('', 's', 'g', [1], ''), 1);
  await assert.rejects(groups.create('', 's', 'g', { maxDeliver: 256 }), RangeError);
  await store.close();
});

test('a group read resolves once its delivery is durable: a failed sync fails it', async () => {
  const { store, groups, fs } = await setup(2);
  await groups.create('', 's', 'g');
  fs.injectFault('sync', 'journal');
  await assert.rejects(groups.read('', 's', 'g', 'a'), /injected/);
  await store.close();
});

test('a parked group read wakes within milliseconds of an append (real clock)', async () => {
  const { RealClock } = await import('../io/clock.ts');
  const store = await StreamStore.open({ fs: new MemFs(), clock: new RealClock(), dir: '/r' });
  await store.groups.create('', 's', 'g');
  const latencies: number[] = [];
  for (let i = 0; i < 10; i++) {
    const parked = store.groups.read('', 's', 'g', 'c', { blockMs: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 1));
    const startedMs = performance.now();
    void store.append('', 's', [{ payload: bytes(`r${i}`) }]);
    const records = await parked;
    latencies.push(performance.now() - startedMs);
    assert.equal(records.length, 1);
    await store.groups.ack('', 's', 'g', [records[0]!.sequence]);
  }
  latencies.sort((a, b) => a - b);
  assert.ok(latencies[5]! < 50, `median wake-up ${latencies[5]} ms`);
  await store.close();
});

test('checkpoints bound what recovery replays, however long the history', async () => {
  const fs = new MemFs();
  const clock = new ManualClock(T0);
  const store = await StreamStore.open({ fs, clock, dir: '/c', checkpointBytes: 16 * 1024 });
  for (let i = 0; i < 300; i++) {
    await store.append('', 's', Array.from({ length: 10 }, () => ({ payload: bytes('x') })));
    const records = await store.groups.read('', 's', 'g', 'c', { count: 10 });
    await store.groups.ack('', 's', 'g', records.slice(1).map((record) => record.sequence));
  }
  const crashed = fs.crashClone(new (await import('../io/prng.ts')).Prng(1));
  const inspection = (await import('./inspect_stream.ts')).inspectStream(crashed, '/c', '', 's')!;
  assert.ok(inspection.journal.checkpointOffset > 0, 'a checkpoint was taken');
  assert.ok(inspection.journal.eventsReplayed < 300, `${inspection.journal.eventsReplayed} events`);
  const reopened = await StreamStore.open({ fs: crashed, clock, dir: '/c' });
  const info = await reopened.groups.info('', 's', 'g');
  assert.deepEqual([info.cursor.sequence, info.pending], [3_000, 300]);
  await reopened.close();
  await store.close();
});

test('a group read asks onPark only when it would wait; a refusal delivers nothing',
  async () => {
    const { store, groups } = await setup(1);
    let asked = 0;
    const refuse = (): boolean => {
      asked++;
      return false;
    };
    assert.deepEqual(sequences(await groups.read('', 's', 'g', 'c',
      { blockMs: 60_000, onPark: refuse })), [1]);
    assert.deepEqual(await groups.read('', 's', 'g', 'c', { blockMs: 60_000, onPark: refuse }),
      []);
    assert.equal(asked, 1);
    const parked = groups.read('', 's', 'g', 'c', { blockMs: 60_000, onPark: () => ++asked > 0 });
    assert.equal(asked, 2);
    await store.append('', 's', [{ payload: bytes('r2') }]);
    assert.deepEqual(sequences(await parked), [2]);
    assert.equal((await groups.info('', 's', 'g')).pending, 2);
    await store.close();
  });

test('a budget bounds a group read and a claim; what is left out stays undelivered',
  async () => {
    const { store, groups, clock } = await setup(0);
    for (const size of [4, 4, 4, 30, 4]) {
      await store.append('', 's', [{ payload: new Uint8Array(size) }]);
    }
    const budget = { bytesMax: 10, sizeOf: (record: { payload: Uint8Array }) =>
      record.payload.length };
    assert.deepEqual(sequences(await groups.read('', 's', 'g', 'a', { count: 10, budget })),
      [1, 2]);
    assert.deepEqual(sequences(await groups.read('', 's', 'g', 'a', { count: 10, budget })),
      [3], 'the big record is left for the next read');
    assert.deepEqual(sequences(await groups.read('', 's', 'g', 'a', { count: 10, budget })),
      [4], 'alone it goes although it is over the budget');
    await groups.nack('', 's', 'g', [1, 2, 3]);
    const redelivered = await groups.read('', 's', 'g', 'b', { count: 10, budget });
    assert.deepEqual(sequences(redelivered), [1, 2]);
    assert.deepEqual(redelivered.map((record) => record.deliveryCount), [2, 2]);
    assert.deepEqual(sequences(await groups.read('', 's', 'g', 'b', { count: 10 })), [3, 5],
      'the redelivery left out is still first in line, then the new record');
    clock.advance(1);
    const claim = await groups.claim('', 's', 'g', 'c', { minIdleMs: 1, budget });
    assert.deepEqual(sequences(claim.records), [1, 2]);
    assert.deepEqual(claim.next, { timestampMs: T0, sequence: 3 }, 'next is the first left out');
    const rest = await groups.claim('', 's', 'g', 'c', { minIdleMs: 1, start: claim.next! });
    assert.deepEqual(sequences(rest.records), [3, 4, 5]);
    assert.equal(rest.next, ALL_FF);
    store.checkInvariants();
    await store.close();
  });

test('groupGauges() reports each group\'s lag and pending', async () => {
  const { store, groups } = await setup(5);
  await store.create('ns', 'other');
  assert.deepEqual(store.groupGauges(), []);
  await groups.read('', 's', 'g', 'c', { count: 2 });
  await groups.create('', 's', 'h', { tail: true });
  await groups.create('ns', 'other', 'g');
  assert.deepEqual(store.groupGauges(), [
    { namespace: 'default', stream: 's', group: 'g', lag: 5, pending: 2 },
    { namespace: 'default', stream: 's', group: 'h', lag: 0, pending: 0 },
    { namespace: 'ns', stream: 'other', group: 'g', lag: 0, pending: 0 },
  ]);
  await groups.ack('', 's', 'g', [1]);
  assert.deepEqual(store.groupGauges()[0], { namespace: 'default', stream: 's', group: 'g',
    lag: 4, pending: 1 });
  await store.close();
  assert.deepEqual(store.groupGauges(), []);
});

test('timed-out and aborted reads leave nothing parked behind', async () => {
  const { store, groups, clock } = await setup(0);
  for (let i = 0; i < 50; i++) {
    const plain = store.read('', `quiet-${i}`, { blockMs: 100 });
    const grouped = groups.read('', 's', 'g', 'c', { blockMs: 100 });
    clock.advance(100);
    assert.deepEqual([await plain, await grouped], [[], []]);
  }
  const controller = new AbortController();
  controller.abort();
  assert.deepEqual(await groups.read('', 's', 'g', 'c', { blockMs: 100,
    signal: controller.signal }), []);
  const internals = store as unknown as { readers: Map<string, unknown> };
  const waiters = groups as unknown as { parked: { concrete: Map<string, unknown> } };
  assert.equal(internals.readers.size, 0);
  assert.equal(waiters.parked.concrete.size, 0);
  await store.close();
});
