// The iterator over one sorted run (a level >= 1: tables ordered by key, ranges disjoint):
// it opens one table iterator at a time and moves to the next table when one ends, so a
// level of hundreds of tables costs one source in a merging iterator, not hundreds
// (LevelDB's two-level "concatenating" iterator). A seek binary-searches the tables by
// their largest key. Called by the DB's read iterators and by compaction.

import { assert } from '../assert.ts';
import { SEQ_MAX, type EntryKind } from './internal_key.ts';
import type { InternalIterator } from './iterator.ts';
import type { TableIterator, TableIteratorOptions } from './table_iterator.ts';
import { findTable, type LiveTable } from './version.ts';

export class LevelIterator implements InternalIterator {
  private readonly tables: readonly LiveTable[];
  private readonly options: TableIteratorOptions;
  private tableIndex = 0;
  private current: TableIterator | null = null;

  constructor(tables: readonly LiveTable[], options: TableIteratorOptions = {}) {
    assert(tables.length > 0, 'a level iterator over no tables');
    this.tables = tables;
    this.options = options;
  }

  valid(): boolean {
    return this.current !== null && this.current.valid();
  }

  first(): void {
    this.open(0);
    this.current!.first();
    this.skipEmpty();
  }

  seek(userKey: Uint8Array, seq: number = SEQ_MAX): void {
    const index = findTable(this.tables, userKey);
    if (index === this.tables.length) {
      this.current = null;
      return;
    }
    this.open(index);
    this.current!.seek(userKey, seq);
    this.skipEmpty();
  }

  next(): void {
    assert(this.valid(), 'next() on an invalid iterator');
    this.current!.next();
    this.skipEmpty();
  }

  key(): Uint8Array {
    return this.current!.key();
  }

  seq(): number {
    return this.current!.seq();
  }

  kind(): EntryKind {
    return this.current!.kind();
  }

  value(): Uint8Array {
    return this.current!.value();
  }

  private open(index: number): void {
    this.tableIndex = index;
    this.current = this.tables[index]!.reader.iterator(this.options);
  }

  // Moves into the following tables while the current one is exhausted.
  private skipEmpty(): void {
    while (this.current !== null && !this.current.valid()) {
      if (this.tableIndex + 1 >= this.tables.length) {
        this.current = null;
        return;
      }
      this.open(this.tableIndex + 1);
      this.current!.first();
    }
  }
}
