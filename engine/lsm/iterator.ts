// The one iterator interface of the LSM, shared by the memtable, blocks, tables and the
// merging and snapshot iterators. It is synchronous on purpose: tables are read with
// positional reads that hit the page cache in microseconds, and an await per block would
// cost more than the read. It moves forward only, in internal-key order (user key
// ascending, seq descending; see internal_key.ts).
//
// Lifetimes: key() and value() return views that stay valid until the next positioning
// call (first, seek, next) on the same iterator; copy them to keep them. Accessors may be
// called only while valid() is true.

import type { EntryKind } from './internal_key.ts';

export interface InternalIterator {
  /** True when positioned on an entry. */
  valid(): boolean;
  /** Positions on the first entry (invalid when there is none). */
  first(): void;
  /**
   * Positions on the first entry at or after (userKey, seq) in internal order: the newest
   * version of `userKey` with a seq <= `seq`, or else the first entry of a larger key.
   * @param seq defaults to SEQ_MAX (the newest version of `userKey`).
   */
  seek(userKey: Uint8Array, seq?: number): void;
  /** Moves to the next entry. REQUIRES: valid(). */
  next(): void;
  /** The current entry's user key (a view; see the header). */
  key(): Uint8Array;
  /** The current entry's sequence number. */
  seq(): number;
  /** The current entry's kind. */
  kind(): EntryKind;
  /** The current entry's value (a view; empty for a tombstone). */
  value(): Uint8Array;
}
