// StreamID: a record's position in a stream, (timestampMs, sequence) (spec §7.4.1). Sequences
// are one counter per stream shared by its partitions, so StreamIDs strictly increase in
// append order and their lexicographic order equals sequence order. A position given by a
// caller with timestampMs = 0 follows the bare-sequence rule: it compares by sequence alone.
// Used by reads, trims, group starts and claims (stream_store.ts, partition.ts).

import { assert } from '../assert.ts';

/** A record's StreamID, or a position a caller gives (timestampMs 0 = bare sequence). */
export interface StreamId {
  timestampMs: number;
  sequence: number;
}

/** The position before every record. */
export const STREAM_ID_MIN: StreamId = Object.freeze({ timestampMs: 0, sequence: 0 });

/**
 * Compares the record (timestampMs, sequence) with the position `id`: negative when the record
 * comes before it, 0 when it is at it, positive after. Bare-sequence rule for timestampMs 0.
 */
export function compareRecordToId(timestampMs: number, sequence: number, id: StreamId): number {
  if (id.timestampMs === 0 || timestampMs === id.timestampMs) return sequence - id.sequence;
  return timestampMs - id.timestampMs;
}

/** Returns `value` as a StreamId; throws TypeError/RangeError naming `name` otherwise. */
export function checkStreamId(value: unknown, name: string): StreamId {
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`${name} must be a StreamId {timestampMs, sequence}`);
  }
  const { timestampMs, sequence } = value as Partial<StreamId>;
  for (const [field, number] of [['timestampMs', timestampMs], ['sequence', sequence]] as const) {
    if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 0) {
      throw new RangeError(`${name}.${field} must be a non-negative safe integer, got ${number}`);
    }
  }
  assert(timestampMs !== undefined && sequence !== undefined, 'fields checked above');
  return { timestampMs, sequence };
}

/** "ts-seq", the usual text form (for messages and the inspector). */
export function formatStreamId(id: StreamId): string {
  return `${id.timestampMs}-${id.sequence}`;
}
