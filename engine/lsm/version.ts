// A version: the set of live tables at one moment, by level (LevelDB Version). Versions are
// immutable; a version edit applied to one makes the next. Iterators hold a reference to
// the version they read, so a compaction's input tables stay open until the last reader
// of an older version lets go (table_set.ts counts that).
//
// Ordering invariants (checkInvariants):
// - L0 tables may overlap in keys; they are kept newest first by (largestSeq, fileNumber)
//   descending, and any two L0 tables whose key ranges overlap have disjoint seq ranges,
//   the first in order holding the newer ones. So the first L0 hit for a key is its newest.
// - Each level >= 1 is one sorted run: tables ordered by key, ranges disjoint.
// - Every version of a key in level i is newer than every version in level j > i.

import { assert, invariantsEnabled } from '../assert.ts';
import { levelCountMax } from '../limits.ts';
import { compareRange, type Entry } from './internal_key.ts';
import type { TableReader } from './table_reader.ts';
import type { TableMeta, VersionEdit } from './version_edit.ts';

/** An open table with its manifest facts. `refs` counts the live versions holding it. */
export interface LiveTable {
  readonly meta: TableMeta;
  readonly reader: TableReader;
  refs: number;
}

/** Compares a key with a table's range: <0 before it, 0 inside, >0 after it. */
export function compareToRange(key: Uint8Array, meta: TableMeta): number {
  if (compareRange(key, 0, key.length, meta.smallestKey, 0, meta.smallestKey.length) < 0) {
    return -1;
  }
  const order = compareRange(key, 0, key.length, meta.largestKey, 0, meta.largestKey.length);
  return order > 0 ? 1 : 0;
}

/** True when [aSmall, aLarge] and the table's range share a key. */
export function rangesOverlap(aSmall: Uint8Array, aLarge: Uint8Array, meta: TableMeta): boolean {
  return compareBytesOf(aSmall, meta.largestKey) <= 0 &&
    compareBytesOf(aLarge, meta.smallestKey) >= 0;
}

function compareBytesOf(a: Uint8Array, b: Uint8Array): number {
  return compareRange(a, 0, a.length, b, 0, b.length);
}

function newestFirst(a: LiveTable, b: LiveTable): number {
  return (b.meta.largestSeq - a.meta.largestSeq) || (b.meta.fileNumber - a.meta.fileNumber);
}

function byKey(a: LiveTable, b: LiveTable): number {
  return compareBytesOf(a.meta.smallestKey, b.meta.smallestKey);
}

export class Version {
  readonly levels: ReadonlyArray<readonly LiveTable[]>;
  /** Readers (iterators) holding this version besides the DB's "current" pointer. */
  refs = 0;

  constructor(levels: ReadonlyArray<readonly LiveTable[]>) {
    assert(levels.length === levelCountMax, `a version has ${levelCountMax} levels`);
    this.levels = levels;
    if (invariantsEnabled) this.checkInvariants();
  }

  static empty(): Version {
    return new Version(Array.from({ length: levelCountMax }, () => []));
  }

  /** Every table, level by level. */
  tables(): LiveTable[] {
    return this.levels.flat();
  }

  tableCount(): number {
    return this.levels.reduce((count, level) => count + level.length, 0);
  }

  levelBytes(level: number): number {
    return this.levels[level]!.reduce((bytes, table) => bytes + table.meta.sizeBytes, 0);
  }

  /**
   * The newest entry of `key` with seq <= `snapshotSeq` in any table (tombstones included).
   * Its value is a view into a cached block: copy it to keep it.
   */
  get(key: Uint8Array, snapshotSeq: number, hash: number): Entry | undefined {
    for (const table of this.levels[0]!) {
      if (compareToRange(key, table.meta) !== 0) continue;
      const entry = table.reader.get(key, snapshotSeq, hash);
      if (entry !== undefined) return entry;
    }
    for (let level = 1; level < levelCountMax; level++) {
      const tables = this.levels[level]!;
      if (tables.length === 0) continue;
      const table = tables[findTable(tables, key)];
      if (table === undefined || compareToRange(key, table.meta) !== 0) continue;
      const entry = table.reader.get(key, snapshotSeq, hash);
      if (entry !== undefined) return entry;
    }
    return undefined;
  }

  /** Tables of `level` whose range overlaps [smallest, largest]. */
  overlapping(level: number, smallest: Uint8Array, largest: Uint8Array): LiveTable[] {
    return this.levels[level]!.filter((table) => rangesOverlap(smallest, largest, table.meta));
  }

  /**
   * The version after `edit`. `open` makes a LiveTable for each added table.
   * REQUIRES: every removed table is in this version at the level named.
   */
  apply(edit: VersionEdit, open: (meta: TableMeta) => LiveTable): Version {
    const levels = this.levels.map((level) => [...level]);
    for (const { level, fileNumber } of edit.removed) {
      const index = levels[level]!.findIndex((table) => table.meta.fileNumber === fileNumber);
      assert(index >= 0, `edit removes table ${fileNumber}, not in L${level}`);
      levels[level]!.splice(index, 1);
    }
    for (const { level, table } of edit.added) levels[level]!.push(open(table));
    levels[0]!.sort(newestFirst);
    for (let level = 1; level < levelCountMax; level++) levels[level]!.sort(byKey);
    return new Version(levels);
  }

  /** The whole version as one edit (the first edit of a rewritten manifest). */
  toEdit(): VersionEdit {
    const added = this.levels.flatMap((tables, level) =>
      tables.map((table) => ({ level, table: table.meta })));
    return { added, removed: [] };
  }

  /** Checks the ordering invariants in the header (INVARIANTS=1). */
  checkInvariants(): void {
    const l0 = this.levels[0]!;
    for (let i = 1; i < l0.length; i++) {
      assert(newestFirst(l0[i - 1]!, l0[i]!) < 0, `L0 out of order at ${i}`);
    }
    for (let i = 0; i < l0.length; i++) {
      for (let j = i + 1; j < l0.length; j++) {
        const [newer, older] = [l0[i]!.meta, l0[j]!.meta];
        if (!rangesOverlap(newer.smallestKey, newer.largestKey, older)) continue;
        assert(newer.smallestSeq > older.largestSeq,
          `L0 tables ${newer.fileNumber} and ${older.fileNumber} overlap in keys and seqs`);
      }
    }
    for (let level = 1; level < levelCountMax; level++) {
      const tables = this.levels[level]!;
      for (let i = 1; i < tables.length; i++) {
        assert(compareBytesOf(tables[i - 1]!.meta.largestKey, tables[i]!.meta.smallestKey) < 0,
          `L${level} tables ${tables[i - 1]!.meta.fileNumber} and ` +
          `${tables[i]!.meta.fileNumber} overlap`);
      }
    }
  }
}

/** Index of the first table in a sorted level whose largest key is >= `key`. */
export function findTable(tables: readonly LiveTable[], key: Uint8Array): number {
  let low = 0;
  let high = tables.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const largest = tables[middle]!.meta.largestKey;
    if (compareRange(largest, 0, largest.length, key, 0, key.length) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}
