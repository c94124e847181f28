// Tests of StreamStore's stream operations against the wire spec (§7.4) and the checklist
// items it names (98-111): appends and their replies, sequences and timestamps, reads by
// start/end/partition/count, tail and blocking reads, trims and retention, info, list,
// create/alter/delete, partition routing across restarts, and time seeks at segment and
// index boundaries.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemFs } from '../io/mem_fs.ts';
import { ManualClock, RealClock } from '../io/clock.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { StreamStore } from './stream_store.ts';
import type { StreamStoreOptions } from './stream_types.ts';
import { fnv1a32 } from './stream_handle.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string): Uint8Array => encoder.encode(text);
const text = (value: Uint8Array): string => decoder.decode(value);
const T0 = 1_700_000_000_000;

async function openStore(extra: Partial<StreamStoreOptions> = {}) {
  const fs = (extra.fs as MemFs | undefined) ?? new MemFs();
  const clock = (extra.clock as ManualClock | undefined) ?? new ManualClock(T0);
  const store = await StreamStore.open({ fs, clock, dir: '/streams', ...extra });
  return { fs, clock, store };
}

async function appendTexts(store: StreamStore, name: string, ...values: string[]) {
  const results = [];
  for (const value of values) {
    results.push(await store.append('', name, [{ payload: bytes(value) }]));
  }
  return results;
}

test('appends get sequences 1, 2, 3 …; the reply names the batch\'s first record', async () => {
  const { store } = await openStore();
  const first = await store.append('', 's', [{ payload: bytes('a') }]);
  const batch = await store.append('', 's', [{ payload: bytes('b') }, { payload: bytes('c') }]);
  assert.deepEqual(first, { sequence: 1, timestampMs: T0, partition: 0, count: 1 });
  assert.deepEqual(batch, { sequence: 2, timestampMs: T0, partition: 0, count: 2 });
  const records = await store.read('', 's');
  assert.deepEqual(records.map((r) => [r.sequence, text(r.payload), r.stream]),
    [[1, 'a', 's'], [2, 'b', 's'], [3, 'c', 's']]);
  await store.close();
});

test('payload and headers come back exactly; records without headers have none', async () => {
  const { store } = await openStore();
  const headers: Array<[Uint8Array, Uint8Array]> = [[bytes('k1'), bytes('v1')],
    [new Uint8Array([0, 255]), new Uint8Array(0)]];
  await store.append('', 's', [{ payload: new Uint8Array([1, 2, 3]), headers },
    { payload: new Uint8Array(0) }]);
  const [first, second] = await store.read('', 's');
  assert.deepEqual([...first!.payload], [1, 2, 3]);
  assert.deepEqual(first!.headers.map(([k, v]) => [[...k], [...v]]),
    [[[...bytes('k1')], [...bytes('v1')]], [[0, 255], []]]);
  assert.equal(second!.payload.length, 0);
  assert.equal(second!.headers.length, 0);
  await store.close();
});

test('timestamps never go backwards: an earlier requested time stores the last one', async () => {
  const { store, clock } = await openStore();
  await store.append('', 's', [{ payload: bytes('a') }], { timestampMs: T0 + 5_000 });
  const earlier = await store.append('', 's', [{ payload: bytes('b') }], { timestampMs: T0 });
  assert.equal(earlier.timestampMs, T0 + 5_000);
  clock.advance(10_000);
  const now = await store.append('', 's', [{ payload: bytes('c') }]);
  assert.equal(now.timestampMs, T0 + 10_000);
  const ids = (await store.read('', 's')).map((r) => [r.timestampMs, r.sequence]);
  assert.deepEqual(ids, [[T0 + 5_000, 1], [T0 + 5_000, 2], [T0 + 10_000, 3]]);
  await store.close();
});

