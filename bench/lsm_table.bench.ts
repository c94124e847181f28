// Benchmarks of the LSM building blocks (tinybench): memtable insert and get, table build,
// point lookups with the block cache hot and with no cache, lookups of absent keys, a table
// scan and a merged snapshot scan over four tables. Keys are 16 random bytes, values 100 bytes
// (half repetitive, so LZ4 has something to do). Every task's result is checked once
// before timing. Tables live on the real file system (a temporary directory), so reads are
// page-cache preads as in production.
//
//   node --import tsx bench/lsm_table.bench.ts [--smoke]   this suite, per-operation rates
//   node --import tsx bench/run.ts [--smoke]               every suite (bench/run.test.ts
//                                                          runs --smoke inside npm test)

import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import {
  BlockCache, EntryKind, MergingIterator, NodeFs, Skiplist, SnapshotIterator, TableReader,
  TableWriter,
} from '../engine/mod.ts';
import type { FileHandle, TableProperties } from '../engine/mod.ts';

interface Sizes {
  tableEntries: number;
  memtableEntries: number;
  batch: number;
}

const fullSizes: Sizes = { tableEntries: 200_000, memtableEntries: 200_000, batch: 1000 };
const smokeSizes: Sizes = { tableEntries: 2_000, memtableEntries: 1_000, batch: 100 };
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

// Writes a table into `file` from its start (the file is reused across iterations).
function buildTable(
  file: FileHandle, keys: Uint8Array[], values: Uint8Array[], seq0: number,
): TableProperties {
  file.truncate(0);
  const writer = new TableWriter(file, { creationTimeMs: 0 });
  for (let i = 0; i < keys.length; i++) {
    writer.add(keys[i]!, seq0 + i, EntryKind.value, values[i]!);
  }
  return writer.finish();
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`benchmark check failed: ${what}`);
}

/**
 * The LSM benchmarks, set up and checked, not yet run. Each task does `batch` operations
 * (named in the task), so per-operation rates are the task's rate times its batch.
 */
