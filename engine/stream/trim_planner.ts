// Where a trim (or retention) cuts a stream: the first sequence it keeps. Every criterion
// selects a prefix of the stream in sequence order (ids, ages and sizes all grow with it),
// so the union of criteria is the longest prefix, and a batch goes only when its last record
// is selected — the cut is rounded down to the start of the batch holding the first kept
// record (its sequence minus its batch index, record_key.ts). The cost is binary searches
// over partition offsets (probing single records), never a scan of the stream.

import { assert } from '../assert.ts';
import type { Partition, StoredRecord } from './partition.ts';
import type { StreamId } from './stream_id.ts';

export interface TrimCriteria {
  before?: StreamId | undefined;
  maxRecords?: number | undefined;
  maxAgeMs?: number | undefined;
  maxBytes?: number | undefined;
}

export interface TrimPlan {
  /** First sequence kept (records below go). */
  threshold: number;
  /** Per partition, the new start offset. */
  starts: number[];
  removed: number;
  /** Sequence of the first record left, 0 when none. */
  firstSequence: number;
}

/**
 * Plans a trim of the revealed records. `current` is the stream's trim point and
 * `revealedSequence` its revealed end (nothing past it is touched).
 */
export function planTrim(
  partitions: readonly Partition[],
  criteria: TrimCriteria,
  nowMs: number,
  current: number,
  revealedSequence: number,
): TrimPlan {
  const all = revealedSequence + 1;
  let threshold = current;
  if (criteria.before !== undefined) {
    threshold = Math.max(threshold, cutBefore(partitions, criteria.before, all));
  }
  if (criteria.maxAgeMs !== undefined && nowMs - criteria.maxAgeMs > 0) {
    const cutoff = { timestampMs: nowMs - criteria.maxAgeMs, sequence: 0 };
    threshold = Math.max(threshold, cutBefore(partitions, cutoff, all));
  }
  if (criteria.maxRecords !== undefined) {
    threshold = Math.max(threshold, cutKeepingRecords(partitions, criteria.maxRecords));
  }
  if (criteria.maxBytes !== undefined) {
    threshold = Math.max(threshold, cutKeepingBytes(partitions, criteria.maxBytes, all));
  }
  threshold = Math.min(threshold, all);
  assert(threshold >= current, 'trims only move forward');
  const starts: number[] = [];
  let removed = 0;
  let first: StoredRecord | null = null;
  for (const partition of partitions) {
    const start = partition.seekSequence(threshold);
    starts.push(start);
    removed += start - partition.startOffset;
    if (start < partition.revealedEnd) {
      const record = partition.recordAt(start);
      if (first === null || record.sequence < first.sequence) first = record;
    }
  }
  return { threshold, starts, removed, firstSequence: first?.sequence ?? 0 };
}

// The batch start of the first record at or after `id`, or `all` when every record is
// before it.
function cutBefore(partitions: readonly Partition[], id: StreamId, all: number): number {
  const first = oldestAtOrAfter(partitions, (partition) => partition.seekId(id));
  return first === null ? all : first.sequence - first.batchIndex;
}

// Keeps the newest `keep` records: the cut is the batch start of the keep-th newest.
function cutKeepingRecords(partitions: readonly Partition[], keep: number): number {
  const total = partitions.reduce((sum, partition) => sum + partition.recordCount, 0);
  if (total <= keep) return 0;
  if (keep === 0) return Number.MAX_SAFE_INTEGER;
  if (partitions.length === 1) {
    const partition = partitions[0]!;
    const record = partition.recordAt(partition.revealedEnd - keep);
    return record.sequence - record.batchIndex;
  }
  // The largest sequence S with at least `keep` records at or above it is the keep-th newest.
  const countFrom = (sequence: number): number => partitions.reduce((sum, partition) =>
    sum + partition.revealedEnd - partition.seekSequence(sequence), 0);
  let low = lowestSequence(partitions);
  let high = highestSequence(partitions);
  while (low < high) {
    const middle = low + Math.ceil((high - low) / 2);
    if (countFrom(middle) >= keep) low = middle;
    else high = middle - 1;
  }
  const record = oldestAtOrAfter(partitions, (partition) => partition.seekSequence(low));
  assert(record !== null && record.sequence === low, 'the keep-th newest record exists');
  return record.sequence - record.batchIndex;
}

// Removes the oldest records until at most `keepBytes` remain: the first kept record is the
// one at the smallest sequence S whose suffix fits.
function cutKeepingBytes(partitions: readonly Partition[], keepBytes: number, all: number) {
  const total = partitions.reduce((sum, partition) => sum + partition.sizeBytes, 0);
  if (total <= keepBytes) return 0;
  const bytesFrom = (sequence: number): number => partitions.reduce((sum, partition) => {
    const offset = partition.seekSequence(sequence);
    const before = offset < partition.revealedEnd
      ? partition.recordAt(offset).cumulativeBytes
      : partition.revealedBytes;
    return sum + partition.revealedBytes - before;
  }, 0);
  let low = lowestSequence(partitions);
  let high = highestSequence(partitions) + 1;
  while (low < high) {
    const middle = low + Math.floor((high - low) / 2);
    if (bytesFrom(middle) <= keepBytes) high = middle;
    else low = middle + 1;
  }
  const record = oldestAtOrAfter(partitions, (partition) => partition.seekSequence(low));
  return record === null ? all : record.sequence - record.batchIndex;
}

/** The record with the lowest sequence among each partition's record at `offsetOf(partition)`. */
export function oldestAtOrAfter(
  partitions: readonly Partition[],
  offsetOf: (partition: Partition) => number,
): StoredRecord | null {
  let oldest: StoredRecord | null = null;
  for (const partition of partitions) {
    const offset = offsetOf(partition);
    if (offset >= partition.revealedEnd) continue;
    const record = partition.recordAt(offset);
    if (oldest === null || record.sequence < oldest.sequence) oldest = record;
  }
  return oldest;
}

function lowestSequence(partitions: readonly Partition[]): number {
  let lowest = Number.MAX_SAFE_INTEGER;
  for (const partition of partitions) {
    const first = partition.first();
    if (first !== null) lowest = Math.min(lowest, first.sequence);
  }
  return lowest;
}

function highestSequence(partitions: readonly Partition[]): number {
  let highest = 0;
  for (const partition of partitions) {
    if (partition.recordCount > 0) highest = Math.max(highest, partition.lastSequence);
  }
  return highest;
}