test('reads from a StreamID are inclusive and honour end, count and bare sequences', async () => {
  const { store, clock } = await openStore();
  for (let i = 1; i <= 5; i++) {
    await appendTexts(store, 's', `r${i}`);
    clock.advance(10);
  }
  const all = await store.read('', 's');
  const second = all[1]!;
  const fromSecond = await store.read('', 's',
    { start: { timestampMs: second.timestampMs, sequence: second.sequence } });
  assert.deepEqual(fromSecond.map((r) => r.sequence), [2, 3, 4, 5]);
  const bare = await store.read('', 's', { start: { timestampMs: 0, sequence: 3 } });
  assert.deepEqual(bare.map((r) => r.sequence), [3, 4, 5]);
  const toFourth = await store.read('', 's',
    { start: { timestampMs: 0, sequence: 2 }, end: { timestampMs: all[3]!.timestampMs,
      sequence: 4 } });
  assert.deepEqual(toFourth.map((r) => r.sequence), [2, 3, 4]);
  const counted = await store.read('', 's', { count: 2 });
  assert.deepEqual(counted.map((r) => r.sequence), [1, 2]);
  // Lexicographic for a timestamp given: (t of record 3, seq 1) is after record 2.
  const lexicographic = await store.read('', 's',
    { start: { timestampMs: all[2]!.timestampMs, sequence: 1 } });
  assert.deepEqual(lexicographic.map((r) => r.sequence), [3, 4, 5]);
  await store.close();
});

test('read count defaults to 100 and is clamped to 1 000', async () => {
  const { store } = await openStore();
  for (let i = 0; i < 12; i++) {
    await store.append('', 's', Array.from({ length: 100 }, () => ({ payload: bytes('x') })));
  }
  assert.equal((await store.read('', 's')).length, 100);
  assert.equal((await store.read('', 's', { count: 5_000 })).length, 1_000);
  await store.close();
});

test('a missing stream reads empty; a blocked read sees a stream created later', async () => {
  const { store, clock } = await openStore();
  assert.deepEqual(await store.read('', 'nope'), []);
  const parked = store.read('', 'later', { blockMs: 1_000 });
  await store.append('', 'later', [{ payload: bytes('hello') }]);
  const records = await parked;
  assert.deepEqual(records.map((r) => text(r.payload)), ['hello']);
  const timedOut = store.read('', 'other', { blockMs: 500 });
  clock.advance(500);
  assert.deepEqual(await timedOut, []);
  await store.close();
});

test('a tail read returns only records appended after it parked', async () => {
  const { store } = await openStore();
  await appendTexts(store, 's', 'old1', 'old2');
  const parked = store.read('', 's', { tail: true, blockMs: 10_000 });
  await appendTexts(store, 's', 'new');
  assert.deepEqual((await parked).map((r) => text(r.payload)), ['new']);
  // Without blocking, a tail read finds nothing.
  assert.deepEqual(await store.read('', 's', { tail: true }), []);
  await store.close();
});

test('a read whose end lies below the next sequence never waits', async () => {
  const { store } = await openStore();
  await appendTexts(store, 's', 'a', 'b');
  const result = await store.read('', 's',
    { start: { timestampMs: 0, sequence: 5 }, end: { timestampMs: 0, sequence: 2 },
      blockMs: 60_000 });
  assert.deepEqual(result, []);
  await store.close();
});

test('an aborted blocking read resolves empty and takes nothing', async () => {
  const { store } = await openStore();
  const controller = new AbortController();
  const parked = store.read('', 's', { blockMs: 60_000, signal: controller.signal });
  controller.abort();
  assert.deepEqual(await parked, []);
  await store.close();
});

test('onPark is asked only when a read would wait; false answers [] and parks nothing',
  async () => {
    const { store } = await openStore();
    let asked = 0;
    const refuse = (): boolean => {
      asked++;
      return false;
    };
    assert.deepEqual(await store.read('', 's', { blockMs: 60_000, onPark: refuse }), []);
    await appendTexts(store, 's', 'a');
    assert.equal((await store.read('', 's', { blockMs: 60_000, onPark: refuse })).length, 1);
    const later = { timestampMs: 0, sequence: 5 };
    assert.deepEqual(await store.read('', 's', { start: later, blockMs: 0, onPark: refuse }), []);
    assert.equal(asked, 1, 'only the read that would have waited asked');
    const parked = store.read('', 's', { tail: true, blockMs: 60_000, onPark: () => ++asked > 0 });
    assert.equal(asked, 2, 'asked before read() returned its promise');
    await appendTexts(store, 's', 'b');
    assert.deepEqual((await parked).map((record) => text(record.payload)), ['b']);
    await store.close();
  });

