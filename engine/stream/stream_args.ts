// Argument checks and small encodings of the stream API's boundary (StreamStore): append
// records and options, partitions, retention limits, and the list cursor (spec §8: byte 0x01
// followed by the last name returned). Bad arguments throw TypeError or RangeError naming
// the argument and its bound.

import { checkBytes, checkInt, checkIntOr } from '../args.ts';
import { fromUtf8, utf8 } from '../codec/bytes.ts';
import { recordHeadersMax, recordValueBytesMax, streamAppendRecordsMax } from '../limits.ts';
import type { StreamHandle, StreamSettings } from './stream_handle.ts';
import { checkStreamName } from './stream_names.ts';
import type {
  AppendOptions, RetentionLimits, StreamRecordInput,
} from './stream_types.ts';

const LIST_CURSOR_TAG = 0x01;

/** The limits of `current` with those `given` replaced (0 removes a limit). */
export function mergeRetention(
  current: StreamSettings['retention'],
  given: RetentionLimits | undefined,
): StreamSettings['retention'] {
  const limit = (value: number | undefined, name: string, fallback: number): number =>
    checkIntOr(value, `retention.${name}`, 0, Number.MAX_SAFE_INTEGER, fallback);
  return {
    maxRecords: limit(given?.maxRecords, 'maxRecords', current.maxRecords),
    maxAgeMs: limit(given?.maxAgeMs, 'maxAgeMs', current.maxAgeMs),
    maxBytes: limit(given?.maxBytes, 'maxBytes', current.maxBytes),
  };
}

/** Checks the records and options of an append. */
export function checkAppend(records: readonly StreamRecordInput[], options: AppendOptions): void {
  if (!Array.isArray(records)) throw new TypeError('records must be an array');
  if (records.length === 0 || records.length > streamAppendRecordsMax) {
    throw new RangeError(`an append takes 1 to ${streamAppendRecordsMax} records, got ` +
      `${records.length}`);
  }
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    checkBytes(record?.payload, `records[${i}].payload`, recordValueBytesMax);
    const headers = record.headers ?? [];
    if (!Array.isArray(headers) || headers.length > recordHeadersMax) {
      throw new RangeError(`records[${i}].headers must be an array of at most ` +
        `${recordHeadersMax} pairs`);
    }
    for (const pair of headers) {
      if (!Array.isArray(pair) || !(pair[0] instanceof Uint8Array) ||
        !(pair[1] instanceof Uint8Array)) {
        throw new TypeError(`records[${i}].headers must be pairs of Uint8Array`);
      }
    }
  }
  if (options.partitionKey !== undefined) {
    checkBytes(options.partitionKey, 'partitionKey', Number.MAX_SAFE_INTEGER);
  }
  checkIntOr(options.timestampMs, 'timestampMs', 0, Number.MAX_SAFE_INTEGER, 0);
}

/** Checks that `partition` exists in `handle` (when given). */
export function checkPartition(partition: number | undefined, handle: StreamHandle): void {
  if (partition !== undefined) checkInt(partition, 'partition', 0, handle.partitions.length - 1);
}

/** The cursor that resumes a list after `name`. */
export function encodeListCursor(name: string): Uint8Array {
  const bytes = utf8(name);
  const cursor = new Uint8Array(bytes.length + 1);
  cursor[0] = LIST_CURSOR_TAG;
  cursor.set(bytes, 1);
  return cursor;
}

/** The name a list cursor resumes after, or null for the first page. */
export function decodeListCursor(cursor: Uint8Array | undefined): Uint8Array | null {
  if (cursor === undefined || cursor.length === 0) return null;
  if (!(cursor instanceof Uint8Array) || cursor[0] !== LIST_CURSOR_TAG) {
    throw new RangeError('invalid cursor');
  }
  const name = cursor.subarray(1);
  checkStreamName(fromUtf8(name), 'cursor');
  return name;
}
