// Merges any number of sorted sources (memtables, tables) into one stream in internal-key
// order, with a binary min-heap of the valid sources: each step costs O(log n) comparisons.
// It yields every entry of every source (all versions); snapshot filtering and hiding
// shadowed versions is the SnapshotIterator's job on top.
//
// Ties: two sources never hold the same (key, seq) in a consistent LSM, but if they do the
// lower source index comes first, so pass sources newest first. Called by the DB's read
// path and by compaction.

import { assert, invariantsEnabled } from '../assert.ts';
import { SEQ_MAX, assertSeq, compareInternal } from './internal_key.ts';
import type { EntryKind } from './internal_key.ts';
import type { InternalIterator } from './iterator.ts';

export class MergingIterator implements InternalIterator {
  private readonly sources: InternalIterator[];
  // Indexes into `sources` of the valid ones, as a binary min-heap; heap[0] is current.
  private readonly heap: number[] = [];

  /** @param sources iterators to merge, newest first (the order breaks ties). */
  constructor(sources: InternalIterator[]) {
    assert(sources.length <= 0xffff, `cannot merge ${sources.length} sources`);
    this.sources = sources;
  }

  valid(): boolean {
    return this.heap.length > 0;
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
    assert(this.heap.length > 0, 'next() on an invalid iterator');
    const top = this.heap[0]!;
    this.sources[top]!.next();
    if (!this.sources[top]!.valid()) {
      const last = this.heap.pop()!;
      if (this.heap.length === 0) return;
      this.heap[0] = last;
    }
    this.siftDown(0);
    if (invariantsEnabled) this.checkHeap();
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
    assert(this.heap.length > 0, 'accessor on an invalid iterator');
    return this.sources[this.heap[0]!]!;
  }

  private rebuild(): void {
    this.heap.length = 0;
    this.sources.forEach((source, index) => {
      if (source.valid()) this.heap.push(index);
    });
    for (let index = (this.heap.length >> 1) - 1; index >= 0; index--) this.siftDown(index);
    if (invariantsEnabled) this.checkHeap();
  }

  // True when source `a` comes before source `b`.
  private before(a: number, b: number): boolean {
    const left = this.sources[a]!;
    const right = this.sources[b]!;
    const order = compareInternal(left.key(), left.seq(), right.key(), right.seq());
    return order < 0 || (order === 0 && a < b);
  }

  private siftDown(start: number): void {
    const heap = this.heap;
    const length = heap.length;
    let index = start;
    const item = heap[index]!;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && this.before(heap[right]!, heap[left]!) ? right : left;
      if (!this.before(heap[child]!, item)) break;
      heap[index] = heap[child]!;
      index = child;
    }
    heap[index] = item;
  }

  private checkHeap(): void {
    for (let index = 1; index < this.heap.length; index++) {
      const parent = (index - 1) >> 1;
      assert(!this.before(this.heap[index]!, this.heap[parent]!), 'merge heap out of order');
    }
  }
}
