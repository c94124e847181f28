// The torn-write catalogue of the segmented log (LevelDB log_test.cc style): one named test
// per damage kind. After each: reopen, every record before the damage is readable, nothing
// from the first bad byte on is returned, and appends continue at the right offset.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemFs } from '../io/mem_fs.ts';
import { ManualClock } from '../io/clock.ts';
import { Prng } from '../io/prng.ts';
import { armFailpoint, disarmAllFailpoints, SimulatedCrash } from '../io/failpoint.ts';
import { SegmentedLog, type LogOptions } from './segmented_log.ts';
import { BATCH_HEADER_BYTES } from './batch.ts';

const RECORD_BYTES = 100;

function options(fs: MemFs, overrides: Partial<LogOptions> = {}): LogOptions {
  return {
    fs, clock: new ManualClock(1_000_000), dir: '/log', segmentBytes: 4096,
    indexIntervalBytes: 512, ...overrides,
  };
}

/** A log of `batches` one-record batches whose values encode their offset. */
async function buildLog(batches: number, overrides: Partial<LogOptions> = {}) {
  const fs = new MemFs();
  const log = await SegmentedLog.open(options(fs, overrides));
  for (let i = 0; i < batches; i++) {
    await log.append([{ value: new Uint8Array(RECORD_BYTES).fill(i % 251) }]);
  }
  const segments = log.segmentInfo();
  await log.close();
  return { fs, segments };
}

async function reopenAndCheck(
  fs: MemFs,
  expectedCount: number,
  overrides: Partial<LogOptions> = {},
) {
  const log = await SegmentedLog.open(options(fs, overrides));
  const records = await log.read(0, { maxRecords: 100_000, maxBytes: 1 << 30 });
  assert.equal(records.length, expectedCount, 'records kept');
  records.forEach((record, index) => {
    assert.equal(record.offset, index);
    assert.equal(record.value[0], index % 251, `record ${index} intact`);
  });
  assert.equal(log.nextOffset, expectedCount);
  assert.equal(await log.append([{ value: new Uint8Array([expectedCount % 251]) }]), expectedCount);
  const report = log.recovery;
  await log.close();
  return report;
}

function lastSegmentPath(segments: Array<{ file: string }>): string {
  return `/log/${segments.at(-1)!.file}`;
}

function cut(fs: MemFs, path: string, sizeBytes: number): void {
  const file = fs.openFile(path);
  file.truncate(sizeBytes);
  file.close();
}

test('recovery: truncating the active segment at every byte of its last batch', async () => {
  const { fs, segments } = await buildLog(50);
  const path = lastSegmentPath(segments);
  const active = segments.at(-1)!;
  const batchBytes = active.sizeBytes / (active.nextOffset - active.baseOffset);
  const lastStart = active.sizeBytes - batchBytes;
  for (let size = lastStart; size < active.sizeBytes; size++) {
    const copy = fs.clone();
    cut(copy, path, size);
    const report = await reopenAndCheck(copy, 49);
    assert.equal(report.lostBytes, size - lastStart, `cut at ${size}`);
    assert.equal(report.lostBatches, size === lastStart ? 0 : 1);
  }
});

test('recovery: each flipped bit of the last batch header cuts exactly that batch', async () => {
  const { fs, segments } = await buildLog(50);
  const path = lastSegmentPath(segments);
  const active = segments.at(-1)!;
  const batchBytes = active.sizeBytes / (active.nextOffset - active.baseOffset);
  const lastStart = active.sizeBytes - batchBytes;
  for (let bit = 0; bit < BATCH_HEADER_BYTES * 8; bit++) {
    const copy = fs.clone();
    const file = copy.openFile(path);
    const byte = new Uint8Array(1);
    file.readAt(byte, 0, 1, lastStart + (bit >> 3));
    byte[0]! ^= 1 << (bit & 7);
    file.writeAt(byte, lastStart + (bit >> 3));
    file.close();
    const report = await reopenAndCheck(copy, 49);
    assert.equal(report.lostBytes, batchBytes, `bit ${bit}`);
  }
});

test('recovery: a zero-filled tail is cut and reported', async () => {
  const { fs, segments } = await buildLog(30);
  const path = lastSegmentPath(segments);
  const file = fs.openFile(path);
  file.writeAt(new Uint8Array(1000), segments.at(-1)!.sizeBytes);
  file.close();
  const report = await reopenAndCheck(fs, 30);
  assert.equal(report.lostBytes, 1000);
  assert.match(report.tailProblem ?? '', /magic/);
});

test('recovery: a length field pointing past the end of the file is cut', async () => {
  const { fs, segments } = await buildLog(30);
  const path = lastSegmentPath(segments);
  const active = segments.at(-1)!;
  const batchBytes = active.sizeBytes / (active.nextOffset - active.baseOffset);
  const file = fs.openFile(path);
  const length = new Uint8Array([0xff, 0xff, 0x00, 0x00]);
  file.writeAt(length, active.sizeBytes - batchBytes + 8);
  file.close();
  const report = await reopenAndCheck(fs, 29);
  assert.equal(report.lostBytes, batchBytes);
  assert.match(report.tailProblem ?? '', /past the end/);
});

