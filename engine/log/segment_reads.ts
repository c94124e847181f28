// Reading a segmented log's published batches: records from an offset, the first offset at
// or after a timestamp, and the batch that starts at an offset. Pure functions over the
// segment list and the readable limit of each segment, so the write path (segmented_log.ts)
// and the readers do not share mutable state. Every batch read is CRC-checked; a bad one is
// a CorruptionError naming the file and byte offset.

import { assert } from '../assert.ts';
import { CorruptionError } from '../errors.ts';
import { batchRecordsMax } from '../limits.ts';
import { decodeBatchRecords, type LogRecord } from './batch.ts';
import { READ_CHUNK_BYTES, scanBatches, type Segment } from './segment.ts';
import type { SparseIndex } from './sparse_index.ts';

/** What a reader may see of a log. */
export interface ReadView {
  segments: readonly Segment[];
  intervalBytes: number;
  /** Bytes of `segment` that are published (all of a sealed one). */
  readLimit(segment: Segment): number;
}

const noOffset = { offset: null, timestampMs: -Infinity };

function indexOf(segment: Segment): SparseIndex {
  assert(segment.index !== null, 'segment index is loaded');
  return segment.index;
}

/** Index of the segment holding `offset` (the last whose base is at or below it). */
export function segmentIndexFor(segments: readonly Segment[], offset: number): number {
  let low = 0;
  let high = segments.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >>> 1;
    if (segments[middle]!.baseOffset <= offset) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** Up to `maxRecords` records from `from` (at least one when any is readable). */
export function readRecords(
  view: ReadView,
  from: number,
  maxRecords: number,
  maxBytes: number,
): LogRecord[] {
  // A small read (one record, a probe) reads a small chunk: from the index entry before it
  // to a little past it, not a full read-ahead chunk.
  const chunkBytes = Math.min(READ_CHUNK_BYTES, maxBytes + 2 * view.intervalBytes);
  const out: LogRecord[] = [];
  let bytes = 0;
  for (let i = segmentIndexFor(view.segments, from); i < view.segments.length; i++) {
    if (out.length >= maxRecords || bytes >= maxBytes) break;
    const segment = view.segments[i]!;
    const start = indexOf(segment).positionForOffset(from);
    const stop = scanBatches(segment.handle(), start, view.readLimit(segment), noOffset,
      (batch) => {
        if (batch.header.baseOffset + batch.header.recordCount <= from) return true;
        const problem = decodeBatchRecords(batch.bytes, 0, batch.header, from, maxRecords, out);
        if (problem !== null) throw new CorruptionError(segment.path, batch.position, problem);
        bytes += batch.bytes.length;
        return out.length < maxRecords && bytes < maxBytes;
      }, chunkBytes);
    if (stop !== null) {
      throw new CorruptionError(segment.path, stop.position, `Cannot read log: ${stop.reason}`);
    }
    from = segment.nextOffset;
  }
  return out;
}

/** The offset of the first readable record at or after `timestampMs`, or null. */
export function findTimestamp(view: ReadView, timestampMs: number): number | null {
  for (const segment of view.segments) {
    if (segment.recordCount === 0 || segment.maxTimestampMs < timestampMs) continue;
    const start = indexOf(segment).positionForTimestamp(timestampMs);
    let found = -1;
    // The target lies within about one index interval of the start: read just that much.
    scanBatches(segment.handle(), start, view.readLimit(segment), noOffset, (batch) => {
      if (batch.header.maxTimestampMs < timestampMs) return true;
      const records: LogRecord[] = [];
      decodeBatchRecords(batch.bytes, 0, batch.header, 0, batchRecordsMax, records);
      found = records.find((record) => record.timestampMs >= timestampMs)?.offset ?? -1;
      return found < 0;
    }, 2 * view.intervalBytes);
    if (found >= 0) return found;
  }
  return null;
}

/** Byte position of the batch of `segment` that starts at `offset`; RangeError if none. */
export function batchPositionOf(segment: Segment, offset: number): number {
  if (offset === segment.baseOffset) return 0;
  let found = -1;
  scanBatches(segment.handle(), indexOf(segment).positionForOffset(offset), segment.sizeBytes,
    noOffset, (batch) => {
      if (batch.header.baseOffset === offset) found = batch.position;
      return batch.header.baseOffset < offset;
    });
  if (found < 0) throw new RangeError(`offset ${offset} does not start a batch`);
  return found;
}
