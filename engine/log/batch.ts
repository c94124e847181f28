// The record batch: the unit a segmented log writes, checksums and recovers. Pure functions
// over Uint8Array, no I/O. Full description: docs/format/segment.md.
//
//   batch  := header(48) body
//   header := magic:4 "FLOG" | crc32:u32 | bodyBytes:u32 | version:u8 | attributes:u8
//             | reserved:u16 | baseOffset:u64 | recordCount:u32 | rawBodyBytes:u32
//             | firstTimestampMs:i64 | maxTimestampMs:i64          (all little-endian)
//   body   := record{recordCount}, LZ4-compressed as a whole when attributes say so
//   record := recordBytes:varint | timestampDelta:varint | offsetDelta:varint
//             | keyLength+1:varint (0 = no key) | key | valueLength:varint | value
//             | headerCount:varint | (hkLength:varint | hk | hvLength:varint | hv)*
//
// The CRC covers every byte after the CRC field (bodyBytes through the end of the body), so
// a flipped length is caught like a flipped payload byte. Invariants checked on both encode
// and decode: recordCount >= 1, offsetDelta == record index, timestamps non-decreasing from
// firstTimestampMs and at most maxTimestampMs, every length inside its limit and its batch.

import { compressSync, uncompressSync } from 'lz4-napi';
import { assert } from '../assert.ts';
import { crc32 } from '../codec/crc32.ts';
import {
  readI64, readU16, readU32, readU64, writeI64, writeU32, writeU64,
} from '../codec/bytes.ts';
import { readVarint, varintSize, writeVarint, type Cursor } from '../codec/varint.ts';
import {
  batchBytesMax, batchRecordsMax, recordHeadersMax, recordKeyBytesMax, recordValueBytesMax,
} from '../limits.ts';

// Part of the on-disk format; do not change.
export const BATCH_MAGIC = 0x474f4c46; // "FLOG" read as u32 LE
export const BATCH_VERSION = 1;
export const BATCH_HEADER_BYTES = 48;
export const Compression = { none: 0, lz4: 1 } as const;
export type Compression = (typeof Compression)[keyof typeof Compression];
const ATTRIBUTE_COMPRESSION_MASK = 0x07;

/** A record as given to append. */
export interface LogRecordInput {
  key?: Uint8Array | null;
  value: Uint8Array;
  headers?: ReadonlyArray<readonly [Uint8Array, Uint8Array]>;
  /** Requested timestamp (ms since the epoch); the log stores max(this or now, previous). */
  timestampMs?: number;
}

/** A record as read back: views into the batch's buffer (copy them to keep them long). */
export interface LogRecord {
  offset: number;
  timestampMs: number;
  key: Uint8Array | null;
  value: Uint8Array;
  headers: ReadonlyArray<readonly [Uint8Array, Uint8Array]>;
}

/** The fixed header of a batch, decoded. */
export interface BatchHeader {
  crc: number;
  bodyBytes: number;
  version: number;
  compression: Compression;
  baseOffset: number;
  recordCount: number;
  rawBodyBytes: number;
  firstTimestampMs: number;
  maxTimestampMs: number;
}

const noHeaders: ReadonlyArray<readonly [Uint8Array, Uint8Array]> = Object.freeze([]);

function recordBodySize(record: LogRecordInput, timestampDelta: number, index: number): number {
  const key = record.key ?? null;
  let size = varintSize(timestampDelta) + varintSize(index);
  size += key === null ? 1 : varintSize(key.length + 1) + key.length;
  size += varintSize(record.value.length) + record.value.length;
  const headers = record.headers ?? noHeaders;
  size += varintSize(headers.length);
  for (const [name, value] of headers) {
    size += varintSize(name.length) + name.length + varintSize(value.length) + value.length;
  }
  return size;
}

function writeBytes(buffer: Uint8Array, position: number, bytes: Uint8Array): number {
  const next = writeVarint(buffer, position, bytes.length);
  buffer.set(bytes, next);
  return next + bytes.length;
}

