// Reading a stream: plain reads (a ReadPlan that can be retried when it parks), a group's
// new records (past its cursor), and the records of pending entries being redelivered.
// Everything reads revealed records only (Partition.read), merged in sequence order.

import { assert } from '../assert.ts';
import type { ConsumerGroup } from './consumer_group.ts';
import { mergeRead } from './merge_read.ts';
import type { Partition, StoredRecord } from './partition.ts';
import type { PendingEntry } from './pending_list.ts';
import type { StreamHandle } from './stream_handle.ts';
import { compareRecordToId, type StreamId } from './stream_id.ts';
import type { StreamRecord } from './stream_types.ts';

/** A plain read: what to select, and where each partition resumes after a park. */
export class ReadPlan {
  readonly start: StreamId | undefined;
  readonly end: StreamId | undefined;
  readonly partition: number | undefined;
  readonly count: number;
  /** Per partition, where to read from (null until the first execution). */
  private offsets: number[] | null = null;

  constructor(
    handle: StreamHandle | undefined,
    options: { tail: boolean; start?: StreamId; end?: StreamId; partition?: number },
    count: number,
  ) {
    this.start = options.tail ? undefined : options.start;
    this.end = options.end;
    this.partition = options.partition;
    this.count = count;
    // A tail read starts at every partition's next offset: only later appends match.
    if (options.tail) this.offsets = handle?.partitions.map((p) => p.log.nextOffset) ?? [];
  }

  /** The matching revealed records (at most `count`); remembers where to resume. */
  execute(handle: StreamHandle): StoredRecord[] {
    const partitions = this.partition === undefined
      ? handle.partitions
      : handle.partitions.slice(this.partition, this.partition + 1);
    if (this.offsets === null) {
      this.offsets = [];
      for (const partition of partitions) {
        this.offsets[partition.index] = this.start === undefined
          ? partition.startOffset
          : partition.seekId(this.start);
      }
    }
    const records = mergeRead(partitions, this.offsets, this.count,
      { start: this.start, end: this.end });
    if (records.length === 0) {
      // Nothing matched below each partition's revealed end: resume from there.
      for (const partition of partitions) {
        this.offsets[partition.index] = Math.max(this.offsets[partition.index] ?? 0,
          partition.revealedEnd);
      }
    }
    return records;
  }

  /** True when no record appended later can match (the end lies below it). */
  endIsPast(handle: StreamHandle): boolean {
    const end = this.end;
    if (end === undefined) return false;
    return compareRecordToId(handle.lastTimestampMs, handle.nextSequence, end) > 0;
  }
}

/** Up to `count` records past the group's cursor, in sequence order. */
export function readNew(handle: StreamHandle, group: ConsumerGroup, count: number) {
  let offsets = group.partitionOffsets;
  if (offsets === null) {
    offsets = handle.partitions.map((partition) =>
      partition.seekSequence(group.cursorSequence + 1));
    group.partitionOffsets = offsets;
  }
  return mergeRead(handle.partitions, offsets, count, { afterSequence: group.cursorSequence });
}

/** Records of the group not yet delivered (for lag). */
export function undelivered(handle: StreamHandle, group: ConsumerGroup): number {
  let total = 0;
  for (const partition of handle.partitions) {
    let offset = group.partitionOffsets?.[partition.index];
    if (offset === undefined) offset = partition.seekSequence(group.cursorSequence + 1);
    total += Math.max(0, partition.revealedEnd - Math.max(offset, partition.startOffset));
  }
  return total;
}

/**
 * The records of `entries` (taken for redelivery), or null for an entry whose record is
 * gone (trimmed, or lost with an async-mode crash and its offset reused). Consecutive
 * entries of one partition are read together.
 */
export function fetchPending(
  handle: StreamHandle,
  entries: readonly PendingEntry[],
): Array<StoredRecord | null> {
  let chunk: StoredRecord[] = [];
  let chunkPartition = -1;
  return entries.map((entry) => {
    const partition: Partition | undefined = handle.partitions[entry.partition];
    if (partition === undefined || entry.offset < partition.startOffset ||
      entry.offset >= partition.revealedEnd) return null;
    const first = chunk[0];
    if (chunkPartition !== entry.partition || first === undefined ||
      entry.offset < first.offset || entry.offset >= first.offset + chunk.length) {
      chunk = partition.read(entry.offset, 64);
      chunkPartition = entry.partition;
    }
    const record = chunk[entry.offset - chunk[0]!.offset];
    assert(record === undefined || record.offset === entry.offset, 'chunks are dense');
    return record !== undefined && record.sequence === entry.sequence ? record : null;
  });
}

/** The public form of a stored record. */
export function toStreamRecord(stream: string, record: StoredRecord): StreamRecord {
  return {
    stream, sequence: record.sequence, timestampMs: record.timestampMs,
    partition: record.partition, payload: record.payload, headers: record.headers,
  };
}
