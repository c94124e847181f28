// A view of an internal iterator as of a snapshot: entries with seq above `snapshotSeq` are
// skipped; with `newestOnly` each user key yields only its newest visible version (the
// versions it shadows are skipped); with `hideTombstones` as well, a key whose newest
// visible version is a tombstone yields nothing. The DB's reads use all three (a user scan
// or prefix scan), compaction uses `snapshotSeq` alone or none.
//
// seek(k) positions on the first visible entry at or after k. The key of the entry being
// left is copied into a reused buffer so shadowed versions can be recognised after the
// underlying iterator has moved on.

import { assert } from '../assert.ts';
import { EntryKind, SEQ_MAX, assertSeq, compareRange } from './internal_key.ts';
import type { InternalIterator } from './iterator.ts';

export interface SnapshotOptions {
  /** Largest seq the snapshot sees (default SEQ_MAX: everything). */
  snapshotSeq?: number;
  /** Yield only the newest visible version of each user key (default false). */
  newestOnly?: boolean;
  /** With newestOnly: hide keys whose newest visible version is a tombstone. */
  hideTombstones?: boolean;
}

export class SnapshotIterator implements InternalIterator {
  private readonly inner: InternalIterator;
  private readonly snapshotSeq: number;
  private readonly newestOnly: boolean;
  private readonly hideTombstones: boolean;
  // The user key being skipped past (a copy: the inner iterator's view moves on).
  private skipKey = new Uint8Array(64);

  constructor(inner: InternalIterator, options: SnapshotOptions = {}) {
    this.inner = inner;
    this.snapshotSeq = options.snapshotSeq ?? SEQ_MAX;
    this.newestOnly = options.newestOnly ?? false;
    this.hideTombstones = options.hideTombstones ?? false;
    assertSeq(this.snapshotSeq);
    assert(!this.hideTombstones || this.newestOnly, 'hideTombstones requires newestOnly');
  }

  valid(): boolean {
    return this.inner.valid();
  }

  first(): void {
    this.inner.first();
    this.settle();
  }

  seek(userKey: Uint8Array, seq: number = SEQ_MAX): void {
    assertSeq(seq);
    this.inner.seek(userKey, Math.min(seq, this.snapshotSeq));
    this.settle();
  }

  next(): void {
    assert(this.inner.valid(), 'next() on an invalid iterator');
    if (this.newestOnly) {
      this.skipPastCurrentKey();
    } else {
      this.inner.next();
    }
    this.settle();
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

  // Moves forward to the first entry the snapshot shows (or to the end).
  private settle(): void {
    const inner = this.inner;
    while (inner.valid()) {
      if (inner.seq() > this.snapshotSeq) {
        inner.next();
      } else if (this.hideTombstones && inner.kind() === EntryKind.tombstone) {
        this.skipPastCurrentKey();
      } else {
        return;
      }
    }
  }

  // Advances the inner iterator past every remaining version of the current user key.
  private skipPastCurrentKey(): void {
    const inner = this.inner;
    const key = inner.key();
    if (key.length > this.skipKey.length) {
      this.skipKey = new Uint8Array(Math.max(key.length, 2 * this.skipKey.length));
    }
    this.skipKey.set(key);
    const skipKey = this.skipKey;
    const skipKeyLength = key.length;
    do {
      inner.next();
    } while (inner.valid() && sameKey(inner.key(), skipKey, skipKeyLength));
  }
}

function sameKey(key: Uint8Array, other: Uint8Array, otherLength: number): boolean {
  return compareRange(key, 0, key.length, other, 0, otherLength) === 0;
}