test('a blocking read wakes within a few milliseconds of the append (real clock)', async () => {
  const fs = new MemFs();
  const store = await StreamStore.open({ fs, clock: new RealClock(), dir: '/s',
    durability: 'sync' });
  await store.append('', 's', [{ payload: bytes('first') }]);
  const latencies: number[] = [];
  for (let i = 0; i < 20; i++) {
    const parked = store.read('', 's', { tail: true, blockMs: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 1));
    const startedMs = performance.now();
    void store.append('', 's', [{ payload: bytes(`r${i}`) }]);
    const records = await parked;
    latencies.push(performance.now() - startedMs);
    assert.equal(text(records[0]!.payload), `r${i}`);
  }
  latencies.sort((a, b) => a - b);
  // The median wake-up includes the append's own write and sync on MemFs.
  assert.ok(latencies[10]! < 25, `median wake-up ${latencies[10]} ms`);
  await store.close();
});

test('partition routing: explicit, by FNV-1a of the key (stable), or round robin', async () => {
  const { fs, clock, store } = await openStore();
  await store.create('', 's', { partitionCount: 4 });
  assert.equal(fnv1a32(bytes('')), 0x811c9dc5);
  assert.equal(fnv1a32(bytes('a')), 0xe40c292c);
  const keyed = await store.append('', 's', [{ payload: bytes('x') }],
    { partitionKey: bytes('user-42') });
  assert.equal(keyed.partition, fnv1a32(bytes('user-42')) % 4);
  const robin = [];
  for (let i = 0; i < 5; i++) robin.push((await appendTexts(store, 's', 'r'))[0]!.partition);
  assert.deepEqual(robin, [0, 1, 2, 3, 0]);
  const explicit = await store.append('', 's', [{ payload: bytes('x') }], { partition: 3 });
  assert.equal(explicit.partition, 3);
  await assert.rejects(store.append('', 's', [{ payload: bytes('x') }], { partition: 4 }),
    RangeError);
  await store.close();
  const reopened = await StreamStore.open({ fs, clock, dir: '/streams' });
  const again = await reopened.append('', 's', [{ payload: bytes('y') }],
    { partitionKey: bytes('user-42') });
  assert.equal(again.partition, keyed.partition);
  await reopened.close();
});

test('reads merge partitions in sequence order and can select one partition', async () => {
  const { store } = await openStore();
  await store.create('', 's', { partitionCount: 3 });
  for (let i = 0; i < 30; i++) {
    await store.append('', 's', [{ payload: bytes(`r${i}`) }], { partition: (i * 7) % 3 });
  }
  const all = await store.read('', 's', { count: 1000 });
  assert.deepEqual(all.map((r) => r.sequence), Array.from({ length: 30 }, (_, i) => i + 1));
  const one = await store.read('', 's', { partition: 1, count: 1000 });
  assert.ok(one.length === 10 && one.every((r) => r.partition === 1));
  const page = await store.read('', 's', { start: { timestampMs: 0, sequence: 11 }, count: 5 });
  assert.deepEqual(page.map((r) => r.sequence), [11, 12, 13, 14, 15]);
  await store.close();
});

test('concurrent appends to different partitions are revealed in sequence order', async () => {
  const { store } = await openStore({ durability: 'sync' });
  await store.create('', 's', { partitionCount: 4 });
  const seen: number[] = [];
  const appends = Array.from({ length: 40 }, (_, i) =>
    store.append('', 's', [{ payload: bytes(`${i}`) }], { partition: i % 4 }).then((result) => {
      seen.push(result.sequence);
    }));
  await Promise.all(appends);
  assert.deepEqual(seen, Array.from({ length: 40 }, (_, i) => i + 1));
  await store.close();
});

