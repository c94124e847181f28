// Flushes and compactions as jobs over the DB's state (db.ts runs them and records their
// outputs in the manifest): which entries go in, what counts as older or newer than the
// inputs for the owners' filters (compaction_filter.ts), and where outputs are written.
// Every output file is fsynced and the directory synced before a job returns, so the
// manifest edit that follows may name it.

import type { Memtable } from './memtable.ts';
import { bloomHash } from './bloom.ts';
import { runCompaction, type OutputFile } from './compaction.ts';
import type { CompactionFilter, FilterContext } from './compaction_filter.ts';
import type { CompactionPick } from './compaction_picker.ts';
import type { ResolvedLsmOptions } from './db_options.ts';
import { SEQ_MAX } from './internal_key.ts';
import type { InternalIterator } from './iterator.ts';
import { LevelIterator } from './level_iterator.ts';
import { MergingIterator } from './merging_iterator.ts';
import type { TableSet } from './table_set.ts';
import type { TableMeta } from './version_edit.ts';
import { compareToRange, findTable, type LiveTable, type Version } from './version.ts';

/** What a job sees of the DB (read when needed: the DB changes while a job runs). */
export interface JobHost {
  readonly options: ResolvedLsmOptions;
  version(): Version;
  memtables(): { active: Memtable; immutable: readonly Memtable[] };
  readonly filters: ReadonlyMap<number, CompactionFilter>;
  tables(): TableSet;
  smallestSnapshot(): number;
  allocateFileNumber(): number;
  closing(): boolean;
}

/** Writes `memtable` (the oldest immutable one) to new L0 tables; returns them. */
export async function flushMemtable(host: JobHost, memtable: Memtable): Promise<TableMeta[]> {
  // Every table is older than a memtable; the newer memtables are those after it.
  const olderRuns = runsOf(host.version(), () => true);
  const newerExists = (key: Uint8Array): boolean => {
    const { active, immutable } = host.memtables();
    return [...immutable.slice(immutable.indexOf(memtable) + 1), active]
      .some((other) => other.get(key, SEQ_MAX) !== undefined);
  };
  const result = await runCompaction({
    ...jobBase(host), input: memtable.iterator(),
    context: filterContext(host, olderRuns, newerExists),
    tableBytesTarget: Number.POSITIVE_INFINITY,
  });
  if (result.outputs.length > 0) await host.options.fs.syncDir(host.options.dir);
  return result.outputs;
}

/** Merges the picked tables into new output tables; returns them. */
export async function mergeTables(
  host: JobHost, pick: CompactionPick, inputTables: LiveTable[],
): Promise<TableMeta[]> {
  const sources: InternalIterator[] = [];
  for (const { level, tables } of pick.inputs) {
    if (tables.length === 0) continue;
    if (level === 0) {
      for (const table of tables) sources.push(table.reader.iterator({ fillCache: false }));
    } else {
      sources.push(new LevelIterator(tables, { fillCache: false }));
    }
  }
  const inputNumbers = new Set(inputTables.map((table) => table.meta.fileNumber));
  const startLevel = pick.inputs[0]!.level;
  const minInputSeq = Math.min(...inputTables.map((table) => table.meta.smallestSeq));
  const maxInputSeq = Math.max(...inputTables.map((table) => table.meta.largestSeq));
  // Older than the inputs: levels below the output, and (tiered) older L0 runs.
  const olderRuns = runsOf(host.version(), (table, level) => level > pick.outputLevel ||
    (level === 0 && pick.outputLevel === 0 && !inputNumbers.has(table.meta.fileNumber) &&
      table.meta.largestSeq < minInputSeq));
  const isNewer = (table: LiveTable, level: number): boolean =>
    !inputNumbers.has(table.meta.fileNumber) && (level === 0
      ? startLevel > 0 || table.meta.smallestSeq > maxInputSeq
      : level < startLevel);
  const result = await runCompaction({
    ...jobBase(host), input: new MergingIterator(sources),
    context: filterContext(host, olderRuns, (key) => existsNewer(host, key, isNewer)),
    tableBytesTarget: host.options.compactionStyle === 'tiered'
      ? Number.POSITIVE_INFINITY : host.options.tableBytesTarget,
  });
  if (result.outputs.length > 0) await host.options.fs.syncDir(host.options.dir);
  return result.outputs;
}

// True when a version of `key` newer than the job's inputs exists: in a memtable, or in a
// table `isNewer` picks.
function existsNewer(
  host: JobHost, key: Uint8Array, isNewer: (table: LiveTable, level: number) => boolean,
): boolean {
  const { active, immutable } = host.memtables();
  const hash = bloomHash(key);
  if (active.get(key, SEQ_MAX, hash) !== undefined) return true;
  if (immutable.some((memtable) => memtable.get(key, SEQ_MAX, hash) !== undefined)) return true;
  return host.version().levels.some((tables, level) => tables.some((table) =>
    isNewer(table, level) && compareToRange(key, table.meta) === 0 &&
    table.reader.get(key, SEQ_MAX, hash) !== undefined));
}

function jobBase(host: JobHost) {
  const { clock, blockBytes, compression, bloomBitsPerKey } = host.options;
  return {
    smallestSnapshot: host.smallestSnapshot(), filters: host.filters, clock,
    table: { blockBytes, compression, bloomBitsPerKey },
    newOutput: () => newOutput(host),
    aborted: () => host.closing(),
  };
}

function filterContext(
  host: JobHost, olderRuns: Array<readonly LiveTable[]>,
  newerExists: (key: Uint8Array) => boolean,
): FilterContext {
  return {
    nowMs: host.options.clock.nowMs(),
    isBottom: (key) => olderRuns.every((run) => {
      const table = run[findTable(run, key)];
      return table === undefined || compareToRange(key, table.meta) !== 0;
    }),
    newerExists,
  };
}

function newOutput(host: JobHost): OutputFile {
  const fs = host.options.fs;
  const fileNumber = host.allocateFileNumber();
  const path = host.tables().path(fileNumber);
  const file = fs.openFile(path, { create: true });
  file.truncate(0);
  let open = true;
  const close = (): void => {
    if (open) file.close();
    open = false;
  };
  return { fileNumber, file, close, discard: () => { close(); fs.remove(path); } };
}


// The tables selected by `take` as sorted runs: each L0 table alone, each level as one.
function runsOf(
  version: Version, take: (table: LiveTable, level: number) => boolean,
): Array<readonly LiveTable[]> {
  const runs: Array<readonly LiveTable[]> = [];
  version.levels.forEach((tables, level) => {
    const chosen = tables.filter((table) => take(table, level));
    if (level === 0) for (const table of chosen) runs.push([table]);
    else if (chosen.length > 0) runs.push(chosen);
  });
  return runs;
}
