// Tests of SegmentedLog's API semantics on MemFs with a ManualClock: offsets, timestamps,
// reads, rolls, time seeks, waits, group commit, durability modes, failure, retention,
// dropBefore, truncate and reopen. Crash and torn-write cases are in recovery.test.ts and
// crash_sim.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from '../testing/fc_params.ts';
import { MemFs } from '../io/mem_fs.ts';
import { ManualClock } from '../io/clock.ts';
import { SegmentedLog, type LogOptions } from './segmented_log.ts';
import type { LogRecord } from './batch.ts';

const encoder = new TextEncoder();
const value = (text: string): Uint8Array => encoder.encode(text);
const text = (record: LogRecord): string => new TextDecoder().decode(record.value);

function setup(overrides: Partial<LogOptions> = {}) {
  const fs = new MemFs();
  const clock = new ManualClock(1_000_000);
  const options: LogOptions = { fs, clock, dir: '/log', segmentBytes: 4096, ...overrides };
  return { fs, clock, options, open: () => SegmentedLog.open(options) };
}

test('SegmentedLog.append assigns dense offsets from 0 and read returns the records', async () => {
  const { open } = setup();
  const log = await open();
  assert.equal(await log.append([{ value: value('a') }, { value: value('b') }]), 0);
  const headers: Array<[Uint8Array, Uint8Array]> = [[value('h'), value('v')]];
  assert.equal(await log.append([{ value: value('c'), key: value('k'), headers }]), 2);
  const records = await log.read(0);
  assert.deepEqual(records.map(text), ['a', 'b', 'c']);
  assert.deepEqual(records.map((record) => record.offset), [0, 1, 2]);
  assert.equal(new TextDecoder().decode(records[2]!.key!), 'k');
  assert.deepEqual(records[2]!.headers.map(([k, v]) => [...k, ...v]),
    [[...value('h'), ...value('v')]]);
  assert.equal(records[0]!.key, null);
  assert.deepEqual((await log.read(1, { maxRecords: 1 })).map(text), ['b']);
  assert.deepEqual(await log.read(3), []);
  assert.throws(() => log.readAvailable(4), RangeError);
  await log.close();
});

test('SegmentedLog timestamps never go backwards', async () => {
  const { open, clock } = setup();
  const log = await open();
  await log.append([{ value: value('a'), timestampMs: 5_000_000 }]);
  await log.append([{ value: value('b') }]);
  clock.advance(10);
  await log.append([
    { value: value('c'), timestampMs: 10 },
    { value: value('d'), timestampMs: 6_000_000 },
  ]);
  const stamps = (await log.read(0)).map((record) => record.timestampMs);
  assert.deepEqual(stamps, [5_000_000, 5_000_000, 5_000_000, 6_000_000]);
  await log.close();
});

test('SegmentedLog rolls by size, and reads and time seeks cross segments', async () => {
  const { open, fs } = setup({ segmentBytes: 4096, indexIntervalBytes: 256 });
  const log = await open();
  for (let i = 0; i < 200; i++) {
    const record = {
      value: value(`record-${i}`.padEnd(100, '.')), timestampMs: 2_000_000 + i * 10,
    };
    await log.append([record]);
  }
  const segments = log.segmentInfo();
  assert.ok(segments.length > 3, `expected several segments, got ${segments.length}`);
  for (const segment of segments.slice(0, -1)) {
    assert.ok(segment.sealed && segment.sizeBytes <= 4096);
    assert.ok(fs.stat(`/log/${segment.file.replace('.seg', '.idx')}`) !== null);
  }
  const all = await log.read(0, { maxRecords: 1000, maxBytes: 1 << 30 });
  assert.deepEqual(all.map((record) => record.offset), [...Array(200).keys()]);
  assert.equal(log.offsetForTimestamp(2_000_000 + 1234), 124);
  assert.equal(log.offsetForTimestamp(2_000_000 + 1230), 123);
  assert.equal(log.offsetForTimestamp(0), 0);
  assert.equal(log.offsetForTimestamp(9_000_000), 200);
  await log.close();
});

test('SegmentedLog rolls by age', async () => {
  const { open, clock } = setup({ segmentBytes: 1 << 20, segmentMs: 1000 });
  const log = await open();
  await log.append([{ value: value('a') }]);
  clock.advance(500);
  await log.append([{ value: value('b') }]);
  assert.equal(log.segmentInfo().length, 1);
  clock.advance(600);
  await log.append([{ value: value('c') }]);
  assert.deepEqual(log.segmentInfo().map((s) => [s.baseOffset, s.nextOffset]), [[0, 2], [2, 3]]);
  await log.close();
});

