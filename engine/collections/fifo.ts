// A first-in first-out queue on an array with a moving head (no O(n) shift()): the waiter
// lists, dedup windows and fresh-message lanes of the queue primitive. The consumed prefix
// is dropped once it is most of the array, so memory follows the live length.

import { assert } from '../assert.ts';

const COMPACT_HEAD_MIN = 1024;

export class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  /** Entries not yet shifted. */
  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The oldest entry, if any. */
  peek(): T | undefined {
    return this.items[this.head];
  }

  /** The newest entry, if any. */
  last(): T | undefined {
    return this.length > 0 ? this.items.at(-1) : undefined;
  }

  /** The entry `index` places after the oldest. */
  at(index: number): T | undefined {
    assert(index >= 0, 'fifo index');
    return this.items[this.head + index];
  }

  /** Removes and returns the oldest entry. */
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head]!;
    this.head += 1;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= COMPACT_HEAD_MIN && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Keeps only the entries for which `keep` holds (order kept). */
  retain(keep: (item: T) => boolean): void {
    this.items = this.items.slice(this.head).filter(keep);
    this.head = 0;
  }

  /** The entries, oldest first (a copy). */
  values(): T[] {
    return this.items.slice(this.head);
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
