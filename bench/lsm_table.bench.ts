// Benchmarks of the LSM building blocks (tinybench): memtable insert, table build, point
// lookups with the block cache hot and with no cache, lookups of absent keys, a table scan
// and a merged snapshot scan over four tables. Keys are 16 random bytes, values 100 bytes
// (half repetitive, so LZ4 has something to do). Every task's result is checked once
// before timing. Tables live on the real file system (a temporary directory), so reads are
// page-cache preads as in production.
//
//   node --import tsx bench/lsm_table.bench.ts           full sizes, prints a table
//   node --import tsx bench/lsm_table.bench.ts --smoke   tiny sizes (run by the test suite)

import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import {
  BlockCache, EntryKind, MergingIterator, NodeFs, Skiplist, SnapshotIterator, TableReader,
  TableWriter,
} from '../engine/mod.ts';
import type { TableProperties } from '../engine/mod.ts';

export interface LsmBenchRow {
  name: string;
  /** Operations (inserts, entries, lookups, keys) per second, from the mean batch time. */
  opsPerSecond: number;
  /** Operations per timed call. */
  batch: number;
  /** Median and 99th percentile of one call's time (ms). */
  p50Ms: number;
  p99Ms: number;
  samples: number;
}

interface Sizes {
  tableEntries: number;
  memtableEntries: number;
  batch: number;
  timeMs: number;
}

const fullSizes: Sizes = {
  tableEntries: 200_000, memtableEntries: 200_000, batch: 1000, timeMs: 1500,
};
const smokeSizes: Sizes = { tableEntries: 2_000, memtableEntries: 1_000, batch: 100, timeMs: 0 };
const VALUE_BYTES = 100;

// xorshift32: reproducible keys without engine/io (benchmarks import only mod.ts files).
function randomKeys(count: number, seed: number): Uint8Array[] {
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>>= 0);
  };
  return Array.from({ length: count }, () => {
    const key = new Uint8Array(16);
    for (let i = 0; i < 16; i += 4) new DataView(key.buffer).setUint32(i, next());
    return key;
  });
}

function valueFor(index: number): Uint8Array {
  const value = new Uint8Array(VALUE_BYTES);
  value.fill(index & 0xff, 0, VALUE_BYTES / 2);
  for (let i = VALUE_BYTES / 2; i < VALUE_BYTES; i++) value[i] = (index * 31 + i * 7) & 0xff;
  return value;
}

function buildTable(
  fs: NodeFs, path: string, keys: Uint8Array[], values: Uint8Array[], seq0: number,
): TableProperties {
  const file = fs.openFile(path, { create: true });
  file.truncate(0);
  const writer = new TableWriter(file, { creationTimeMs: 0 });
  for (let i = 0; i < keys.length; i++) {
    writer.add(keys[i]!, seq0 + i, EntryKind.value, values[i]!);
  }
  const properties = writer.finish();
  file.close();
  return properties;
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`benchmark check failed: ${what}`);
}

