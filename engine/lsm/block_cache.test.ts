// Tests of the block cache: a model-based test against a plain LRU over random get, insert
// and evictTable calls (same hits, same residents, same bytes), the byte bound, and blocks
// too large to cache.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from '../testing/fc_params.ts';
import { BLOCK_CACHE_ENTRY_BYTES, BlockCache } from './block_cache.ts';
import { Block } from './block.ts';

// A block of `payloadBytes` that passes the structural checks: one restart, at 0.
function blockOf(payloadBytes: number): Block {
  const data = new Uint8Array(Math.max(9, payloadBytes));
  data[data.length - 4] = 1; // one restart, at offset 0
  return new Block(data, 'cache.sst', 0);
}

type Op =
  | { op: 'get'; file: number; block: number }
  | { op: 'insert'; file: number; block: number; bytes: number }
  | { op: 'evict'; file: number };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('get' as const), file: fc.nat(3), block: fc.nat(5) }),
  fc.record({
    op: fc.constant('insert' as const), file: fc.nat(3), block: fc.nat(5),
    bytes: fc.integer({ min: 9, max: 600 }),
  }),
  fc.record({ op: fc.constant('evict' as const), file: fc.nat(3) }),
);

test('BlockCache behaves like a plain LRU bounded by bytes', () => {
  const capacityArbitrary = fc.integer({ min: 0, max: 3000 });
  fc.assert(fc.property(fc.array(opArbitrary, { maxLength: 200 }), capacityArbitrary,
    (ops, capacity) => {
      const cache = new BlockCache(capacity);
      // The model: most recent last.
      let model: Array<{ id: string; block: Block; charge: number }> = [];
      let hits = 0;
      let misses = 0;
      for (const op of ops) {
        if (op.op === 'get') {
          const id = `${op.file}/${op.block}`;
          const found = model.find((entry) => entry.id === id);
          if (found === undefined) misses += 1;
          else {
            hits += 1;
            model = [...model.filter((entry) => entry !== found), found];
          }
          assert.equal(cache.get(op.file, op.block), found?.block);
        } else if (op.op === 'insert') {
          const id = `${op.file}/${op.block}`;
          const block = blockOf(op.bytes);
          const charge = block.data.length + BLOCK_CACHE_ENTRY_BYTES;
          cache.insert(op.file, op.block, block);
          if (charge > capacity) continue;
          model = [...model.filter((entry) => entry.id !== id), { id, block, charge }];
          while (model.reduce((sum, entry) => sum + entry.charge, 0) > capacity) model.shift();
        } else {
          cache.evictTable(op.file);
          model = model.filter((entry) => !entry.id.startsWith(`${op.file}/`));
        }
        cache.checkInvariants();
      }
      const stats = cache.stats();
      assert.deepEqual(stats, {
        hits, misses, entries: model.length, capacityBytes: capacity,
        usedBytes: model.reduce((sum, entry) => sum + entry.charge, 0),
      });
    }), fcParams());
});

test('BlockCache evicts the least recently used block first', () => {
  const charge = 100 + BLOCK_CACHE_ENTRY_BYTES;
  const cache = new BlockCache(3 * charge);
  const blocks = [0, 1, 2, 3].map(() => blockOf(100));
  cache.insert(1, 0, blocks[0]!);
  cache.insert(1, 1, blocks[1]!);
  cache.insert(1, 2, blocks[2]!);
  assert.equal(cache.get(1, 0), blocks[0]); // block 1 is now the least recent
  cache.insert(1, 3, blocks[3]!);
  assert.equal(cache.get(1, 1), undefined);
  assert.equal(cache.get(1, 0), blocks[0]);
  assert.equal(cache.get(1, 2), blocks[2]);
  assert.equal(cache.get(1, 3), blocks[3]);
  assert.equal(cache.stats().usedBytes, 3 * charge);
});

test('BlockCache does not cache a block larger than its capacity', () => {
  const cache = new BlockCache(1000);
  cache.insert(1, 0, blockOf(100));
  cache.insert(2, 0, blockOf(5000));
  assert.equal(cache.get(2, 0), undefined);
  assert.ok(cache.get(1, 0) !== undefined, 'the small block stays');
  assert.equal(new BlockCache(0).stats().capacityBytes, 0);
});