test('offsetForTimestamp agrees with a linear scan', async () => {
  await fc.assert(fc.asyncProperty(
    fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 120 }),
    fc.integer({ min: 0, max: 3000 }),
    async (gaps, probe) => {
      const { open } = setup({ segmentBytes: 4096, indexIntervalBytes: 200 });
      const log = await open();
      let timestampMs = 0;
      for (const gap of gaps) {
        timestampMs += gap;
        await log.append([{ value: new Uint8Array(60), timestampMs }]);
      }
      const records = await log.read(0, { maxRecords: 10_000, maxBytes: 1 << 30 });
      const expected = records.find((record) => record.timestampMs >= probe)?.offset ?? gaps.length;
      assert.equal(log.offsetForTimestamp(probe), expected);
      await log.close();
    }), fcParams(60));
});

test('SegmentedLog.wait resolves on the append that satisfies it, false on timeout', async () => {
  const { open, clock } = setup();
  const log = await open();
  const waiting = log.wait(0, 5000);
  let resolved: boolean | null = null;
  void waiting.then((result) => (resolved = result));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(resolved, null);
  await log.append([{ value: value('x') }]);
  assert.equal(await waiting, true);
  assert.equal(await log.wait(0, 5000), true, 'data already there');
  const timingOut = log.wait(1, 1000);
  clock.advance(1000);
  assert.equal(await timingOut, false);
  const controller = new AbortController();
  const aborted = log.wait(1, 5000, controller.signal);
  controller.abort();
  assert.equal(await aborted, false);
  await log.close();
});

test('SegmentedLog group commit shares fsyncs among concurrent appends (sync mode)', async () => {
  const { open, fs } = setup({ segmentBytes: 1 << 20 });
  const log = await open();
  const syncsBefore = fs.stats.syncs;
  const appends = Array.from({ length: 64 }, (_, i) => log.append([{ value: value(`v${i}`) }]));
  const offsets = await Promise.all(appends);
  assert.deepEqual(offsets, [...Array(64).keys()]);
  const syncs = fs.stats.syncs - syncsBefore;
  assert.ok(syncs <= 2, `64 concurrent appends took ${syncs} fsyncs`);
  await log.close();
});

test('SegmentedLog in sync mode publishes a batch only after its fsync', async () => {
  const { open } = setup();
  const log = await open();
  const result = log.appendNow([{ value: value('a') }]);
  assert.equal(log.readableOffset, 0);
  assert.deepEqual(log.readAvailable(0), []);
  const readBack = log.read(0);
  await result.durable;
  assert.equal(log.readableOffset, 1);
  assert.deepEqual((await readBack).map(text), ['a'], 'read waits for earlier appends');
  await log.close();
});

test('SegmentedLog async mode syncs on its interval and at close', async () => {
  const { open, fs, clock } = setup({ durability: 'async', syncIntervalMs: 100 });
  const log = await open();
  await log.append([{ value: value('a') }]);
  assert.ok(fs.unsyncedFiles().length > 0);
  clock.advance(100);
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(fs.unsyncedFiles(), []);
  await log.append([{ value: value('b') }]);
  await log.close();
  assert.deepEqual(fs.unsyncedFiles(), []);
});

test('a failed fsync fails the log: pending and later appends get the same error', async () => {
  const { open, fs } = setup();
  const log = await open();
  await log.append([{ value: value('a') }]);
  fs.injectFault('sync', '.seg');
  const first = log.append([{ value: value('b') }]);
  await assert.rejects(first, { code: 'STORAGE_IO' });
  const error = await first.catch((caught: unknown) => caught);
  assert.throws(() => log.appendNow([{ value: value('c') }]), (thrown) => thrown === error);
  assert.deepEqual(log.readAvailable(0).map(text), ['a'], 'durable data stays readable');
  await log.close();
});

test('a failed write fails the log the same way; a reopen recovers what was durable', async () => {
  const { open, fs, options } = setup();
  const log = await open();
  await log.append([{ value: value('a') }]);
  fs.injectFault('write', '.seg');
  await assert.rejects(log.append([{ value: value('b') }]), { code: 'STORAGE_IO' });
  assert.throws(() => log.appendNow([{ value: value('c') }]), { code: 'STORAGE_IO' });
  await assert.rejects(log.sync(), { code: 'STORAGE_IO' });
  await log.close();
  const reopened = await SegmentedLog.open(options);
  assert.deepEqual((await reopened.read(0)).map(text), ['a']);
  assert.equal(await reopened.append([{ value: value('d') }]), 1);
  await reopened.close();
});

test('SegmentedLog rejects bad arguments with clear errors', async () => {
  const { open } = setup();
  const log = await open();
  assert.throws(() => log.appendNow([]), RangeError);
  assert.throws(() => log.appendNow([{ value: 'x' as unknown as Uint8Array }]), TypeError);
  assert.throws(() => log.appendNow([{ value: new Uint8Array(17 << 20) }]), /limit/);
  assert.throws(() => log.appendNow([{ value: value('a'), timestampMs: -1 }]), RangeError);
  assert.throws(() => log.readAvailable(-1), RangeError);
  assert.throws(() => log.readAvailable(1.5), RangeError);
  assert.throws(() => log.wait(-1, 0), RangeError);
  await assert.rejects(SegmentedLog.open({ ...setup().options, segmentBytes: 10 }), RangeError);
  await log.close();
  assert.throws(() => log.appendNow([{ value: value('a') }]), { code: 'CLOSED' });
});