/** Runs every task; returns one row per task. */
export async function runLsmTableBench(options: { smoke: boolean }): Promise<LsmBenchRow[]> {
  const sizes = options.smoke ? smokeSizes : fullSizes;
  const dir = mkdtempSync(join(tmpdir(), 'flo-bench-lsm-'));
  const fs = new NodeFs();
  try {
    const keys = randomKeys(sizes.tableEntries, 42).sort(Buffer.compare);
    const values = keys.map((_, i) => valueFor(i));
    // Copies in lookup order, so the keys looked up are not the table's own objects.
    const lookups = keys.map((_, i) => keys[(i * 7919) % keys.length]!.slice());
    const absent = randomKeys(sizes.tableEntries, 99);
    const memtableKeys = randomKeys(sizes.memtableEntries, 3);
    const tablePath = join(dir, '000001.sst');
    buildTable(fs, tablePath, keys, values, 1);
    const hot = new BlockCache(256 << 20);
    const open = (path: string, fileNumber: number, cache: BlockCache | null): TableReader =>
      TableReader.open(fs.openFile(path, { readOnly: true }), { fileNumber, cache });
    const cached = open(tablePath, 1, hot);
    const uncached = open(tablePath, 2, null);
    const quarters = [0, 1, 2, 3].map((part) => {
      const path = join(dir, `00001${part}.sst`);
      const mine = keys.filter((_, i) => i % 4 === part);
      buildTable(fs, path, mine, values.slice(0, mine.length), 1 + part * keys.length);
      return open(path, 10 + part, hot);
    });

    // Check the results before timing anything.
    for (let i = 0; i < Math.min(1000, keys.length); i++) {
      check(cached.get(lookups[i]!)?.value.length === VALUE_BYTES, 'cached get finds its key');
      check(uncached.get(lookups[i]!) !== undefined, 'uncached get finds its key');
    }
    const scanned = scanAll(cached);
    check(scanned === keys.length, `scan saw ${scanned} of ${keys.length} keys`);
    check(mergedScan(quarters) === keys.length, 'merged scan sees every key once');

    const bench = new Bench({
      time: sizes.timeMs, iterations: options.smoke ? 1 : 10, warmup: !options.smoke,
    });
    let memtable = new Skiplist({ seed: 1 });
    let memtableNext = 0;
    const value = valueFor(1);
    let cursor = 0;
    const nextLookup = (): Uint8Array => lookups[(cursor = (cursor + 1) % lookups.length)]!;
    const batches: Record<string, number> = {};
    const add = (name: string, batch: number, run: () => void): void => {
      batches[name] = batch;
      bench.add(name, run);
    };
    add(`memtable insert (to ${sizes.memtableEntries} entries)`, sizes.batch, () => {
      for (let i = 0; i < sizes.batch; i++) {
        if (memtableNext === memtableKeys.length) {
          memtable = new Skiplist({ seed: memtableNext });
          memtableNext = 0;
        }
        memtable.insert(memtableKeys[memtableNext]!, memtableNext + 1, EntryKind.value, value);
        memtableNext += 1;
      }
    });
    add(`table build (${keys.length} entries)`, keys.length, () => {
      buildTable(fs, join(dir, 'build.sst'), keys, values, 1);
    });
    add('table get, block cache hot', sizes.batch, () => {
      for (let i = 0; i < sizes.batch; i++) cached.get(nextLookup());
    });
    add('table get, no block cache', sizes.batch, () => {
      for (let i = 0; i < sizes.batch; i++) uncached.get(nextLookup());
    });
    add('table get, absent key', sizes.batch, () => {
      for (let i = 0; i < sizes.batch; i++) {
        cached.get(absent[(cursor = (cursor + 1) % absent.length)]!);
      }
    });
    add('table scan', keys.length, () => {
      scanAll(cached);
    });
    add('merged snapshot scan of 4 tables', keys.length, () => {
      mergedScan(quarters);
    });
    await bench.run();
    for (const reader of [cached, uncached, ...quarters]) reader.close();
    return bench.tasks.map((task) => {
      const result = task.result;
      if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state}`);
      const batch = batches[task.name]!;
      return {
        name: task.name,
        opsPerSecond: Math.round(batch / (result.latency.mean / 1000)),
        batch,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        samples: result.latency.samplesCount,
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function scanAll(reader: TableReader): number {
  const iterator = reader.iterator();
  let count = 0;
  for (iterator.first(); iterator.valid(); iterator.next()) {
    if (iterator.key().length > 0) count += 1;
  }
  return count;
}

function mergedScan(readers: TableReader[]): number {
  const merged = new MergingIterator(readers.map((reader) => reader.iterator()));
  const visible = new SnapshotIterator(merged, { newestOnly: true, hideTombstones: true });
  let count = 0;
  for (visible.first(); visible.valid(); visible.next()) {
    if (visible.value().length === VALUE_BYTES) count += 1;
  }
  return count;
}

/** Formats rows with the machine they ran on. */
export function formatLsmBench(rows: LsmBenchRow[]): string {
  const header = `Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown cpu'}`;
  const lines = rows.map((row) =>
    `${row.name.padEnd(38)} ${String(row.opsPerSecond).padStart(10)} ops/s  (batch ` +
    `${row.batch}, p50 ${row.p50Ms.toFixed(2)} ms, p99 ${row.p99Ms.toFixed(2)} ms, ` +
    `${row.samples} samples)`);
  return [header, ...lines].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await runLsmTableBench({ smoke: process.argv.includes('--smoke') });
  console.log(formatLsmBench(rows));
}
