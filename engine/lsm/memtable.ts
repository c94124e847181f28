// A memtable: the skiplist that takes the DB's writes, plus where its entries sit in the WAL.
// The DB writes to one active memtable; when its bytes reach memtableBytesMax it becomes
// immutable (endWalOffset is set: every WAL record at or past it belongs to a newer
// memtable) and waits for its flush to a table. Once that table is recorded in the manifest
// with walOffset = endWalOffset, the WAL segments below it may be dropped.
//
// Invariant: the WAL records in [firstWalOffset, endWalOffset) are exactly the batches this
// memtable holds, and its seqs are those batches' seqs (consecutive, ascending).

import { assert } from '../assert.ts';
import { SEQ_MAX, type EntryKind, type Entry } from './internal_key.ts';
import { Skiplist, type SkiplistIterator } from './skiplist.ts';

export class Memtable {
  readonly firstWalOffset: number;
  /** -1 while active; the WAL offset after its last record once immutable. */
  endWalOffset = -1;
  smallestSeq = SEQ_MAX;
  largestSeq = 0;
  private readonly list: Skiplist;

  constructor(firstWalOffset: number, seed: number) {
    assert(Number.isSafeInteger(firstWalOffset) && firstWalOffset >= 0, 'bad WAL offset');
    this.firstWalOffset = firstWalOffset;
    this.list = new Skiplist({ seed });
  }

  get immutable(): boolean {
    return this.endWalOffset >= 0;
  }

  get count(): number {
    return this.list.count;
  }

  bytesUsed(): number {
    return this.list.bytesUsed();
  }

  bytesAllocated(): number {
    return this.list.bytesAllocated();
  }

  /** @param afterPrevious (key, seq) follows the previous insert's (Skiplist.insert). */
  insert(
    key: Uint8Array, seq: number, kind: EntryKind, value: Uint8Array, afterPrevious = false,
  ): void {
    assert(!this.immutable, 'insert into an immutable memtable');
    assert(seq > this.largestSeq, `seq ${seq} not above ${this.largestSeq}`);
    this.list.insert(key, seq, kind, value, afterPrevious);
    if (seq < this.smallestSeq) this.smallestSeq = seq;
    this.largestSeq = seq;
  }

  /** @param keyHash bloomHash(key), when the caller has it (Skiplist.get). */
  get(key: Uint8Array, snapshotSeq: number, keyHash?: number): Entry | undefined {
    return this.list.get(key, snapshotSeq, keyHash);
  }

  iterator(): SkiplistIterator {
    return this.list.iterator();
  }

  /** Makes the memtable immutable; `walOffset` is the WAL's next offset. */
  freeze(walOffset: number): void {
    assert(!this.immutable, 'freeze() twice');
    assert(walOffset >= this.firstWalOffset, 'WAL offset went backwards');
    this.endWalOffset = walOffset;
  }
}
