// Property test of IndexedHeap against a sorted array: random pushes, pops, removals and
// re-keys keep the same minimum and the same contents, and positions stay exact.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from '../testing/fc_params.ts';
import { IndexedHeap } from './indexed_heap.ts';

interface Item {
  key: number;
  id: number;
  index: number;
}

test('IndexedHeap agrees with a sorted array under push, pop, remove and update', () => {
  const step = fc.record({ op: fc.constantFrom('push', 'pop', 'remove', 'update'),
    key: fc.integer({ min: 0, max: 50 }), pick: fc.nat() });
  fc.assert(fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
    const less = (a: Item, b: Item): boolean => a.key < b.key || (a.key === b.key && a.id < b.id);
    const heap = new IndexedHeap<Item>(less, (item) => item.index, (item, index) => {
      item.index = index;
    });
    let model: Item[] = [];
    let nextId = 0;
    for (const { op, key, pick } of steps) {
      if (op === 'push' || model.length === 0) {
        const item = { key, id: nextId++, index: -1 };
        heap.push(item);
        model.push(item);
      } else if (op === 'pop') {
        model.sort((a, b) => (less(a, b) ? -1 : 1));
        assert.equal(heap.pop(), model.shift());
      } else if (op === 'remove') {
        const [item] = model.splice(pick % model.length, 1);
        heap.remove(item!);
        assert.equal(item!.index, -1);
      } else {
        const item = model[pick % model.length]!;
        item.key = key;
        heap.update(item);
      }
      heap.checkInvariants();
      assert.equal(heap.size, model.length);
      const minimum = [...model].sort((a, b) => (less(a, b) ? -1 : 1))[0];
      assert.equal(heap.peek(), minimum);
    }
  }), fcParams());
});
