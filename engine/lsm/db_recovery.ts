// Opening an LSM directory: read CURRENT and the manifest, open every live table, delete
// orphans a crash left behind, open the WAL and replay it from the manifest's walOffset
// into memtables. Recovery time is bounded by the WAL kept (at most a few memtables) plus
// opening the tables (footer, filter, index and properties of each).
//
//   <dir>/CURRENT  <dir>/MANIFEST-<n>  <dir>/<n>.sst  <dir>/wal/ (segmented log)
//
// Recovery table (docs/format/manifest.md has the full one):
//   no CURRENT, no tables, empty WAL      -> a new DB: write MANIFEST-000001 and CURRENT
//   no CURRENT but tables or WAL records  -> CorruptionError (CURRENT was lost)
//   torn last manifest frame              -> cut it (the edit was never acted on)
//   table named by the manifest missing   -> CorruptionError
//   table files, manifests not named      -> deleted (orphans of a crash)
//   WAL ends below walOffset, or starts above it -> CorruptionError

import { assert } from '../assert.ts';
import { CorruptionError } from '../errors.ts';
import { joinPath } from '../io/file_system.ts';
import { SegmentedLog } from '../log/segmented_log.ts';
import type { RecoveryReport } from '../log/recovery.ts';
import type { ResolvedLsmOptions } from './db_options.ts';
import { CURRENT_FILE, ManifestWriter, parseManifestName, readManifest } from './manifest.ts';
import { Memtable } from './memtable.ts';
import { parseTableName, type TableSet } from './table_set.ts';
import type { AddedTable, VersionEdit } from './version_edit.ts';
import { Version } from './version.ts';
import { decodeWalRecord } from './write_batch.ts';

/** What open-time recovery found and did. */
export interface DbRecoveryReport {
  /** A new, empty DB was created. */
  created: boolean;
  tables: number;
  walRecordsReplayed: number;
  entriesReplayed: number;
  /** Files deleted as orphans (names). */
  orphansRemoved: string[];
  manifestTornTail: boolean;
  wal: RecoveryReport;
}

export interface RecoveredDb {
  manifest: ManifestWriter;
  version: Version;
  walOffset: number;
  /** The largest seq below walOffset (in tables): the manifest's lastSeq. */
  flushedSeq: number;
  /** The largest seq recovered (tables and replayed WAL). */
  lastSeq: number;
  nextFileNumber: number;
  log: SegmentedLog;
  /** Oldest first; the last one is active, the others are full and wait for a flush. */
  memtables: Memtable[];
  report: DbRecoveryReport;
}

export const WAL_DIR = 'wal';

/** Opens (or creates) the DB files in `options.dir`. */
export async function recoverDb(
  options: ResolvedLsmOptions, tables: TableSet,
): Promise<RecoveredDb> {
  const { fs, dir } = options;
  fs.mkdirp(dir);
  const read = readManifest(fs, dir);
  let manifest: ManifestWriter;
  let state: FoldedState;
  if (read === null) {
    checkNothingToLose(options);
    state = { walOffset: 0, lastSeq: 0, nextFileNumber: 2, tables: new Map() };
    manifest = await ManifestWriter.create(fs, dir, 1, stateEdit(state));
  } else {
    state = foldEdits(read.edits, joinPath(dir, read.name));
    manifest = await ManifestWriter.reopen(fs, dir, read);
  }
  const live = new Set(state.tables.keys());
  const orphansRemoved = await removeOrphans(options, live, manifest.name);
  for (const name of fs.list(dir)) {
    const number = parseTableName(name) ?? parseManifestName(name) ?? 0;
    state.nextFileNumber = Math.max(state.nextFileNumber, number + 1);
  }
  const version = Version.empty().apply(
    { added: [...state.tables.values()], removed: [] },
    (meta) => tables.table(meta),
  );
  tables.adopt(version);
  const log = await SegmentedLog.open({
    fs, clock: options.clock, dir: joinPath(dir, WAL_DIR), durability: options.durability,
    syncIntervalMs: options.syncIntervalMs, segmentBytes: options.walSegmentBytes,
    startOffset: state.walOffset,
  });
  const replay = replayWal(options, log, state);
  return {
    manifest, version, walOffset: state.walOffset, flushedSeq: state.lastSeq,
    lastSeq: replay.lastSeq,
    nextFileNumber: state.nextFileNumber, log, memtables: replay.memtables,
    report: {
      created: read === null, tables: version.tableCount(), orphansRemoved,
      walRecordsReplayed: replay.records, entriesReplayed: replay.entries,
      manifestTornTail: read?.tornTail ?? false, wal: log.recovery,
    },
  };
}

/** The DB's state as the manifest's edits leave it. */
export interface FoldedState {
  walOffset: number;
  lastSeq: number;
  nextFileNumber: number;
  tables: Map<number, AddedTable>;
}