/** Checks one input record against the limits; throws RangeError/TypeError naming it. */
export function checkRecordInput(record: LogRecordInput, index: number): void {
  if (!(record.value instanceof Uint8Array)) {
    throw new TypeError(`record ${index}: value must be a Uint8Array`);
  }
  if (record.value.length > recordValueBytesMax) {
    throw new RangeError(
      `record ${index}: value is ${record.value.length} bytes; the limit is ${recordValueBytesMax}`,
    );
  }
  const key = record.key ?? null;
  if (key !== null && !(key instanceof Uint8Array)) {
    throw new TypeError(`record ${index}: key must be a Uint8Array or null`);
  }
  if (key !== null && key.length > recordKeyBytesMax) {
    throw new RangeError(
      `record ${index}: key is ${key.length} bytes; the limit is ${recordKeyBytesMax}`,
    );
  }
  const headers = record.headers ?? noHeaders;
  if (headers.length > recordHeadersMax) {
    throw new RangeError(
      `record ${index}: ${headers.length} headers; the limit is ${recordHeadersMax}`);
  }
  for (const pair of headers) {
    if (!(pair[0] instanceof Uint8Array) || !(pair[1] instanceof Uint8Array)) {
      throw new TypeError(`record ${index}: headers must be pairs of Uint8Array`);
    }
  }
  const timestampMs = record.timestampMs;
  if (timestampMs !== undefined && (!Number.isSafeInteger(timestampMs) || timestampMs < 0)) {
    throw new RangeError(`record ${index}: timestampMs must be a non-negative integer`);
  }
}

/** What encodeBatch needs besides the records. */
export interface BatchSpec {
  baseOffset: number;
  /** One timestamp per record, non-decreasing. */
  timestampsMs: ArrayLike<number>;
  compression: Compression;
}

/**
 * Encodes `records` as one batch. REQUIRES: records checked with checkRecordInput, at least
 * one record, timestamps non-decreasing. Throws RangeError when the batch exceeds
 * batchBytesMax. LZ4 is used only when it makes the body smaller.
 */
export function encodeBatch(records: readonly LogRecordInput[], spec: BatchSpec): Uint8Array {
  return encodeBatchWithHeader(records, spec).bytes;
}

/** encodeBatch, also returning the header it wrote (saves decoding it again). */
export function encodeBatchWithHeader(
  records: readonly LogRecordInput[],
  spec: BatchSpec,
): { bytes: Uint8Array; header: BatchHeader } {
  assert(records.length >= 1, 'a batch holds at least one record');
  assert(spec.timestampsMs.length === records.length, 'one timestamp per record');
  if (records.length > batchRecordsMax) {
    throw new RangeError(`batch of ${records.length} records; the limit is ${batchRecordsMax}`);
  }
  const firstTimestampMs = spec.timestampsMs[0]!;
  const maxTimestampMs = spec.timestampsMs[records.length - 1]!;
  let rawBodyBytes = 0;
  const sizes = new Array<number>(records.length);
  for (let i = 0; i < records.length; i++) {
    const delta = spec.timestampsMs[i]! - firstTimestampMs;
    assert(delta >= 0 && (i === 0 || spec.timestampsMs[i]! >= spec.timestampsMs[i - 1]!),
      'timestamps must not decrease within a batch');
    const size = recordBodySize(records[i]!, delta, i);
    sizes[i] = size;
    rawBodyBytes += varintSize(size) + size;
  }
  if (BATCH_HEADER_BYTES + rawBodyBytes > batchBytesMax) {
    throw new RangeError(`batch of ${rawBodyBytes} bytes; the limit is ${batchBytesMax}`);
  }
  const raw = new Uint8Array(BATCH_HEADER_BYTES + rawBodyBytes);
  let position = BATCH_HEADER_BYTES;
  for (let i = 0; i < records.length; i++) {
    position = encodeRecordBody(raw, position, records[i]!, sizes[i]!,
      spec.timestampsMs[i]! - firstTimestampMs, i);
  }
  assert(position === raw.length, 'batch size accounting is off');
  let batch = raw;
  let compression: Compression = Compression.none;
  if (spec.compression === Compression.lz4) {
    const compressed = compressSync(Buffer.from(raw.buffer, BATCH_HEADER_BYTES, rawBodyBytes));
    if (compressed.length < rawBodyBytes) {
      batch = new Uint8Array(BATCH_HEADER_BYTES + compressed.length);
      batch.set(compressed, BATCH_HEADER_BYTES);
      compression = Compression.lz4;
    }
  }
  const header: BatchHeader = {
    crc: 0, bodyBytes: batch.length - BATCH_HEADER_BYTES, version: BATCH_VERSION, compression,
    baseOffset: spec.baseOffset, recordCount: records.length, rawBodyBytes,
    firstTimestampMs, maxTimestampMs,
  };
  header.crc = writeBatchHeader(batch, header);
  return { bytes: batch, header };
}

