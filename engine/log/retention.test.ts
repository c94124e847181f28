// Unit tests of the retention policy: each limit alone, limits combined (any limit may drop a
// segment), and the active segment always stays.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRetentionPolicy, segmentsToDrop } from './retention.ts';

const segments = [
  { sizeBytes: 100, recordCount: 10, maxTimestampMs: 1000 },
  { sizeBytes: 100, recordCount: 10, maxTimestampMs: 2000 },
  { sizeBytes: 100, recordCount: 10, maxTimestampMs: 3000 },
  { sizeBytes: 50, recordCount: 5, maxTimestampMs: 4000 },
];

test('segmentsToDrop applies each limit Kafka-style', () => {
  assert.equal(segmentsToDrop(segments, {}, 9999), 0);
  assert.equal(segmentsToDrop(segments, { maxRecords: 15 }, 0), 2);
  assert.equal(segmentsToDrop(segments, { maxRecords: 16 }, 0), 1);
  assert.equal(segmentsToDrop(segments, { maxBytes: 150 }, 0), 2);
  assert.equal(segmentsToDrop(segments, { maxBytes: 151 }, 0), 1);
  assert.equal(segmentsToDrop(segments, { maxAgeMs: 1000 }, 3500), 2);
  assert.equal(segmentsToDrop(segments, { maxAgeMs: 1000 }, 3000), 1);
});

test('segmentsToDrop drops a segment when any limit allows, never the active one', () => {
  assert.equal(segmentsToDrop(segments, { maxRecords: 1000, maxAgeMs: 0 }, 3500), 3);
  assert.equal(segmentsToDrop(segments, { maxRecords: 0 }, 0), 3);
  assert.equal(segmentsToDrop(segments.slice(3), { maxRecords: 0 }, 0), 0);
});

test('checkRetentionPolicy refuses negative and fractional limits', () => {
  assert.throws(() => checkRetentionPolicy({ maxBytes: -1 }), RangeError);
  assert.throws(() => checkRetentionPolicy({ maxAgeMs: 1.5 }), RangeError);
  checkRetentionPolicy({ maxRecords: 0 });
});