/** Applies the manifest's edits in order. @throws CorruptionError on an inconsistent edit */
export function foldEdits(edits: readonly VersionEdit[], path: string): FoldedState {
  const state: FoldedState = { walOffset: 0, lastSeq: 0, nextFileNumber: 2, tables: new Map() };
  edits.forEach((edit, index) => {
    const fail = (what: string): never => {
      throw new CorruptionError(path, 0, `Cannot apply version edit ${index}: ${what}`);
    };
    for (const { level, fileNumber } of edit.removed) {
      if (state.tables.get(fileNumber)?.level !== level) {
        fail(`removes unknown table ${fileNumber}`);
      }
      state.tables.delete(fileNumber);
    }
    for (const added of edit.added) {
      if (state.tables.has(added.table.fileNumber)) {
        fail(`adds table ${added.table.fileNumber} twice`);
      }
      state.tables.set(added.table.fileNumber, added);
    }
    if (edit.walOffset !== undefined) {
      if (edit.walOffset < state.walOffset) fail('walOffset goes backwards');
      state.walOffset = edit.walOffset;
    }
    if (edit.lastSeq !== undefined) state.lastSeq = Math.max(state.lastSeq, edit.lastSeq);
    if (edit.nextFileNumber !== undefined) {
      state.nextFileNumber = Math.max(state.nextFileNumber, edit.nextFileNumber);
    }
  });
  for (const { table } of state.tables.values()) {
    if (table.fileNumber >= state.nextFileNumber) {
      throw new CorruptionError(path, 0, `table ${table.fileNumber} at or above nextFileNumber`);
    }
    state.lastSeq = Math.max(state.lastSeq, table.largestSeq);
  }
  return state;
}

/** The whole state as one edit (a new or rewritten manifest starts with it). */
export function stateEdit(state: FoldedState): VersionEdit {
  return {
    walOffset: state.walOffset, lastSeq: state.lastSeq, nextFileNumber: state.nextFileNumber,
    added: [...state.tables.values()], removed: [],
  };
}

// Without CURRENT the DB must be new (or its creation never finished): anything that looks
// like data means CURRENT was lost, and guessing would lose writes.
function checkNothingToLose(options: ResolvedLsmOptions): void {
  const { fs, dir } = options;
  const tables = fs.list(dir).filter((name) => parseTableName(name) !== null);
  const walDir = joinPath(dir, WAL_DIR);
  const walBytes = fs.stat(walDir) === null ? 0 : fs.list(walDir)
    .reduce((bytes, name) => bytes + (fs.stat(joinPath(walDir, name))?.sizeBytes ?? 0), 0);
  if (tables.length > 0 || walBytes > 0) {
    throw new CorruptionError(joinPath(dir, CURRENT_FILE), 0,
      `Cannot open LSM: CURRENT is missing but ${tables.length} tables and ${walBytes} WAL ` +
      'bytes exist');
  }
}

async function removeOrphans(
  options: ResolvedLsmOptions, live: Set<number>, manifestName: string,
): Promise<string[]> {
  const { fs, dir } = options;
  const removed: string[] = [];
  for (const name of fs.list(dir)) {
    const table = parseTableName(name);
    const manifest = parseManifestName(name);
    const orphan = (table !== null && !live.has(table)) ||
      (manifest !== null && name !== manifestName) || name === `${CURRENT_FILE}.tmp`;
    if (!orphan) continue;
    fs.remove(joinPath(dir, name));
    removed.push(name);
  }
  if (removed.length > 0) await fs.syncDir(dir);
  return removed;
}

interface Replay {
  memtables: Memtable[];
  lastSeq: number;
  records: number;
  entries: number;
}

// Replays the WAL from walOffset into memtables, cutting a new one whenever one is full.
function replayWal(options: ResolvedLsmOptions, log: SegmentedLog, state: FoldedState): Replay {
  const path = joinPath(options.dir, WAL_DIR);
  if (log.firstOffset > state.walOffset || log.nextOffset < state.walOffset) {
    throw new CorruptionError(path, 0, `Cannot replay WAL: it holds offsets ` +
      `[${log.firstOffset}, ${log.nextOffset}), the manifest needs ${state.walOffset} on`);
  }
  const replay: Replay = { memtables: [], lastSeq: state.lastSeq, records: 0, entries: 0 };
  let memtable = new Memtable(state.walOffset, options.seed);
  replay.memtables.push(memtable);
  let expectedSeq = state.lastSeq + 1;
  const visit = (key: Uint8Array, seq: number, kind: number, value: Uint8Array): void => {
    if (seq !== expectedSeq) {
      throw new CorruptionError(path, 0, `Cannot replay WAL: seq ${seq}, expected ${expectedSeq}`);
    }
    memtable.insert(key, seq, kind as 0 | 1, value);
    expectedSeq += 1;
    replay.entries += 1;
  };
  let from = state.walOffset;
  for (;;) {
    const records = log.readAvailable(from, { maxRecords: 4096, maxBytes: 16 << 20 });
    if (records.length === 0) break;
    for (const record of records) {
      decodeWalRecord(record.value, visit, path, record.offset);
      replay.records += 1;
      if (memtable.bytesUsed() >= options.memtableBytesMax) {
        memtable.freeze(record.offset + 1);
        memtable = new Memtable(record.offset + 1, options.seed + replay.memtables.length);
        replay.memtables.push(memtable);
      }
    }
    from = records.at(-1)!.offset + 1;
  }
  assert(from === log.nextOffset, 'replay reached the end of the WAL');
  replay.lastSeq = expectedSeq - 1;
  return replay;
}
