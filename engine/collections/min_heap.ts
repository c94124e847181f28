// A binary min-heap ordered by a caller's comparator: the timer and waiter structure of the
// engine (lease deadlines, delayed messages, offset waiters). Removal of arbitrary entries is
// lazy: callers mark entries dead and skip them when they surface (peekLive/popLive).

import { assert } from '../assert.ts';

export class MinHeap<T> {
  private readonly items: T[] = [];
  private readonly less: (a: T, b: T) => boolean;

  /** @param less true when `a` must come out before `b`. */
  constructor(less: (a: T, b: T) => boolean) {
    this.less = less;
  }

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.less(items[index]!, items[parent]!)) break;
      [items[index], items[parent]] = [items[parent]!, items[index]!];
      index = parent;
    }
  }

  peek(): T | undefined {
    return this.items[0];
  }

  pop(): T | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  /** The first entry for which `live` holds, dropping dead entries above it. */
  peekLive(live: (item: T) => boolean): T | undefined {
    while (this.items.length > 0 && !live(this.items[0]!)) this.pop();
    return this.items[0];
  }

  /** Every entry, in no particular order (for inspection and teardown). */
  values(): readonly T[] {
    return this.items;
  }

  clear(): void {
    this.items.length = 0;
  }

  private siftDown(index: number): void {
    const items = this.items;
    const count = items.length;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= count) return;
      const right = left + 1;
      const child = right < count && this.less(items[right]!, items[left]!) ? right : left;
      if (!this.less(items[child]!, items[index]!)) return;
      [items[index], items[child]] = [items[child]!, items[index]!];
      index = child;
    }
  }

  /** Checks the heap property (tests, INVARIANTS=1). */
  checkInvariants(): void {
    for (let i = 1; i < this.items.length; i++) {
      assert(!this.less(this.items[i]!, this.items[(i - 1) >> 1]!), `heap order broken at ${i}`);
    }
  }
}