test('recovery: a crash between segment roll steps loses nothing durable', async () => {
  const points = ['log.seal.before-index-sync', 'log.roll.before-create', 'log.roll.after-create'];
  for (const point of points) {
    for (let seed = 0; seed < 20; seed++) {
      const fs = new MemFs();
      const log = await SegmentedLog.open(options(fs));
      let durable = 0;
      for (; durable < 30; durable++) {
        await log.append([{ value: new Uint8Array(RECORD_BYTES).fill(durable % 251) }]);
      }
      const disarm = armFailpoint(point);
      let crashed = false;
      for (let i = 0; i < 60 && !crashed; i++) {
        const offset = log.nextOffset;
        const value = new Uint8Array(RECORD_BYTES).fill(offset % 251);
        const appended = log.appendNow([{ value }]);
        await appended.durable.then(() => (durable += 1), (error: unknown) => {
          assert.ok(error instanceof SimulatedCrash, String(error));
          crashed = true;
        });
      }
      disarm();
      assert.ok(crashed, `${point} was reached`);
      const crashedFs = fs.crashClone(new Prng(seed));
      const reopened = await SegmentedLog.open(options(crashedFs));
      const records = await reopened.read(0, { maxRecords: 10_000, maxBytes: 1 << 30 });
      assert.ok(records.length >= durable, `${point} seed ${seed}: ${records.length} < ${durable}`);
      records.forEach((record, index) => assert.equal(record.value[0], index % 251));
      assert.equal(await reopened.append([{ value: new Uint8Array(1) }]), records.length);
      assert.equal(reopened.recovery.repaired, null);
      await reopened.close();
    }
  }
  disarmAllFailpoints();
});

test('recovery: a missing, truncated or out-of-range index is rebuilt', async () => {
  const damages: Array<[string, (fs: MemFs, path: string) => void]> = [
    ['missing', (fs, path) => fs.remove(path)],
    ['truncated', (fs, path) => cut(fs, path, 20)],
    ['pointing past the data', (fs, path) => {
      const file = fs.openFile(path);
      file.writeAt(new Uint8Array([0xff, 0xff, 0xff, 0x7f]), 16 + 8 + 4);
      file.close();
    }],
    ['empty', (fs, path) => cut(fs, path, 0)],
  ];
  for (const [name, damage] of damages) {
    for (const extension of ['.idx', '.tix']) {
      const { fs, segments } = await buildLog(120);
      assert.ok(segments.length >= 3);
      const target = `/log/${segments[1]!.file.replace('.seg', extension)}`;
      damage(fs, target);
      const report = await reopenAndCheck(fs, 120);
      assert.deepEqual(report.rebuiltIndexes, [segments[1]!.file], `${name} ${extension}`);
      const again = await reopenAndCheck(fs, 121);
      assert.deepEqual(again.rebuiltIndexes, [], 'the rebuilt index is written back');
    }
  }
});

test('recovery: a bad CRC in a sealed segment refuses to open unless repair is asked', async () => {
  const { fs, segments } = await buildLog(120);
  const victim = segments[1]!;
  const path = `/log/${victim.file}`;
  const batchBytes = victim.sizeBytes / (victim.nextOffset - victim.baseOffset);
  const damageAt = 3 * batchBytes + BATCH_HEADER_BYTES + 5;
  const file = fs.openFile(path);
  file.writeAt(new Uint8Array([0xee]), damageAt);
  file.close();
  // The default open trusts verified indexes, so the damage shows on read, as corruption.
  const isTheCorruption = (error: Error & { file?: string; offsetBytes?: number }): boolean =>
    error.name === 'CorruptionError' && error.file === path && error.offsetBytes === 3 * batchBytes;
  const lazy = await SegmentedLog.open(options(fs));
  assert.throws(() => lazy.readAvailable(victim.baseOffset + 3), isTheCorruption);
  await lazy.close();
  await assert.rejects(SegmentedLog.open(options(fs, { verify: 'full' })), isTheCorruption);
  const repaired = await SegmentedLog.open(options(fs, { repair: true }));
  const kept = victim.baseOffset + 3;
  assert.equal(repaired.nextOffset, kept);
  assert.equal(repaired.recovery.repaired?.offsetBytes, 3 * batchBytes);
  assert.equal(repaired.recovery.repaired?.droppedSegments.length, segments.length - 2);
  await repaired.close();
  await reopenAndCheck(fs, kept);
});

test('recovery: stray temporary files and orphan indexes are removed', async () => {
  const { fs } = await buildLog(10);
  fs.openFile('/log/00000000000000000000.seg.tmp', { create: true }).close();
  fs.openFile('/log/00000000000000099999.idx', { create: true }).close();
  const report = await reopenAndCheck(fs, 10);
  assert.deepEqual(report.removedFiles.sort(),
    ['00000000000000000000.seg.tmp', '00000000000000099999.idx']);
});
