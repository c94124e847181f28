// LatencyHistogram: observations land in the first bucket whose bound holds them; those past
// the last bound count only in count and sum; a snapshot is a copy.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LATENCY_BOUNDS_MS, LatencyHistogram } from './latency_histogram.ts';

test('observations land in the first bucket whose bound holds them', () => {
  const histogram = new LatencyHistogram();
  for (const ms of [0, 0.05, 0.06, 1, 3, 5000, 9000, -1]) histogram.observe(ms);
  const snapshot = histogram.snapshot();
  const at = (boundMs: number): number => snapshot.bucketCounts[
    LATENCY_BOUNDS_MS.indexOf(boundMs)]!;
  assert.deepEqual([at(0.05), at(0.1), at(1), at(5), at(5000)], [3, 1, 1, 1, 1],
    'a negative duration (clock step) counts as 0');
  assert.equal(snapshot.count, 8);
  assert.equal(snapshot.bucketCounts.reduce((sum, n) => sum + n, 0), 7, '9 s is past the end');
  assert.equal(snapshot.sumMs, 0 + 0.05 + 0.06 + 1 + 3 + 5000 + 9000);
  histogram.observe(1);
  assert.equal(snapshot.count, 8, 'a snapshot is a copy');
  assert.throws(() => histogram.observe(Number.NaN), /a duration is a number/);
});
