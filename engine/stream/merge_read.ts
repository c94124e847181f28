// Reads a stream's records in sequence order across partitions: a k-way merge of per-partition
// reads (each partition is in sequence order already). Used by plain reads and by group reads
// of new records (stream_handle.ts, group_reader.ts). Reads only revealed records, so a merged
// result never skips an older sequence that another partition has not made durable yet.

import { assert, invariantsEnabled } from '../assert.ts';
import { MinHeap } from '../collections/min_heap.ts';
import { streamReadBytesMax } from '../limits.ts';
import type { Partition, StoredRecord } from './partition.ts';
import { compareRecordToId, type StreamId } from './stream_id.ts';

export interface MergeOptions {
  /** Skip records before this position (bare-sequence rule). */
  start?: StreamId | undefined;
  /** Stop before the first record after this position (inclusive end, bare-sequence rule). */
  end?: StreamId | undefined;
  /** Skip records whose sequence is at or below this (a group's cursor). */
  afterSequence?: number;
}

interface Source {
  partition: Partition;
  next: number;
  buffer: StoredRecord[];
  position: number;
}

/**
 * Up to `count` revealed records, merged by sequence, reading partition p from offsets[p]
 * (clamped to its trim point). A partition missing from `offsets` is read from its start.
 */
export function mergeRead(
  partitions: readonly Partition[],
  offsets: readonly number[],
  count: number,
  options: MergeOptions = {},
): StoredRecord[] {
  assert(count >= 1, 'a read wants at least one record');
  const chunk = Math.max(16, Math.ceil((2 * count) / Math.max(1, partitions.length)));
  const heap = new MinHeap<Source>((a, b) =>
    a.buffer[a.position]!.sequence < b.buffer[b.position]!.sequence);
  for (const partition of partitions) {
    const source: Source = {
      partition, next: Math.max(offsets[partition.index] ?? 0, partition.startOffset),
      buffer: [], position: 0,
    };
    if (refill(source, partitions.length === 1 ? count : chunk)) heap.push(source);
  }
  const out: StoredRecord[] = [];
  let bytes = 0;
  const afterSequence = options.afterSequence ?? 0;
  while (out.length < count && bytes < streamReadBytesMax) {
    const source = heap.pop();
    if (source === undefined) break;
    const record = source.buffer[source.position++]!;
    const end = options.end;
    if (end !== undefined && compareRecordToId(record.timestampMs, record.sequence, end) > 0) {
      break; // merged in sequence order: every later record is past the end too
    }
    const start = options.start;
    const afterStart = start === undefined ||
      compareRecordToId(record.timestampMs, record.sequence, start) >= 0;
    if (record.sequence > afterSequence && afterStart) {
      out.push(record);
      bytes += record.payload.length;
    }
    if (source.position < source.buffer.length || refill(source, chunk)) heap.push(source);
  }
  if (invariantsEnabled) {
    assert(out.every((record, i) => i === 0 || record.sequence > out[i - 1]!.sequence),
      'merged records ascend');
  }
  return out;
}

// Reads the source's next records; false when the partition has no more revealed ones.
function refill(source: Source, count: number): boolean {
  source.buffer = source.partition.read(source.next, count);
  source.position = 0;
  const last = source.buffer.at(-1);
  if (last === undefined) return false;
  source.next = last.offset + 1;
  return true;
}