test('SegmentedLog reopens where it left off, with LZ4 batches too', async () => {
  for (const compression of ['none', 'lz4'] as const) {
    const { open } = setup({ compression, segmentBytes: 4096 });
    let log = await open();
    const big = value('compressible '.repeat(40));
    for (let i = 0; i < 30; i++) await log.append([{ value: big }, { value: value(String(i)) }]);
    await log.close();
    log = await open();
    assert.equal(log.nextOffset, 60);
    assert.equal(log.recovery.lostBytes, 0);
    assert.equal(await log.append([{ value: value('after') }]), 60);
    const records = await log.read(0, { maxRecords: 1000, maxBytes: 1 << 30 });
    assert.equal(records.length, 61);
    assert.deepEqual(records[0]!.value, big);
    assert.equal(text(records[59]!), '29');
    await log.close();
  }
});

test('retention keeps every record its limit protects and drops every segment it may', async () => {
  const limit = fc.oneof(
    fc.record({ maxRecords: fc.integer({ min: 1, max: 200 }) }),
    fc.record({ maxBytes: fc.integer({ min: 1, max: 20_000 }) }),
    fc.record({ maxAgeMs: fc.integer({ min: 0, max: 3000 }) }),
  );
  await fc.assert(fc.asyncProperty(limit, fc.integer({ min: 1, max: 150 }),
    async (policy: { maxRecords?: number; maxBytes?: number; maxAgeMs?: number }, count) => {
      const { open, clock } = setup({ segmentBytes: 4096 });
      const log = await open();
      for (let i = 0; i < count; i++) {
        await log.append([{ value: new Uint8Array(90) }]);
        clock.advance(20);
      }
      const before = log.segmentInfo();
      log.setRetention(policy);
      const dropped = await log.applyRetention();
      const after = log.segmentInfo();
      assert.equal(log.firstOffset, dropped);
      assert.equal(after.length, before.length - (before.length - after.length));
      const records = await log.read(0, { maxRecords: 10_000, maxBytes: 1 << 30 });
      assert.equal(records.length, count - dropped);
      const oldestKept = after[0]!;
      const keptRecords = count - dropped;
      const keptBytes = log.sizeBytes;
      const canDropMore = after.length > 1;
      if (policy.maxRecords !== undefined) {
        assert.ok(keptRecords >= Math.min(count, policy.maxRecords), 'kept the newest N');
        const withoutOldest = keptRecords - (oldestKept.nextOffset - oldestKept.baseOffset);
        if (canDropMore) assert.ok(withoutOldest < policy.maxRecords, 'dropped all it may');
      }
      if (policy.maxBytes !== undefined) {
        const totalBefore = before.reduce((sum, segment) => sum + segment.sizeBytes, 0);
        assert.ok(keptBytes >= Math.min(totalBefore, policy.maxBytes), 'kept maxBytes');
        if (canDropMore) assert.ok(keptBytes - oldestKept.sizeBytes < policy.maxBytes);
      }
      if (policy.maxAgeMs !== undefined) {
        const cutoffMs = clock.nowMs() - policy.maxAgeMs;
        const lost = before.slice(0, before.length - after.length);
        assert.ok(lost.every((segment) => segment.maxTimestampMs < cutoffMs), 'only old ones');
        if (canDropMore) assert.ok(oldestKept.maxTimestampMs >= cutoffMs, 'dropped all old');
      }
      await log.close();
    }), fcParams(40));
});

test('dropBefore drops whole segments below an offset, rolling a finished active one', async () => {
  const { open } = setup({ segmentBytes: 4096 });
  const log = await open();
  for (let i = 0; i < 100; i++) await log.append([{ value: new Uint8Array(100) }]);
  const segments = log.segmentInfo();
  const cut = segments[2]!.baseOffset;
  assert.equal(await log.dropBefore(cut + 1), cut);
  assert.equal(log.firstOffset, cut);
  assert.equal((await log.read(0))[0]!.offset, cut);
  await log.dropBefore(100);
  assert.equal(log.firstOffset, 100);
  assert.equal(log.nextOffset, 100);
  assert.equal(await log.append([{ value: value('x') }]), 100);
  await log.close();
});

test('truncate removes records from a batch boundary and appends continue there', async () => {
  const { open } = setup({ segmentBytes: 4096 });
  const log = await open();
  for (let i = 0; i < 100; i++) {
    await log.append([{ value: new Uint8Array(100) }, { value: value(`${i}`) }]);
  }
  await assert.rejects(log.truncate(51), RangeError);
  await log.truncate(50);
  assert.equal(log.nextOffset, 50);
  assert.equal(await log.append([{ value: value('new') }]), 50);
  const records = await log.read(0, { maxRecords: 1000, maxBytes: 1 << 30 });
  assert.equal(records.length, 51);
  assert.equal(text(records[50]!), 'new');
  await log.close();
  const reopened = await open();
  assert.equal(reopened.nextOffset, 51);
  await reopened.close();
});
