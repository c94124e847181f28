// Merges any number of sorted sources (memtables, tables) into one stream in internal-key
// order, with a min-heap (engine/collections) of the valid sources: O(log n) per step.
// It yields every entry of every source (all versions); snapshot filtering and hiding
// shadowed versions is the SnapshotIterator's job on top.
//
// Ties: two sources never hold the same (key, seq) in a consistent LSM, but if they do the
// lower source index comes first, so pass sources newest first. Called by the DB's read
// path and by compaction.

import { assert, invariantsEnabled } from '../assert.ts';
import { MinHeap } from '../collections/min_heap.ts';
import { SEQ_MAX, assertSeq, compareInternal } from './internal_key.ts';
import type { EntryKind } from './internal_key.ts';
import type { InternalIterator } from './iterator.ts';

export class MergingIterator implements InternalIterator {
  private readonly sources: InternalIterator[];
  // Indexes into `sources` of the valid ones, ordered by their current entries.
  private readonly heap: MinHeap<number>;

  /** @param sources iterators to merge, newest first (the order breaks ties). */
  constructor(sources: InternalIterator[]) {
    assert(sources.length <= 0xffff, `cannot merge ${sources.length} sources`);
    this.sources = sources;
    this.heap = new MinHeap((a, b) => this.before(a, b));
  }

  valid(): boolean {
    return this.heap.size > 0;
  }

  first(): void {
    for (const source of this.sources) source.first();
    this.rebuild();
  }

  seek(userKey: Uint8Array, seq: number = SEQ_MAX): void {
    assertSeq(seq);
    for (const source of this.sources) source.seek(userKey, seq);
    this.rebuild();
  }

  next(): void {
    assert(this.heap.size > 0, 'next() on an invalid iterator');
    const top = this.heap.pop()!;
    this.sources[top]!.next();
    if (this.sources[top]!.valid()) this.heap.push(top);
    if (invariantsEnabled) this.heap.checkInvariants();
  }

  key(): Uint8Array {
    return this.current().key();
  }

  seq(): number {
    return this.current().seq();
  }

  kind(): EntryKind {
    return this.current().kind();
  }

  value(): Uint8Array {
    return this.current().value();
  }

  private current(): InternalIterator {
    const top = this.heap.peek();
    assert(top !== undefined, 'accessor on an invalid iterator');
    return this.sources[top]!;
  }

  private rebuild(): void {
    this.heap.clear();
    this.sources.forEach((source, index) => {
      if (source.valid()) this.heap.push(index);
    });
    if (invariantsEnabled) this.heap.checkInvariants();
  }

  // True when source `a` comes before source `b`.
  private before(a: number, b: number): boolean {
    const left = this.sources[a]!;
    const right = this.sources[b]!;
    const order = compareInternal(left.key(), left.seq(), right.key(), right.seq());
    return order < 0 || (order === 0 && a < b);
  }
}
