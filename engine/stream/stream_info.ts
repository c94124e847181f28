// STREAM_INFO (spec §7.4.5): first and last StreamIDs, record count and bytes of the
// retained records of a stream or of one partition, with its settings. Computed from each
// partition's in-memory view (Partition), reading at most its first record.

import { STREAM_ID_MIN } from './stream_id.ts';
import type { StreamHandle } from './stream_handle.ts';
import type { StreamInfo } from './stream_types.ts';

/** Facts about `handle`, with totals for partition `only` when given. */
export function streamInfo(handle: StreamHandle, only: number | undefined): StreamInfo {
  const partitions = handle.partitions.map((partition) => {
    const first = partition.first();
    return {
      partition: partition.index,
      first: first === null ? STREAM_ID_MIN
        : { timestampMs: first.timestampMs, sequence: first.sequence },
      last: partition.recordCount === 0 ? STREAM_ID_MIN
        : { timestampMs: partition.lastTimestampMs, sequence: partition.lastSequence },
      count: partition.recordCount,
      bytes: partition.sizeBytes,
    };
  });
  const selected = only === undefined ? partitions : [partitions[only]!];
  const present = selected.filter((partition) => partition.count > 0);
  const byFirst = present.reduce<typeof present[number] | null>((best, partition) =>
    best === null || partition.first.sequence < best.first.sequence ? partition : best, null);
  const byLast = present.reduce<typeof present[number] | null>((best, partition) =>
    best === null || partition.last.sequence > best.last.sequence ? partition : best, null);
  return {
    first: byFirst?.first ?? STREAM_ID_MIN,
    last: byLast?.last ?? STREAM_ID_MIN,
    count: selected.reduce((sum, partition) => sum + partition.count, 0),
    bytes: selected.reduce((sum, partition) => sum + partition.bytes, 0),
    partitionCount: handle.partitions.length,
    retention: { ...handle.settings.retention },
    partitions,
    nextSequence: handle.nextSequence,
    groups: [...handle.journal.groups.keys()].sort(),
  };
}

