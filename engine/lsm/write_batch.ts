// A write batch: puts and deletes the DB applies atomically, and its WAL record. The caller
// fills a WriteBatch; LsmDb.write() seals it with the batch's first sequence number, appends
// the record(s) to the WAL as ONE log batch (so a crash keeps all of it or none of it), and
// inserts the entries into the memtable with consecutive seqs in batch order.
//
//   walRecord := version:u8 baseSeq:u64 LE count:u32 LE entry{count}
//   entry     := kind:u8 keyLength:varint key ( valueLength:varint value )   (value kind only)
//
// Entries are encoded as they are added, after a header left blank until seal(). A batch
// larger than one log record holds is sealed as several records, each a walRecord of its
// own with the right baseSeq. Format: docs/format/wal.md. Part of the on-disk format.

import { assert } from '../assert.ts';
import { writeU32, writeU64, readU32, readU64 } from '../codec/bytes.ts';
import { readVarint, varintSize, writeVarint, type Cursor } from '../codec/varint.ts';
import { CorruptionError } from '../errors.ts';
import { lsmKeyBytesMax, lsmValueBytesMax, recordValueBytesMax } from '../limits.ts';
import { EntryKind, assertSeq, isEntryKind } from './internal_key.ts';

// Part of the on-disk format; do not change.
export const WAL_RECORD_VERSION = 1;
export const WAL_RECORD_HEADER_BYTES = 13;

const empty = new Uint8Array(0);

export class WriteBatch {
  private buffer = new Uint8Array(256);
  private length = WAL_RECORD_HEADER_BYTES;
  private entryCount = 0;
  private payload = 0;

  /** Entries added. */
  get count(): number {
    return this.entryCount;
  }

  /** Encoded bytes so far, header included (what the WAL record will take). */
  get byteLength(): number {
    return this.length;
  }

  /** Key and value bytes of the entries (what a caller stores, without framing). */
  get payloadBytes(): number {
    return this.payload;
  }

  /** Adds a put of `key` = `value` (both copied now). */
  put(key: Uint8Array, value: Uint8Array): void {
    this.putParts(key, empty, value, empty);
  }

  /**
   * Adds a put whose key is `keyHead` + `keyTail` and whose value is `valueHead` +
   * `valueTail`, without concatenating them first (owners prefix keys and values).
   */
  putParts(
    keyHead: Uint8Array, keyTail: Uint8Array, valueHead: Uint8Array, valueTail: Uint8Array,
  ): void {
    const keyLength = keyHead.length + keyTail.length;
    const valueLength = valueHead.length + valueTail.length;
    assert(keyLength <= lsmKeyBytesMax, `key of ${keyLength} bytes above the limit`);
    assert(valueLength <= lsmValueBytesMax, `value of ${valueLength} bytes above the limit`);
    this.reserve(1 + 2 * 8 + keyLength + valueLength);
    const buffer = this.buffer;
    let position = this.length;
    buffer[position++] = EntryKind.value;
    position = writeVarint(buffer, position, keyLength);
    buffer.set(keyHead, position);
    buffer.set(keyTail, position + keyHead.length);
    position = writeVarint(buffer, position + keyLength, valueLength);
    buffer.set(valueHead, position);
    buffer.set(valueTail, position + valueHead.length);
    this.length = position + valueLength;
    this.entryCount += 1;
    this.payload += keyLength + valueLength;
  }

  /** Adds a delete of `key` (copied now). */
  delete(key: Uint8Array): void {
    this.deleteParts(key, empty);
  }

  /** Adds a delete of the key `keyHead` + `keyTail`. */
  deleteParts(keyHead: Uint8Array, keyTail: Uint8Array): void {
    const keyLength = keyHead.length + keyTail.length;
    assert(keyLength <= lsmKeyBytesMax, `key of ${keyLength} bytes above the limit`);
    this.reserve(1 + 8 + keyLength);
    const buffer = this.buffer;
    let position = this.length;
    buffer[position++] = EntryKind.tombstone;
    position = writeVarint(buffer, position, keyLength);
    buffer.set(keyHead, position);
    buffer.set(keyTail, position + keyHead.length);
    this.length = position + keyLength;
    this.entryCount += 1;
    this.payload += keyLength;
  }

  /** Adds every entry of `other`, in order (copied now). */
  addEntriesOf(other: WriteBatch): void {
    const entryBytes = other.length - WAL_RECORD_HEADER_BYTES;
    this.reserve(entryBytes);
    this.buffer.set(other.buffer.subarray(WAL_RECORD_HEADER_BYTES, other.length), this.length);
    this.length += entryBytes;
    this.entryCount += other.entryCount;
    this.payload += other.payload;
  }

  /** Empties the batch for reuse. */
  clear(): void {
    this.length = WAL_RECORD_HEADER_BYTES;
    this.entryCount = 0;
    this.payload = 0;
  }

