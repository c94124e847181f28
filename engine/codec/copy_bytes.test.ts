// Property test of copyBytes: every copy holds exactly its source range, survives changes to
// the source, and no two live copies share a byte, small (slab) or large (own buffer).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from '../testing/fc_params.ts';
import { copyBytes, POOLED_COPY_BYTES_MAX } from './copy_bytes.ts';

const range = fc.uint8Array({ maxLength: 2 * POOLED_COPY_BYTES_MAX }).chain((source) =>
  fc.tuple(fc.constant(source), fc.nat({ max: source.length }), fc.nat({ max: source.length }))
    .map(([bytes, a, b]) => ({ source: bytes, start: Math.min(a, b), end: Math.max(a, b) })));

test('copyBytes copies exactly the range, into bytes no other copy shares', () => {
  fc.assert(fc.property(fc.array(range, { minLength: 1, maxLength: 60 }), (ranges) => {
    const copies = ranges.map(({ source, start, end }) => copyBytes(source, start, end));
    ranges.forEach(({ source, start, end }, index) => {
      const copy = copies[index]!;
      assert.ok(copy instanceof Uint8Array && copy.constructor === Uint8Array);
      const expected = source.slice(start, end);
      assert.deepEqual(copy, expected);
      source.fill(0xee);
      assert.deepEqual(copy, expected, 'a copy does not follow its source');
    });
    // Overwrite each copy with its index: a shared byte would show another copy's index.
    copies.forEach((copy, index) => copy.fill(index & 0xff));
    copies.forEach((copy, index) => assert.ok(copy.every((byte) => byte === (index & 0xff)),
      `copy ${index} overlaps another`));
  }), fcParams());
});

test('copyBytes gives large copies a buffer of their own, small ones a shared slab', () => {
  const source = new Uint8Array(4 * POOLED_COPY_BYTES_MAX).map((_, i) => i & 0xff);
  const large = copyBytes(source, 1, POOLED_COPY_BYTES_MAX + 2);
  assert.equal(large.byteOffset, 0);
  assert.equal(large.buffer.byteLength, POOLED_COPY_BYTES_MAX + 1);
  assert.deepEqual(large, source.slice(1, POOLED_COPY_BYTES_MAX + 2));
  const small = copyBytes(source, 5, 105);
  assert.ok(small.buffer.byteLength > small.length, 'a small copy is a view on a slab');
  assert.equal(small.byteOffset % 8, 0);
  assert.deepEqual(small, source.slice(5, 105));
  assert.deepEqual(copyBytes(source), source);
});
