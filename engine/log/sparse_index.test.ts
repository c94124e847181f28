// Tests of the sparse indexes: lookups agree with a linear scan over the batches they sample,
// index files round-trip, and damaged index files are refused (then rebuilt by the log).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from '../testing/fc_params.ts';
import {
  decodeOffsetIndex, decodeTimeIndexInto, encodeOffsetIndex, encodeTimeIndex, SparseIndex,
} from './sparse_index.ts';

// Batches as (size in bytes, record count, first timestamp) with non-decreasing timestamps.
const batchesArbitrary = fc.array(fc.tuple(
  fc.integer({ min: 48, max: 3000 }),
  fc.integer({ min: 1, max: 5 }),
  fc.integer({ min: 0, max: 50 }),
), { minLength: 1, maxLength: 200 });

function build(batches: Array<[number, number, number]>, interval: number) {
  const index = new SparseIndex(1000, interval);
  const layout: Array<{ position: number; offset: number; timestampMs: number }> = [];
  let position = 0;
  let offset = 1000;
  let timestampMs = 0;
  for (const [size, count, gap] of batches) {
    timestampMs += gap;
    index.noteBatch(position, offset, timestampMs);
    layout.push({ position, offset, timestampMs });
    position += size;
    offset += count;
  }
  return { index, layout, sizeBytes: position, nextOffset: offset, lastMs: timestampMs };
}

test('index lookups land at or before the target and on a sampled batch', () => {
  fc.assert(fc.property(batchesArbitrary, fc.integer({ min: 1, max: 5000 }),
    fc.integer({ min: 1000, max: 2000 }), fc.integer({ min: -5, max: 12000 }),
    (batches, interval, probeOffset, probeMs) => {
      const { index, layout } = build(batches, interval);
      const position = index.positionForOffset(probeOffset);
      const containing =
        [...layout].reverse().find((batch) => batch.offset <= probeOffset) ?? layout[0]!;
      assert.ok(position <= containing.position, 'offset lookup never overshoots');
      assert.ok(layout.some((batch) => batch.position === position));
      const timePosition = index.positionForTimestamp(probeMs);
      const firstAtOrAfter = layout.find((batch) => batch.timestampMs >= probeMs);
      if (firstAtOrAfter !== undefined) {
        // Every batch before the chosen start is older than the probe.
        const before = layout.filter((batch) => batch.position < timePosition);
        assert.ok(before.every((batch) => batch.timestampMs < probeMs));
      }
      const gaps = index.positions.slice(1).map((p, i) => p - index.positions[i]!);
      assert.ok(gaps.every((gap) => gap >= interval), 'entries are at least an interval apart');
    }), fcParams());
});

test('index files round-trip and every damaged byte is refused', () => {
  const { index, sizeBytes, nextOffset, lastMs } = build(
    Array.from({ length: 40 }, (_, i) => [500, 2, i % 3] as [number, number, number]), 1000);
  const summary = {
    segmentBytes: sizeBytes, nextOffset, firstTimestampMs: 0, maxTimestampMs: lastMs,
  };
  const idx = encodeOffsetIndex(index, summary);
  const tix = encodeTimeIndex(index);
  const decoded = decodeOffsetIndex(idx, 1000, 1000, sizeBytes);
  assert.ok(typeof decoded !== 'string', String(decoded));
  assert.deepEqual(decoded.summary, summary);
  assert.equal(decodeTimeIndexInto(tix, decoded.index), null);
  assert.deepEqual(decoded.index.positions, index.positions);
  assert.deepEqual(decoded.index.timestampsMs, index.timestampsMs);
  for (let i = 0; i < idx.length; i++) {
    const damaged = idx.slice();
    damaged[i]! ^= 0x10;
    const decodedDamaged = decodeOffsetIndex(damaged, 1000, 1000, sizeBytes);
    assert.equal(typeof decodedDamaged, 'string', `idx byte ${i}`);
  }
  for (let i = 0; i < tix.length; i++) {
    const damaged = tix.slice();
    damaged[i]! ^= 0x10;
    const target = decodeOffsetIndex(idx, 1000, 1000, sizeBytes) as { index: SparseIndex };
    assert.notEqual(decodeTimeIndexInto(damaged, target.index), null, `tix byte ${i}`);
  }
  assert.equal(typeof decodeOffsetIndex(idx, 1000, 1000, sizeBytes + 1), 'string', 'size mismatch');
  const short = idx.subarray(0, idx.length - 1);
  assert.equal(typeof decodeOffsetIndex(short, 1000, 1000, sizeBytes), 'string');
});