test('a read right after an append sees it (read-your-writes)', async () => {
  const { store } = await openStore();
  void store.append('', 's', [{ payload: bytes('a') }]);
  await Promise.resolve();
  void store.append('', 's', [{ payload: bytes('b') }]);
  const records = await store.read('', 's');
  assert.deepEqual(records.map((r) => text(r.payload)), ['a', 'b']);
  await store.close();
});

test('trim keeping 2 of 5 removes 3, first_seq 4; a dry run removes nothing', async () => {
  const { store } = await openStore();
  await appendTexts(store, 's', 'a', 'b', 'c', 'd', 'e');
  assert.deepEqual(await store.trim('', 's', { maxRecords: 2, dryRun: true }),
    { removed: 3, firstSequence: 4 });
  assert.equal((await store.read('', 's')).length, 5);
  assert.deepEqual(await store.trim('', 's', { maxRecords: 2 }),
    { removed: 3, firstSequence: 4 });
  assert.deepEqual((await store.read('', 's')).map((r) => r.sequence), [4, 5]);
  await assert.rejects(store.trim('', 's', {}), /no trim criterion/);
  await assert.rejects(store.trim('', 'missing', { maxRecords: 1 }), NotFoundError);
  await store.close();
});

test('trim removes a batch only when all of its records are selected', async () => {
  const { store, clock } = await openStore();
  await store.append('', 's', [{ payload: bytes('12345') }]);
  await store.append('', 's', [1, 2, 3].map((i) => ({ payload: bytes(`b${i}`) })));
  clock.advance(1_000);
  await store.append('', 's', [{ payload: bytes('last') }]);
  // Before id 3: record 2 is selected but its batch (2-4) also holds 3 and 4.
  assert.deepEqual(await store.trim('', 's', { before: { timestampMs: 0, sequence: 3 },
    dryRun: true }), { removed: 1, firstSequence: 2 });
  // Keep newest 2: records 1-3 selected; batch 2-4 is kept as a whole.
  assert.deepEqual(await store.trim('', 's', { maxRecords: 2, dryRun: true }),
    { removed: 1, firstSequence: 2 });
  // Max bytes 6: "last" (4) alone fits; b3 (2) too, but the batch is needed whole: only 1 goes.
  assert.deepEqual(await store.trim('', 's', { maxBytes: 6, dryRun: true }),
    { removed: 1, firstSequence: 2 });
  // Max age 500 ms: every record but the last is older.
  assert.deepEqual(await store.trim('', 's', { maxAgeMs: 500, dryRun: true }),
    { removed: 4, firstSequence: 5 });
  // Before an id past the end removes everything.
  assert.deepEqual(await store.trim('', 's', { before: { timestampMs: 0, sequence: 99 } }),
    { removed: 5, firstSequence: 0 });
  const info = await store.info('', 's');
  assert.equal(info.count, 0);
  const next = await store.append('', 's', [{ payload: bytes('after') }]);
  assert.equal(next.sequence, 6);
  await store.close();
});

test('trims across partitions cut by sequence and survive a restart', async () => {
  const { fs, clock, store } = await openStore();
  await store.create('', 's', { partitionCount: 3 });
  for (let i = 0; i < 20; i++) {
    await store.append('', 's', [{ payload: bytes(`r${i}`) }], { partition: i % 3 });
  }
  assert.deepEqual(await store.trim('', 's', { maxRecords: 7 }),
    { removed: 13, firstSequence: 14 });
  // Payloads "r13" … "r19" are 3 bytes each: 9 bytes keep the newest three.
  assert.deepEqual(await store.trim('', 's', { maxBytes: 9 }),
    { removed: 4, firstSequence: 18 });
  await store.close();
  const reopened = await StreamStore.open({ fs, clock, dir: '/streams' });
  assert.deepEqual((await reopened.read('', 's')).map((r) => r.sequence), [18, 19, 20]);
  assert.equal((await reopened.info('', 's')).bytes, 9);
  await reopened.close();
});

