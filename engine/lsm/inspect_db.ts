// The LSM directory inspector behind `flo inspect kv`: a pure read of CURRENT, the manifest
// (folded into levels of tables with sizes, key and seq ranges), the table files present,
// and the WAL (engine/log/inspect.ts), as plain data. It never modifies anything and never
// throws for damage: what it cannot read becomes a problem (where, what), and the rest is
// still reported. Throws only when the directory cannot be listed (StorageIoError).

import type { FileSystem } from '../io/file_system.ts';
import { joinPath } from '../io/file_system.ts';
import { inspectLog, type LogInspection } from '../log/inspect.ts';
import { foldEdits, WAL_DIR } from './db_recovery.ts';
import { parseManifestName, readManifest } from './manifest.ts';
import { parseTableName, tableName } from './table_set.ts';

export interface InspectedTable {
  level: number;
  fileNumber: number;
  file: string;
  /** Size per the manifest, and the file's actual size (null when missing). */
  sizeBytes: number;
  fileSizeBytes: number | null;
  entryCount: number;
  smallestSeq: number;
  largestSeq: number;
  smallestKey: Uint8Array;
  largestKey: Uint8Array;
}

export interface DbInspection {
  dir: string;
  manifest: { name: string; sizeBytes: number; edits: number; tornTail: boolean } | null;
  /** WAL records below this are in tables; replay starts here. */
  walOffset: number;
  lastSeq: number;
  nextFileNumber: number;
  levels: Array<{ level: number; tables: InspectedTable[]; bytes: number; entries: number }>;
  totalTables: number;
  totalTableBytes: number;
  /** Smallest and largest seq over all tables (null without tables). */
  seqRange: [number, number] | null;
  wal: LogInspection | null;
  /** Table and manifest files the manifest does not name (a crash's leftovers). */
  orphans: string[];
  problems: string[];
  ok: boolean;
}

/** Inspects the LSM in `dir`. */
export function inspectDb(fs: FileSystem, dir: string): DbInspection {
  const inspection: DbInspection = {
    dir, manifest: null, walOffset: 0, lastSeq: 0, nextFileNumber: 0, levels: [],
    totalTables: 0, totalTableBytes: 0, seqRange: null, wal: null, orphans: [], problems: [],
    ok: true,
  };
  const names = fs.list(dir);
  const live = new Set<number>();
  try {
    const read = readManifest(fs, dir);
    if (read === null) {
      inspection.problems.push('no CURRENT: not an LSM directory, or never finished creating');
    } else {
      inspection.manifest = { name: read.name, sizeBytes: read.sizeBytes,
        edits: read.edits.length, tornTail: read.tornTail };
      const state = foldEdits(read.edits, joinPath(dir, read.name));
      inspection.walOffset = state.walOffset;
      inspection.lastSeq = state.lastSeq;
      inspection.nextFileNumber = state.nextFileNumber;
      for (const { level, table } of state.tables.values()) {
        live.add(table.fileNumber);
        const file = tableName(table.fileNumber);
        const stat = fs.stat(joinPath(dir, file));
        if (stat === null) {
          inspection.problems.push(`table ${file} named by the manifest is missing`);
        }
        while (inspection.levels.length <= level) {
          inspection.levels.push({ level: inspection.levels.length, tables: [], bytes: 0,
            entries: 0 });
        }
        const entry = inspection.levels[level]!;
        entry.tables.push({ level, fileNumber: table.fileNumber, file, sizeBytes: table.sizeBytes,
          fileSizeBytes: stat?.sizeBytes ?? null, entryCount: table.entryCount,
          smallestSeq: table.smallestSeq, largestSeq: table.largestSeq,
          smallestKey: table.smallestKey, largestKey: table.largestKey });
        entry.bytes += table.sizeBytes;
        entry.entries += table.entryCount;
      }
      for (const level of inspection.levels) {
        level.tables.sort((a, b) => a.fileNumber - b.fileNumber);
      }
      const tables = inspection.levels.flatMap((level) => level.tables);
      inspection.totalTables = tables.length;
      inspection.totalTableBytes = tables.reduce((sum, table) => sum + table.sizeBytes, 0);
      if (tables.length > 0) {
        inspection.seqRange = [Math.min(...tables.map((table) => table.smallestSeq)),
          Math.max(...tables.map((table) => table.largestSeq))];
      }
      for (const name of names) {
        const number = parseTableName(name);
        const manifest = parseManifestName(name);
        if ((number !== null && !live.has(number)) || (manifest !== null && name !== read.name)) {
          inspection.orphans.push(name);
        }
      }
    }
  } catch (error) {
    inspection.problems.push(error instanceof Error ? error.message : String(error));
  }
  if (names.includes(WAL_DIR)) {
    inspection.wal = inspectLog(fs, joinPath(dir, WAL_DIR));
    for (const segment of inspection.wal.segments) {
      if (segment.problem !== null) {
        inspection.problems.push(`WAL segment ${segment.file} at byte ` +
          `${segment.problem.position}: ${segment.problem.reason}`);
      }
    }
  }
  inspection.ok = inspection.problems.length === 0;
  return inspection;
}