export async function lsmTableBenchmarks(smoke: boolean): Promise<Bench> {
  const sizes = smoke ? smokeSizes : fullSizes;
  const fs = new NodeFs();
  // Files are opened, then their directory is removed: the open handles keep working and
  // nothing is left behind however the run ends.
  const dir = mkdtempSync(join(tmpdir(), 'flo-bench-lsm-'));
  const create = (name: string): FileHandle => fs.openFile(join(dir, name), { create: true });
  const keys = randomKeys(sizes.tableEntries, 42).sort(Buffer.compare);
  const values = keys.map((_, i) => valueFor(i));
  // Copies in lookup order, so the keys looked up are not the table's own objects.
  const lookups = keys.map((_, i) => keys[(i * 7919) % keys.length]!.slice());
  const absent = randomKeys(sizes.tableEntries, 99);
  const memtableKeys = randomKeys(sizes.memtableEntries, 3);
  // KV-shaped keys: a 2-byte namespace tag (0x01 0x01) before 14 random bytes, in sorted
  // batches as putMany writes them.
  const taggedBatches: Uint8Array[][] = [];
  for (let i = 0; i < memtableKeys.length; i += sizes.batch) {
    taggedBatches.push(memtableKeys.slice(i, i + sizes.batch)
      .map((key) => Uint8Array.of(1, 1, ...key.subarray(2)))
      .sort((a, b) => Buffer.compare(a, b)));
  }
  const hot = new BlockCache(256 << 20);
  const main = create('000001.sst');
  buildTable(main, keys, values, 1);
  const cached = TableReader.open(main, { fileNumber: 1, cache: hot });
  const uncached = TableReader.open(fs.openFile(join(dir, '000001.sst')), { fileNumber: 2 });
  const quarters = [0, 1, 2, 3].map((part) => {
    const file = create(`00001${part}.sst`);
    const mine = keys.filter((_, i) => i % 4 === part);
    buildTable(file, mine, values.slice(0, mine.length), 1 + part * keys.length);
    return TableReader.open(file, { fileNumber: 10 + part, cache: hot });
  });
  const scratch = create('build.sst');
  rmSync(dir, { recursive: true, force: true });

  // Check the results before timing anything.
  for (let i = 0; i < Math.min(1000, keys.length); i++) {
    check(cached.get(lookups[i]!)?.value.length === VALUE_BYTES, 'cached get finds its key');
    check(uncached.get(lookups[i]!) !== undefined, 'uncached get finds its key');
    check(cached.get(absent[i]!) === undefined, 'an absent key is absent');
  }
  const full = new Skiplist({ seed: 2 });
  memtableKeys.forEach((key, i) => full.insert(key, i + 1, EntryKind.value, valueFor(i)));
  const memtableLookups = memtableKeys.map((_, i) =>
    memtableKeys[(i * 7919) % memtableKeys.length]!.slice());
  for (const key of memtableLookups.slice(0, 1000)) {
    check(full.get(key)?.value.length === VALUE_BYTES, 'memtable get finds its key');
  }
  const scanned = scanAll(cached);
  check(scanned === keys.length, `scan saw ${scanned} of ${keys.length} keys`);
  check(mergedScan(quarters) === keys.length, 'merged scan sees every key once');

  const bench = new Bench(smoke
    ? { iterations: 2, time: 0, warmupIterations: 1, throws: true }
    : { time: 1500, throws: true });
  let memtable = new Skiplist({ seed: 1 });
  let memtableNext = 0;
  let tagged = new Skiplist({ seed: 1 });
  let taggedNext = 0;
  const value = valueFor(1);
  let cursor = 0;
  const batch = sizes.batch;
  const entries = keys.length;
  bench
    .add(`memtable insert ×${batch} (memtable of up to ${sizes.memtableEntries})`, () => {
      for (let i = 0; i < batch; i++) {
        if (memtableNext === memtableKeys.length) {
          memtable = new Skiplist({ seed: memtableNext });
          memtableNext = 0;
        }
        memtable.insert(memtableKeys[memtableNext]!, memtableNext + 1, EntryKind.value, value);
        memtableNext += 1;
      }
    })
    .add(`memtable insert ×${batch}, sorted batch of KV-shaped keys (afterPrevious)`, () => {
      if (taggedNext === taggedBatches.length) {
        tagged = new Skiplist({ seed: taggedNext });
        taggedNext = 0;
      }
      const seq0 = taggedNext * batch;
      taggedBatches[taggedNext]!.forEach((key, i) =>
        tagged.insert(key, seq0 + i + 1, EntryKind.value, value, i > 0));
      taggedNext += 1;
    })
    .add(`memtable get ×${batch} (${sizes.memtableEntries} entries)`, () => {
      for (let i = 0; i < batch; i++) {
        full.get(memtableLookups[(cursor = (cursor + 1) % memtableLookups.length)]!);
      }
    })
    .add(`table build ×${entries} entries`, () => {
      buildTable(scratch, keys, values, 1);
    })
    .add(`table get ×${batch}, block cache hot`, () => {
      for (let i = 0; i < batch; i++) cached.get(lookups[(cursor = (cursor + 1) % entries)]!);
    })
    .add(`table get ×${batch}, no block cache`, () => {
      for (let i = 0; i < batch; i++) uncached.get(lookups[(cursor = (cursor + 1) % entries)]!);
    })
    .add(`table get ×${batch}, absent key`, () => {
      for (let i = 0; i < batch; i++) cached.get(absent[(cursor = (cursor + 1) % entries)]!);
    })
    .add(`table scan ×${entries} entries`, () => {
      scanAll(cached);
    })
    .add(`merged snapshot scan of 4 tables ×${entries} entries`, () => {
      mergedScan(quarters);
    });
  return bench;
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

/** Per-operation rates of a finished bench ("×N" in a task name is its batch). */
export function formatLsmBench(bench: Bench): string {
  const header = `Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown cpu'}`;
  const lines = bench.tasks.map((task) => {
    const result = task.result;
    if (result.state !== 'completed') return `${task.name}: ${result.state}`;
    const batch = Number(/×(\d+)/.exec(task.name)?.[1] ?? 1);
    const opsPerSecond = Math.round(batch / (result.latency.mean / 1000));
    return `${task.name.padEnd(56)} ${String(opsPerSecond).padStart(9)} ops/s  ` +
      `(p50 ${result.latency.p50.toFixed(2)} ms, p99 ${result.latency.p99.toFixed(2)} ms per call)`;
  });
  return [header, ...lines].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const bench = await lsmTableBenchmarks(process.argv.includes('--smoke'));
  await bench.run();
  console.log(formatLsmBench(bench));
}
