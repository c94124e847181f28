// The properties block of a table: what a reader, the manifest, compaction and the
// inspector want to know without reading the data blocks. Version 1 is a fixed sequence of
// varints followed by the two boundary keys, each length-prefixed; nothing may follow.
//
//   properties := entryCount tombstoneCount dataBlockCount compressedBlockCount
//                 smallestSeq largestSeq rawKeyBytes rawValueBytes dataBytes
//                 uncompressedDataBytes creationTimeMs blockBytesTarget restartInterval
//                 bloomBitsPerKey                             (each a varint)
//                 smallestKeyLength:varint smallestKey largestKeyLength:varint largestKey
//
// Format: docs/format/table.md. Decoding checks every field's range and how the fields
// relate, and a failure is a CorruptionError at the block's offset.

import { assert } from '../assert.ts';
import { readVarint, varintSize, writeVarint } from '../codec/varint.ts';
import type { Cursor } from '../codec/varint.ts';
import { CorruptionError } from '../errors.ts';
import { lsmKeyBytesMax, tableBlocksMax } from '../limits.ts';
import { compareRange } from './internal_key.ts';

/** What a table holds. Sizes are bytes. */
export interface TableProperties {
  /** Entries of every kind. */
  entryCount: number;
  tombstoneCount: number;
  dataBlockCount: number;
  /** Data blocks stored LZ4-compressed. */
  compressedBlockCount: number;
  smallestSeq: number;
  largestSeq: number;
  /** Sum of the user key lengths and of the value lengths of all entries. */
  rawKeyBytes: number;
  rawValueBytes: number;
  /** Data blocks as stored (trailers included), and their payloads before compression. */
  dataBytes: number;
  uncompressedDataBytes: number;
  /** When the writer was created (ms since the epoch, from the caller's clock). */
  creationTimeMs: number;
  blockBytesTarget: number;
  restartInterval: number;
  bloomBitsPerKey: number;
  /** First and last user keys. */
  smallestKey: Uint8Array;
  largestKey: Uint8Array;
}

const NUMBER_FIELDS = [
  'entryCount', 'tombstoneCount', 'dataBlockCount', 'compressedBlockCount', 'smallestSeq',
  'largestSeq', 'rawKeyBytes', 'rawValueBytes', 'dataBytes', 'uncompressedDataBytes',
  'creationTimeMs', 'blockBytesTarget', 'restartInterval', 'bloomBitsPerKey',
] as const;

/** Encodes properties as the payload of the properties block. */
export function encodeProperties(properties: TableProperties): Uint8Array {
  assert(checkProperties(properties) === null, `bad properties: ${checkProperties(properties)}`);
  let size = 0;
  for (const field of NUMBER_FIELDS) size += varintSize(properties[field]);
  for (const key of [properties.smallestKey, properties.largestKey]) {
    size += varintSize(key.length) + key.length;
  }
  const bytes = new Uint8Array(size);
  let position = 0;
  for (const field of NUMBER_FIELDS) position = writeVarint(bytes, position, properties[field]);
  for (const key of [properties.smallestKey, properties.largestKey]) {
    position = writeVarint(bytes, position, key.length);
    bytes.set(key, position);
    position += key.length;
  }
  assert(position === size, 'properties size');
  return bytes;
}

/** Decodes and checks a properties payload read from `path` at `offsetBytes`. */
export function decodeProperties(
  payload: Uint8Array, path: string, offsetBytes: number,
): TableProperties {
  const cursor: Cursor = { buffer: payload, position: 0 };
  const fail = (what: string): CorruptionError =>
    new CorruptionError(path, offsetBytes, `table properties ${what}`);
  const numbers: Partial<Record<(typeof NUMBER_FIELDS)[number], number>> = {};
  const keys: Uint8Array[] = [];
  try {
    for (const field of NUMBER_FIELDS) numbers[field] = readVarint(cursor);
    for (let index = 0; index < 2; index++) {
      const length = readVarint(cursor);
      if (length > lsmKeyBytesMax || cursor.position + length > payload.length) {
        throw fail(`key of ${length} bytes does not fit`);
      }
      keys.push(payload.slice(cursor.position, cursor.position + length));
      cursor.position += length;
    }
  } catch (error) {
    if (error instanceof CorruptionError) throw error;
    throw fail(`are malformed (${(error as Error).message})`);
  }
  if (cursor.position !== payload.length) throw fail('have trailing bytes');
  const properties = { ...numbers, smallestKey: keys[0]!, largestKey: keys[1]! };
  const problem = checkProperties(properties as TableProperties);
  if (problem !== null) throw fail(problem);
  return properties as TableProperties;
}

// Why `properties` cannot describe a table, or null when they can.
function checkProperties(properties: TableProperties): string | null {
  const p = properties;
  if (p.entryCount < 1) return 'count no entries';
  if (p.tombstoneCount > p.entryCount) return 'count more tombstones than entries';
  if (p.dataBlockCount < 1 || p.dataBlockCount > tableBlocksMax) {
    return `count ${p.dataBlockCount} data blocks`;
  }
  if (p.dataBlockCount > p.entryCount) return 'count more data blocks than entries';
  if (p.compressedBlockCount > p.dataBlockCount) return 'count too many compressed blocks';
  if (p.smallestSeq > p.largestSeq) return 'have a seq range that is reversed';
  if (p.restartInterval < 1 || p.bloomBitsPerKey < 1) return 'have a zero parameter';
  const order = compareRange(
    p.smallestKey, 0, p.smallestKey.length, p.largestKey, 0, p.largestKey.length,
  );
  if (order > 0) return 'have a key range that is reversed';
  return null;
}