function encodeRecordBody(
  buffer: Uint8Array,
  start: number,
  record: LogRecordInput,
  size: number,
  timestampDelta: number,
  index: number,
): number {
  let position = writeVarint(buffer, start, size);
  const bodyStart = position;
  position = writeVarint(buffer, position, timestampDelta);
  position = writeVarint(buffer, position, index);
  const key = record.key ?? null;
  if (key === null) {
    buffer[position++] = 0;
  } else {
    position = writeVarint(buffer, position, key.length + 1);
    buffer.set(key, position);
    position += key.length;
  }
  position = writeBytes(buffer, position, record.value);
  const headers = record.headers ?? noHeaders;
  position = writeVarint(buffer, position, headers.length);
  for (const [name, value] of headers) {
    position = writeBytes(buffer, position, name);
    position = writeBytes(buffer, position, value);
  }
  assert(position - bodyStart === size, 'record size accounting is off');
  return position;
}

// Writes the header fields and the CRC; returns the CRC.
function writeBatchHeader(batch: Uint8Array, header: BatchHeader): number {
  writeU32(batch, 0, BATCH_MAGIC);
  writeU32(batch, 8, header.bodyBytes);
  batch[12] = header.version;
  batch[13] = header.compression;
  batch[14] = 0;
  batch[15] = 0;
  writeU64(batch, 16, header.baseOffset);
  writeU32(batch, 24, header.recordCount);
  writeU32(batch, 28, header.rawBodyBytes);
  writeI64(batch, 32, header.firstTimestampMs);
  writeI64(batch, 40, header.maxTimestampMs);
  const crc = crc32(batch.subarray(8));
  writeU32(batch, 4, crc);
  return crc;
}

/** Why a header or batch is not valid; null when it is. */
export type BatchProblem = string | null;

/**
 * Decodes and checks the fixed header at `position` (48 bytes must be there). Returns the
 * header or a problem: bad magic, unknown version or attributes, a length above the limits.
 * The CRC is checked by checkBatchCrc once the body is in memory.
 */
export function decodeBatchHeader(buffer: Uint8Array, position: number): BatchHeader | string {
  assert(buffer.length - position >= BATCH_HEADER_BYTES, 'header bytes missing');
  if (readU32(buffer, position) !== BATCH_MAGIC) return 'bad batch magic';
  const version = buffer[position + 12]!;
  if (version !== BATCH_VERSION) return `unknown batch version ${version}`;
  const attributes = buffer[position + 13]!;
  const compression = attributes & ATTRIBUTE_COMPRESSION_MASK;
  if (attributes !== compression || compression > Compression.lz4) {
    return `unknown batch attributes 0x${attributes.toString(16)}`;
  }
  if (readU16(buffer, position + 14) !== 0) return 'non-zero reserved bytes';
  const bodyBytes = readU32(buffer, position + 8);
  const rawBodyBytes = readU32(buffer, position + 28);
  const recordCount = readU32(buffer, position + 24);
  if (bodyBytes + BATCH_HEADER_BYTES > batchBytesMax) return `batch length ${bodyBytes} too large`;
  if (rawBodyBytes + BATCH_HEADER_BYTES > batchBytesMax) {
    return `raw length ${rawBodyBytes} too large`;
  }
  if (recordCount < 1 || recordCount > batchRecordsMax) return `record count ${recordCount}`;
  let baseOffset: number;
  let firstTimestampMs: number;
  let maxTimestampMs: number;
  try {
    baseOffset = readU64(buffer, position + 16);
    firstTimestampMs = readI64(buffer, position + 32);
    maxTimestampMs = readI64(buffer, position + 40);
  } catch (error) {
    return (error as Error).message;
  }
  if (maxTimestampMs < firstTimestampMs) return 'max timestamp below first timestamp';
  return {
    crc: readU32(buffer, position + 4), bodyBytes, version, compression: compression as Compression,
    baseOffset, recordCount, rawBodyBytes, firstTimestampMs, maxTimestampMs,
  };
}

