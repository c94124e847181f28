// Retention policy of a segmented log: which whole segments, oldest first, may go. Pure: it
// sees per-segment summaries (kept by the log and the index footers), never scans records,
// so applying retention costs O(segments), not O(records).
//
// Rules (Kafka's, per limit, a segment goes when any limit lets it go):
// - maxBytes: drop the oldest segment while the log would still hold >= maxBytes without it;
// - maxRecords: drop it while the log would still hold >= maxRecords records without it;
// - maxAgeMs: drop it while its newest record is older than now - maxAgeMs.
// The active (last) segment is never dropped, so a log never loses its next offset.

import { assert } from '../assert.ts';

export interface RetentionPolicy {
  maxBytes?: number;
  maxRecords?: number;
  maxAgeMs?: number;
}

export interface SegmentFacts {
  sizeBytes: number;
  recordCount: number;
  maxTimestampMs: number;
}

/** How many of the oldest segments the policy drops (never the last one). */
export function segmentsToDrop(
  segments: readonly SegmentFacts[],
  policy: RetentionPolicy,
  nowMs: number,
): number {
  assert(segments.length >= 1, 'a log has an active segment');
  let totalBytes = 0;
  let totalRecords = 0;
  for (const segment of segments) {
    totalBytes += segment.sizeBytes;
    totalRecords += segment.recordCount;
  }
  let dropped = 0;
  while (dropped < segments.length - 1) {
    const oldest = segments[dropped]!;
    const byBytes = policy.maxBytes !== undefined &&
      totalBytes - oldest.sizeBytes >= policy.maxBytes;
    const byRecords = policy.maxRecords !== undefined &&
      totalRecords - oldest.recordCount >= policy.maxRecords;
    const byAge = policy.maxAgeMs !== undefined &&
      oldest.maxTimestampMs < nowMs - policy.maxAgeMs;
    if (!byBytes && !byRecords && !byAge) break;
    totalBytes -= oldest.sizeBytes;
    totalRecords -= oldest.recordCount;
    dropped += 1;
  }
  assert(dropped < segments.length, 'the active segment stays');
  return dropped;
}

/** Throws RangeError for a policy with a negative or non-integer limit. */
export function checkRetentionPolicy(policy: RetentionPolicy): void {
  for (const [name, value] of Object.entries(policy)) {
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`retention ${name} must be a non-negative integer, got ${value}`);
    }
  }
}
