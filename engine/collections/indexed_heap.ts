// A binary min-heap whose items know their own position (`heapIndex`), so an item can be
// removed or re-keyed in O(log n) without leaving a stale copy behind (MinHeap's lazy
// deletion would grow with every ack). Used for consumer groups' due and ready entries.
// An item belongs to at most one IndexedHeap per index field; the heap names the field.

import { assert, invariantsEnabled } from '../assert.ts';

export class IndexedHeap<T> {
  private readonly items: T[] = [];
  private readonly less: (a: T, b: T) => boolean;
  private readonly getIndex: (item: T) => number;
  private readonly setIndex: (item: T, index: number) => void;

  /**
   * @param less true when `a` must come out before `b`
   * @param getIndex, setIndex the item's position field (-1 when not in the heap)
   */
  constructor(
    less: (a: T, b: T) => boolean,
    getIndex: (item: T) => number,
    setIndex: (item: T, index: number) => void,
  ) {
    this.less = less;
    this.getIndex = getIndex;
    this.setIndex = setIndex;
  }

  get size(): number {
    return this.items.length;
  }

  has(item: T): boolean {
    const index = this.getIndex(item);
    return index >= 0 && this.items[index] === item;
  }

  push(item: T): void {
    assert(!this.has(item), 'an item is in the heap once');
    this.items.push(item);
    this.setIndex(item, this.items.length - 1);
    this.siftUp(this.items.length - 1);
  }

  peek(): T | undefined {
    return this.items[0];
  }

  pop(): T | undefined {
    const top = this.items[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  /** Removes `item` (which must be in the heap). */
  remove(item: T): void {
    const index = this.getIndex(item);
    assert(this.items[index] === item, 'removing an item that is in the heap');
    const last = this.items.pop()!;
    this.setIndex(item, -1);
    if (last === item) return;
    this.items[index] = last;
    this.setIndex(last, index);
    this.siftDown(index);
    this.siftUp(this.getIndex(last));
  }

  /** Restores order after `item`'s key changed. */
  update(item: T): void {
    assert(this.has(item), 'updating an item that is in the heap');
    this.siftUp(this.getIndex(item));
    this.siftDown(this.getIndex(item));
  }

  /** Every item, in no particular order. */
  values(): readonly T[] {
    return this.items;
  }

  /** Checks order and positions (tests, INVARIANTS=1). */
  checkInvariants(): void {
    if (!invariantsEnabled) return;
    this.items.forEach((item, index) => {
      assert(this.getIndex(item) === index, `heap position ${index} is stale`);
      if (index > 0) {
        assert(!this.less(item, this.items[(index - 1) >> 1]!), `heap order broken at ${index}`);
      }
    });
  }

  private siftUp(index: number): void {
    const items = this.items;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.less(items[index]!, items[parent]!)) break;
      this.swap(index, parent);
      index = parent;
    }
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
      this.swap(index, child);
      index = child;
    }
  }

  private swap(a: number, b: number): void {
    const items = this.items;
    const item = items[a]!;
    items[a] = items[b]!;
    items[b] = item;
    this.setIndex(items[a]!, a);
    this.setIndex(item, b);
  }
}
