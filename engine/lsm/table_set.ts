// The DB's open tables: opens a TableReader for each table a version adds, counts how many
// live versions hold each table, and closes and deletes a table once no live version does
// (LevelDB's obsolete-file deletion). A version is live while it is the DB's current one or
// an iterator still reads it. Deletion happens only after the manifest edit that removed the
// table is durable (the DB installs versions after their edit's fsync), so a crash never
// leaves a manifest naming a deleted file.
//
//   <dir>/<fileNumber, 6+ digits>.sst

import { assert } from '../assert.ts';
import type { FileSystem } from '../io/file_system.ts';
import { joinPath } from '../io/file_system.ts';
import type { BlockCache } from './block_cache.ts';
import { TableReader } from './table_reader.ts';
import type { TableMeta } from './version_edit.ts';
import type { LiveTable, Version } from './version.ts';

const TABLE_NAME = /^(\d{6,})\.sst$/;

/** The file name of table `fileNumber`. */
export function tableName(fileNumber: number): string {
  return `${String(fileNumber).padStart(6, '0')}.sst`;
}

/** The file number in a table file name, or null when `name` is not one. */
export function parseTableName(name: string): number | null {
  const match = TABLE_NAME.exec(name);
  return match === null ? null : Number(match[1]);
}

export class TableSet {
  private readonly fs: FileSystem;
  private readonly dir: string;
  private readonly cache: BlockCache;
  private readonly open = new Map<number, LiveTable>();

  constructor(fs: FileSystem, dir: string, cache: BlockCache) {
    this.fs = fs;
    this.dir = dir;
    this.cache = cache;
  }

  /** The path of table `fileNumber`. */
  path(fileNumber: number): string {
    return joinPath(this.dir, tableName(fileNumber));
  }

  /**
   * The open table for `meta`, opening it on first use (a table added by an edit, or named
   * by the manifest at recovery).
   * @throws CorruptionError when the file fails its checks; StorageIoError when missing
   */
  table(meta: TableMeta): LiveTable {
    const existing = this.open.get(meta.fileNumber);
    if (existing !== undefined) return existing;
    const file = this.fs.openFile(this.path(meta.fileNumber), { readOnly: true });
    const reader = TableReader.open(file, { fileNumber: meta.fileNumber, cache: this.cache });
    const table: LiveTable = { meta, reader, refs: 0 };
    this.open.set(meta.fileNumber, table);
    return table;
  }

  /** A version became live: its tables gain a holder. */
  adopt(version: Version): void {
    for (const table of version.tables()) table.refs += 1;
  }

  /** A version died: its tables lose a holder; those with none are closed and deleted. */
  drop(version: Version): void {
    for (const table of version.tables()) {
      assert(table.refs > 0, `table ${table.meta.fileNumber} released too often`);
      table.refs -= 1;
      if (table.refs === 0) this.delete(table);
    }
  }

  /** Closes every table without deleting files (DB close). */
  closeAll(): void {
    for (const table of this.open.values()) table.reader.close();
    this.open.clear();
  }

  /** File numbers of the open tables (recovery checks orphans against the version). */
  openNumbers(): Set<number> {
    return new Set(this.open.keys());
  }

  private delete(table: LiveTable): void {
    const fileNumber = table.meta.fileNumber;
    table.reader.close();
    this.cache.evictTable(fileNumber);
    this.open.delete(fileNumber);
    this.fs.remove(this.path(fileNumber));
  }
}
