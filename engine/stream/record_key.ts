// The key a stream stores with every record in its partition log (docs/format/stream.md).
// It makes each record self-describing, so lookups never need a side index:
//
//   key := sequence:u64 | cumulativeBytes:u64 | batchIndex:u16      (18 bytes, little-endian)
//
// - sequence: the record's stream sequence (one counter shared by all partitions);
// - cumulativeBytes: the size (payload + header names and values) of every record before this
//   one in the partition since it was created, so the bytes between two records are one
//   subtraction (STREAM_INFO bytes, max-bytes trims) and never a scan;
// - batchIndex: the record's index in its append batch; the batch starts at sequence -
//   batchIndex (records of a batch get consecutive sequences), which trims need because a
//   batch is removed only as a whole.

import { readU16, readU64, writeU16, writeU64 } from '../codec/bytes.ts';
import { assert } from '../assert.ts';
import { streamAppendRecordsMax } from '../limits.ts';

// Part of the on-disk format; do not change.
export const RECORD_KEY_BYTES = 18;

export interface RecordKey {
  sequence: number;
  cumulativeBytes: number;
  batchIndex: number;
}

/** Writes the key fields at `position` of `buffer` (RECORD_KEY_BYTES bytes). */
export function writeRecordKey(
  buffer: Uint8Array,
  position: number,
  sequence: number,
  cumulativeBytes: number,
  batchIndex: number,
): void {
  assert(Number.isSafeInteger(sequence) && sequence >= 1, 'sequences start at 1');
  assert(batchIndex >= 0 && batchIndex < streamAppendRecordsMax, 'batch index in range');
  writeU64(buffer, position, sequence);
  writeU64(buffer, position + 8, cumulativeBytes);
  writeU16(buffer, position + 16, batchIndex);
}

/** Decodes a key; returns a problem description instead when it is not a stream key. */
export function readRecordKey(key: Uint8Array | null): RecordKey | string {
  if (key === null || key.length !== RECORD_KEY_BYTES) {
    return `record key of ${key === null ? 'no' : key.length} bytes, expected ${RECORD_KEY_BYTES}`;
  }
  try {
    const sequence = readU64(key, 0);
    const cumulativeBytes = readU64(key, 8);
    const batchIndex = readU16(key, 16);
    if (sequence === 0) return 'record sequence 0';
    if (batchIndex >= streamAppendRecordsMax) return `batch index ${batchIndex} out of range`;
    return { sequence, cumulativeBytes, batchIndex };
  } catch (error) {
    return (error as Error).message;
  }
}

/** A record's size as the stream counts it: payload plus every header name and value. */
export function recordSizeBytes(
  payload: Uint8Array,
  headers: ReadonlyArray<readonly [Uint8Array, Uint8Array]>,
): number {
  let size = payload.length;
  for (const [name, value] of headers) size += name.length + value.length;
  return size;
}