/** True when the CRC stored in the batch at `position` matches its bytes. */
export function checkBatchCrc(buffer: Uint8Array, position: number, header: BatchHeader): boolean {
  const end = position + BATCH_HEADER_BYTES + header.bodyBytes;
  assert(end <= buffer.length, 'batch body not in buffer');
  return crc32(buffer.subarray(position + 8, end)) === header.crc;
}

/**
 * Decodes the records of a CRC-checked batch at `position`, pushing those at offsets
 * >= `fromOffset` into `out` (at most `maxRecords`). Returns a problem string when the
 * body does not parse (a corrupt batch whose CRC happened to match, or a bug), else null.
 */
export function decodeBatchRecords(
  buffer: Uint8Array,
  position: number,
  header: BatchHeader,
  fromOffset: number,
  maxRecords: number,
  out: LogRecord[],
): BatchProblem {
  let body = buffer.subarray(position + BATCH_HEADER_BYTES,
    position + BATCH_HEADER_BYTES + header.bodyBytes);
  if (header.compression === Compression.lz4) {
    try {
      const raw = uncompressSync(Buffer.from(body.buffer, body.byteOffset, body.length));
      body = new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
    } catch (error) {
      return `lz4 body does not decompress: ${(error as Error).message}`;
    }
  }
  if (body.length !== header.rawBodyBytes) return 'raw body length mismatch';
  const cursor: Cursor = { buffer: body, position: 0 };
  try {
    for (let index = 0; index < header.recordCount; index++) {
      const record = decodeRecord(cursor, header, index);
      if (record.offset >= fromOffset && out.length < maxRecords) out.push(record);
    }
  } catch (error) {
    return `record does not parse: ${(error as Error).message}`;
  }
  if (cursor.position !== body.length) return 'bytes after the last record';
  return null;
}

function readBytes(cursor: Cursor, end: number, length: number): Uint8Array {
  if (length > end - cursor.position) throw new RangeError('length runs past the record');
  const bytes = cursor.buffer.subarray(cursor.position, cursor.position + length);
  cursor.position += length;
  return bytes;
}

function decodeRecord(cursor: Cursor, header: BatchHeader, index: number): LogRecord {
  const size = readVarint(cursor);
  const end = cursor.position + size;
  if (end > cursor.buffer.length) throw new RangeError('record runs past the batch');
  const timestampMs = header.firstTimestampMs + readVarint(cursor);
  if (timestampMs > header.maxTimestampMs) throw new RangeError('timestamp above batch max');
  if (readVarint(cursor) !== index) throw new RangeError('offset delta is not the record index');
  const keyCode = readVarint(cursor);
  const key = keyCode === 0 ? null : readBytes(cursor, end, keyCode - 1);
  const value = readBytes(cursor, end, readVarint(cursor));
  const headerCount = readVarint(cursor);
  if (headerCount > recordHeadersMax) throw new RangeError('too many headers');
  let headers = noHeaders;
  if (headerCount > 0) {
    const pairs: Array<readonly [Uint8Array, Uint8Array]> = [];
    for (let i = 0; i < headerCount; i++) {
      const name = readBytes(cursor, end, readVarint(cursor));
      pairs.push([name, readBytes(cursor, end, readVarint(cursor))]);
    }
    headers = pairs;
  }
  if (cursor.position !== end) throw new RangeError('record length mismatch');
  return { offset: header.baseOffset + index, timestampMs, key, value, headers };
}

/** Total bytes of the batch whose header is given. */
export function batchBytes(header: BatchHeader): number {
  return BATCH_HEADER_BYTES + header.bodyBytes;
}