test('trims drop whole segments once they fall below the start', async () => {
  const { store } = await openStore({ segmentBytes: 4096 });
  for (let i = 0; i < 200; i++) {
    await store.append('', 's', [{ payload: new Uint8Array(100).fill(i & 0xff) }]);
  }
  await store.trim('', 's', { maxRecords: 10 });
  await new Promise((resolve) => setTimeout(resolve, 10));
  const info = await store.info('', 's');
  assert.equal(info.count, 10);
  const read = await store.read('', 's');
  assert.deepEqual(read.map((r) => r.sequence), Array.from({ length: 10 }, (_, i) => 191 + i));
  await store.close();
});

test('count retention stays near its limit on append and is exact on the sweep', async () => {
  const { store, clock } = await openStore();
  await store.create('', 's', { retention: { maxRecords: 32 } });
  for (let i = 0; i < 100; i++) await appendTexts(store, 's', `r${i}`);
  const count = (await store.info('', 's')).count;
  assert.ok(count >= 32 && count <= 34, `count ${count}`);
  clock.advance(60_000);
  await new Promise((resolve) => setTimeout(resolve, 5));
  const info = await store.info('', 's');
  assert.equal(info.count, 32);
  assert.equal(info.first.sequence, 69);
  assert.deepEqual(info.retention, { maxRecords: 32, maxAgeMs: 0, maxBytes: 0 });
  await store.close();
});

test('retention by age drops old records on the minute sweep', async () => {
  const { store, clock } = await openStore();
  await store.create('', 's', { retention: { maxAgeMs: 30_000 } });
  await appendTexts(store, 's', 'old');
  clock.advance(40_000);
  await appendTexts(store, 's', 'new');
  clock.advance(20_000);
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual((await store.read('', 's')).map((r) => text(r.payload)), ['new']);
  await store.close();
});

test('info reports first/last ids, count, bytes and per-partition figures', async () => {
  const { store } = await openStore();
  await store.create('', 's', { partitionCount: 2 });
  await store.append('', 's', [{ payload: bytes('aa'), headers: [[bytes('k'), bytes('v')]] }],
    { partition: 1 });
  await store.append('', 's', [{ payload: bytes('bbb') }], { partition: 0 });
  const info = await store.info('', 's');
  assert.equal(info.first.sequence, 1);
  assert.equal(info.last.sequence, 2);
  assert.equal(info.count, 2);
  assert.equal(info.bytes, 7);
  assert.equal(info.partitionCount, 2);
  const one = await store.info('', 's', { partition: 1 });
  assert.deepEqual([one.first.sequence, one.last.sequence, one.count, one.bytes], [1, 1, 1, 4]);
  await assert.rejects(store.info('', 's', { partition: 2 }), RangeError);
  await assert.rejects(store.info('', 'missing'), NotFoundError);
  await store.close();
});

test('create, alter (partitions only grow), delete (force) and list with paging', async () => {
  const { store } = await openStore();
  await store.create('', 'b', { partitionCount: 2 });
  await assert.rejects(store.create('', 'b'), ConflictError);
  await store.alter('', 'b', { partitionCount: 5, retention: { maxRecords: 9 } });
  assert.equal((await store.info('', 'b')).partitionCount, 5);
  await assert.rejects(store.alter('', 'b', { partitionCount: 3 }), RangeError);
  for (const name of ['a', 'c', 'd', 'x/1']) await store.create('', name);
  const first = store.list('', { limit: 2 });
  assert.deepEqual(first.streams.map((s) => s.name), ['a', 'b']);
  assert.equal(first.streams[1]!.partitionCount, 5);
  const second = store.list('', { limit: 2, cursor: first.cursor! });
  assert.deepEqual(second.streams.map((s) => s.name), ['c', 'd']);
  const third = store.list('', { limit: 2, cursor: second.cursor! });
  assert.deepEqual([third.streams.map((s) => s.name), third.cursor], [['x/1'], null]);
  assert.deepEqual(store.list('', { prefix: 'x' }).streams.map((s) => s.name), ['x/1']);
  assert.throws(() => store.list('', { cursor: new Uint8Array([9]) }), /invalid cursor/);
  await appendTexts(store, 'a', 'data');
  await assert.rejects(store.delete('', 'a'), /not empty/);
  const parked = store.read('', 'a', { tail: true, blockMs: 60_000 });
  await store.delete('', 'a', { force: true });
  assert.deepEqual(await parked, []);
  await store.delete('', 'c');
  await assert.rejects(store.delete('', 'c'), NotFoundError);
  const again = await store.append('', 'a', [{ payload: bytes('fresh') }]);
  assert.equal(again.sequence, 1, 'a re-created stream starts at 1');
  await store.close();
});