  /**
   * Writes the header with `baseSeq` and returns the WAL record(s): one view of the batch's
   * buffer, or (above `recordBytesMax`) several records splitting it between entries.
   * The views are valid until the batch is changed.
   */
  seal(baseSeq: number, recordBytesMax = recordValueBytesMax): Uint8Array[] {
    assertSeq(baseSeq);
    assert(this.entryCount > 0, 'seal() of an empty batch');
    const buffer = this.buffer;
    buffer[0] = WAL_RECORD_VERSION;
    writeU64(buffer, 1, baseSeq);
    writeU32(buffer, 9, this.entryCount);
    const whole = buffer.subarray(0, this.length);
    if (this.length <= recordBytesMax) return [whole];
    return splitRecord(whole, recordBytesMax);
  }

  private reserve(extraBytes: number): void {
    if (this.length + extraBytes <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.length + extraBytes) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }
}

/** One entry of a decoded WAL record; key and value are views into the record. */
export type WalEntryVisitor = (
  key: Uint8Array, seq: number, kind: EntryKind, value: Uint8Array,
) => void;

/**
 * Decodes a WAL record, calling `visit` per entry in order; returns {baseSeq, count}.
 * @throws CorruptionError (naming `file` and `offsetBytes`) when the record is malformed:
 * a record passed its log batch's CRC, so this is a writer bug or a format mismatch.
 */
export function decodeWalRecord(
  record: Uint8Array, visit: WalEntryVisitor, file = 'wal', offsetBytes = 0,
): { baseSeq: number; count: number } {
  // No closure per call: this runs once per write on the put path.
  const where: RecordPlace = { file, offsetBytes };
  if (record.length < WAL_RECORD_HEADER_BYTES) {
    corrupt(where, `${record.length} bytes, below the header`);
  }
  if (record[0] !== WAL_RECORD_VERSION) corrupt(where, `unknown version ${record[0]}`);
  let baseSeq = 0;
  try {
    baseSeq = readU64(record, 1);
  } catch {
    corrupt(where, 'sequence number above 2^53');
  }
  const count = readU32(record, 9);
  if (count === 0) corrupt(where, 'no entries');
  const cursor: Cursor = { buffer: record, position: WAL_RECORD_HEADER_BYTES };
  for (let index = 0; index < count; index++) {
    const kind = record[cursor.position++];
    if (kind === undefined || !isEntryKind(kind)) {
      corrupt(where, `entry ${index}: bad kind ${kind}`);
    }
    const key = readSlice(cursor, lsmKeyBytesMax, where);
    const value = kind === EntryKind.value ? readSlice(cursor, lsmValueBytesMax, where) : empty;
    visit(key, baseSeq + index, kind as EntryKind, value);
  }
  if (cursor.position !== record.length) {
    corrupt(where, `${record.length - cursor.position} bytes left`);
  }
  return { baseSeq, count };
}

/** Where a decoded record lies, for the error. */
interface RecordPlace {
  file: string;
  offsetBytes: number;
}

function corrupt(where: RecordPlace, what: string): never {
  throw new CorruptionError(where.file, where.offsetBytes, `Cannot decode WAL record: ${what}`);
}

function readSlice(cursor: Cursor, bytesMax: number, where: RecordPlace): Uint8Array {
  let length = 0;
  try {
    length = readVarint(cursor);
  } catch (error) {
    corrupt(where, error instanceof Error ? error.message : String(error));
  }
  if (length > bytesMax) corrupt(where, `length ${length} above the limit ${bytesMax}`);
  const start = cursor.position;
  if (start + length > cursor.buffer.length) corrupt(where, 'entry runs past the record');
  cursor.position = start + length;
  return cursor.buffer.subarray(start, start + length);
}

// Splits an oversized record between entries into records of at most `bytesMax` bytes
// (a single entry larger than that is its own record; the log's limit bounds it).
function splitRecord(whole: Uint8Array, bytesMax: number): Uint8Array[] {
  const records: Uint8Array[] = [];
  const cursor: Cursor = { buffer: whole, position: WAL_RECORD_HEADER_BYTES };
  let seq = readU64(whole, 1);
  let chunkStart = cursor.position;
  let chunkCount = 0;
  const emit = (end: number): void => {
    const record = new Uint8Array(WAL_RECORD_HEADER_BYTES + end - chunkStart);
    record[0] = WAL_RECORD_VERSION;
    writeU64(record, 1, seq);
    writeU32(record, 9, chunkCount);
    record.set(whole.subarray(chunkStart, end), WAL_RECORD_HEADER_BYTES);
    records.push(record);
    seq += chunkCount;
    chunkStart = end;
    chunkCount = 0;
  };
  while (cursor.position < whole.length) {
    const entryStart = cursor.position;
    const kind = whole[cursor.position++]!;
    const keyLength = readVarint(cursor);
    cursor.position += keyLength;
    if (kind === EntryKind.value) {
      const valueLength = readVarint(cursor);
      cursor.position += valueLength;
    }
    const sizeWith = WAL_RECORD_HEADER_BYTES + cursor.position - chunkStart;
    if (chunkCount > 0 && sizeWith > bytesMax) emit(entryStart);
    chunkCount += 1;
  }
  emit(whole.length);
  assert(records.length >= 1, 'a split record has parts');
  return records;
}

/** Bytes an entry adds to a batch (for callers bounding a batch before building it). */
export function walEntryBytes(keyLength: number, valueLength: number | null): number {
  const valuePart = valueLength === null ? 0 : varintSize(valueLength) + valueLength;
  return 1 + varintSize(keyLength) + keyLength + valuePart;
}
