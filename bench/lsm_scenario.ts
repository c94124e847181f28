// The `lsm` scenario of flo-bench: the LSM database alone, on the real disk, once per
// compaction style (leveled, tiered), to compare what each costs: write throughput, write
// amplification (bytes written to the WAL, flushes and compactions ÷ key and value bytes
// written), space amplification (bytes on disk ÷ bytes of live data) and random-get
// throughput afterwards. The workload overwrites: N writes over a key space of N / 2, with
// small memtables and level targets so several levels form. docs/design/lsm.md quotes it.

import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  LsmDb, NodeFs, RealClock, WriteBatch, type CompactionStyle,
} from '../engine/mod.ts';
import type { ResultRow, Scenario, ScenarioOptions } from './scenario.ts';
import { trackPeakRss } from './stats.ts';

function diskBytes(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + diskBytes(join(path, name)), 0);
}

// Fills `out` with bytes derived from i (key i of the key space, or a random value).
function keyOf(i: number, out: Uint8Array): Uint8Array {
  let state = (i * 0x9e3779b1 + 0x7f4a7c15) >>> 0;
  for (let b = 0; b < out.length; b++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[b] = state & 0xff;
  }
  return out;
}

async function measure(options: ScenarioOptions, style: CompactionStyle): Promise<ResultRow[]> {
  const dir = join(options.dir, `lsm-${style}`);
  rmSync(dir, { recursive: true, force: true });
  const scale = options.quick ? 64 : 1;
  const db = await LsmDb.open({
    fs: new NodeFs(), clock: new RealClock(), dir, durability: 'async', compactionStyle: style,
    memtableBytesMax: (4 << 20) / scale, levelBytesBase: (8 << 20) / scale,
    tableBytesTarget: (2 << 20) / scale,
  });
  const writes = options.records;
  const space = Math.max(1, writes >> 1);
  // Incompressible values (a pool of random ones, each stamped with its write's index), so
  // LZ4 does not hide how many bytes compactions move.
  const pool = Array.from({ length: 4096 },
    (_, i) => keyOf(i + 0x10000, new Uint8Array(options.valueBytes)));
  const key = new Uint8Array(16);
  options.progress.start(`lsm ${style}: ${writes.toLocaleString('en-US')} writes`, writes);
  const rss = trackPeakRss();
  const start = performance.now();
  const batch = new WriteBatch();
  for (let i = 0; i < writes; i += 1000) {
    batch.clear();
    for (let j = i; j < Math.min(writes, i + 1000); j++) {
      const index = (j * 7919) % space;
      const value = pool[j % pool.length]!;
      if (value.length >= 4) new DataView(value.buffer, value.byteOffset).setUint32(0, j);
      batch.put(keyOf(index, key), value);
    }
    await db.whenWritable();
    await db.write(batch).durable;
    options.progress.update(i);
  }
  await db.compact();
  const seconds = (performance.now() - start) / 1000;
  const stats = db.stats();
  const tableWriteAmplification = (stats.flushBytes + stats.compactionBytesWritten) /
    stats.userBytes;
  const liveBytes = space * (16 + options.valueBytes);
  const getRow = readBack(db, space, options);
  const peakRssBytes = rss.stop();
  await db.close();
  const onDisk = diskBytes(dir);
  rmSync(dir, { recursive: true, force: true });
  const levels = stats.levels.filter((level) => level.tables > 0)
    .map((level) => `L${level.level}:${level.tables}`).join(' ');
  options.progress.finish(`write amplification ${stats.writeAmplification.toFixed(2)}`);
  const write: ResultRow = {
    scenario: 'lsm', phase: `writes (${style})`, durability: 'async', batch: 1000,
    concurrency: 1, opsPerSec: writes / seconds,
    mbPerSec: (writes * (16 + options.valueBytes)) / seconds / 1e6, p50Ms: null, p99Ms: null,
    peakRssBytes, diskBytes: onDisk, writeAmplification: stats.writeAmplification,
    spaceAmplification: onDisk / liveBytes,
    note: `${writes} writes over ${space} keys; write amp ${stats.writeAmplification.toFixed(2)}` +
      ` (tables alone ${tableWriteAmplification.toFixed(2)};` +
      ` WAL ${(stats.walBytes / 2 ** 20).toFixed(0)} MiB, flush ` +
      `${(stats.flushBytes / 2 ** 20).toFixed(0)} MiB, compaction ` +
      `${(stats.compactionBytesWritten / 2 ** 20).toFixed(0)} MiB), space amp ` +
      `${(onDisk / liveBytes).toFixed(2)}, ${stats.compactions} compactions, tables ${levels}`,
  };
  return [write, { ...getRow, phase: `random get (${style})` }];
}

// Random gets of live keys after the writes; every value's stamp is checked.
function readBack(db: LsmDb, space: number, options: ScenarioOptions): ResultRow {
  const probes = Math.min(space, options.quick ? 500 : 200_000);
  const key = new Uint8Array(16);
  const rss = trackPeakRss();
  const start = performance.now();
  for (let i = 0; i < probes; i++) {
    const index = (i * 104_729) % space;
    const entry = db.get(keyOf(index, key));
    if (entry === undefined || entry.value.length !== options.valueBytes) {
      throw new Error(`lsm: key ${index} lost`);
    }
  }
  const seconds = (performance.now() - start) / 1000;
  return { scenario: 'lsm', phase: 'random get', durability: 'async', batch: 1, concurrency: 1,
    opsPerSec: probes / seconds, mbPerSec: 0, p50Ms: null, p99Ms: null,
    peakRssBytes: rss.stop(),
    note: `${probes} gets of live keys after the writes and a compaction` };
}

export const lsmScenario: Scenario = {
  name: 'lsm',
  description: 'LSM alone: leveled vs tiered compaction (write and space amplification, gets)',
  async run(options) {
    const rows: ResultRow[] = [];
    for (const style of ['leveled', 'tiered'] as const) rows.push(...await measure(options, style));
    return rows;
  },
};