test('namespaces are separate, empty means default, dropNamespace removes streams', async () => {
  const { store } = await openStore();
  await store.append('tenant', 's', [{ payload: bytes('t') }]);
  await store.append('', 's', [{ payload: bytes('d') }]);
  assert.equal(text((await store.read('default', 's'))[0]!.payload), 'd');
  assert.equal(text((await store.read('tenant', 's'))[0]!.payload), 't');
  assert.equal(store.namespaceHoldsData('tenant'), true);
  await store.dropNamespace('tenant');
  assert.equal(store.namespaceHoldsData('tenant'), false);
  assert.deepEqual(await store.read('tenant', 's'), []);
  assert.throws(() => store.list('a\u0000b'), /NUL/);
  await assert.rejects(store.append('', '', [{ payload: bytes('x') }]), /must not be empty/);
  await assert.rejects(store.append('', 's', []), RangeError);
  await store.close();
});

test('time seek is exact at segment and index boundaries', async () => {
  const { store, clock } = await openStore({ segmentBytes: 4096, indexIntervalBytes: 256 });
  const timestamps: number[] = [];
  for (let i = 0; i < 300; i++) {
    const result = await store.append('', 's', [{ payload: new Uint8Array(60).fill(i & 0xff) }]);
    timestamps.push(result.timestampMs);
    clock.advance(i % 3 === 0 ? 0 : 7);
  }
  for (let i = 0; i < timestamps.length; i++) {
    const target = timestamps[i]!;
    const expected = timestamps.findIndex((t) => t >= target) + 1;
    const [found] = await store.read('', 's', { startTimestampMs: target, count: 1 });
    assert.equal(found!.sequence, expected, `seek to ${target}`);
    const [between] = await store.read('', 's', { startTimestampMs: target + 1, count: 1 });
    const after = timestamps.findIndex((t) => t >= target + 1);
    assert.equal(between?.sequence ?? 0, after + 1, `seek to ${target + 1}`);
  }
  await store.close();
});

test('sequences continue after a clean restart and never repeat after a crash', async () => {
  const { fs, clock, store } = await openStore({ durability: 'sync' });
  await appendTexts(store, 's', 'a', 'b');
  await store.close();
  let reopened = await StreamStore.open({ fs, clock, dir: '/streams' });
  assert.equal((await appendTexts(reopened, 's', 'c'))[0]!.sequence, 3);
  const crashed = fs.crashClone(new (await import('../io/prng.ts')).Prng(7));
  reopened = await StreamStore.open({ fs: crashed, clock, dir: '/streams' });
  const after = (await appendTexts(reopened, 's', 'd'))[0]!.sequence;
  assert.ok(after > 3, `sequence ${after} after a crash`);
  assert.deepEqual((await reopened.read('', 's')).map((r) => text(r.payload)),
    ['a', 'b', 'c', 'd']);
  await reopened.close();
});

test('a failed partition write fails this and every later append; reopening recovers', async () => {
  const { fs, clock, store } = await openStore();
  await appendTexts(store, 's', 'kept');
  fs.injectFault('write', 'partition-0000');
  await assert.rejects(store.append('', 's', [{ payload: bytes('lost') }]), /injected/);
  await assert.rejects(store.append('', 's', [{ payload: bytes('later') }]), /injected/);
  await store.close();
  const reopened = await StreamStore.open({ fs, clock, dir: '/streams' });
  assert.deepEqual((await reopened.read('', 's')).map((r) => text(r.payload)), ['kept']);
  await reopened.close();
});
