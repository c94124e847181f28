// The DB's read iterator: a merging iterator over the memtables (active, then immutable
// newest first), the L0 tables (newest first) and one level iterator per deeper level, seen
// through a snapshot: entries newer than the snapshot's seq are hidden, so writes made
// after the iterator was created (the memtable takes them in place) never show. By default
// it yields the newest visible version of each key and hides deleted keys (a user scan);
// `allVersions` yields every visible version, tombstones included (history reads).
//
// It holds a reference to the version it reads, so the tables stay open even if a
// compaction replaces them meanwhile; close() lets go. Forward only, synchronous.

import { assert } from '../assert.ts';
import type { EntryKind } from './internal_key.ts';
import type { InternalIterator } from './iterator.ts';
import { LevelIterator } from './level_iterator.ts';
import type { Memtable } from './memtable.ts';
import { MergingIterator } from './merging_iterator.ts';
import { SnapshotIterator } from './snapshot_iterator.ts';
import type { Version } from './version.ts';

export interface DbIteratorOptions {
  /** Read as of this seq (default: the DB's last seq when the iterator is made). */
  snapshotSeq?: number;
  /** Yield every visible version and tombstone, not only the newest live value. */
  allVersions?: boolean;
  /** Put blocks read into the block cache (default true; large scans may pass false). */
  fillCache?: boolean;
}

export class DbIterator implements InternalIterator {
  readonly snapshotSeq: number;
  private readonly inner: SnapshotIterator;
  private release: (() => void) | null;

  /**
   * @param memtables newest first
   * @param release called once by close(), letting go of `version`
   */
  constructor(
    memtables: readonly Memtable[], version: Version, snapshotSeq: number,
    options: DbIteratorOptions, release: () => void,
  ) {
    const fillCache = options.fillCache ?? true;
    const sources: InternalIterator[] = memtables.map((memtable) => memtable.iterator());
    for (const table of version.levels[0]!) sources.push(table.reader.iterator({ fillCache }));
    for (let level = 1; level < version.levels.length; level++) {
      const tables = version.levels[level]!;
      if (tables.length > 0) sources.push(new LevelIterator(tables, { fillCache }));
    }
    const allVersions = options.allVersions ?? false;
    this.snapshotSeq = snapshotSeq;
    this.inner = new SnapshotIterator(new MergingIterator(sources), {
      snapshotSeq, newestOnly: !allVersions, hideTombstones: !allVersions,
    });
    this.release = release;
  }

  valid(): boolean {
    return this.release !== null && this.inner.valid();
  }

  first(): void {
    this.checkOpen();
    this.inner.first();
  }

  seek(userKey: Uint8Array, seq?: number): void {
    this.checkOpen();
    this.inner.seek(userKey, seq);
  }

  next(): void {
    this.checkOpen();
    this.inner.next();
  }

  key(): Uint8Array {
    return this.inner.key();
  }

  seq(): number {
    return this.inner.seq();
  }

  kind(): EntryKind {
    return this.inner.kind();
  }

  value(): Uint8Array {
    return this.inner.value();
  }

  /** Lets go of the version; the iterator takes no more calls. Safe to call twice. */
  close(): void {
    const release = this.release;
    this.release = null;
    release?.();
  }

  private checkOpen(): void {
    assert(this.release !== null, 'iterator used after close()');
  }
}
