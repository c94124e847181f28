// A version edit: one change to the DB's set of live tables, as the manifest records it
// (LevelDB VersionEdit). A flush adds a table to L0 and moves walOffset; a compaction
// removes its inputs and adds its outputs; a manifest rewrite starts with one edit holding
// the whole state. Fields are tagged so an edit carries only what changed.
//
//   edit      := field*
//   field     := 0x01 walOffset:varint | 0x02 lastSeq:varint | 0x03 nextFileNumber:varint
//              | 0x04 addTable | 0x05 level:u8 fileNumber:varint          (remove a table)
//   addTable  := level:u8 fileNumber:varint sizeBytes:varint entryCount:varint
//                smallestSeq:varint largestSeq:varint
//                smallestKeyLength:varint smallestKey largestKeyLength:varint largestKey
//
// Decoding rejects an unknown tag, a level above the limit, a length above its limit before
// using it, and bytes left over. Format: docs/format/manifest.md. Part of the on-disk format.

import { assert } from '../assert.ts';
import { readVarint, varintSize, writeVarint, type Cursor } from '../codec/varint.ts';
import { levelCountMax, lsmKeyBytesMax, tableFileNumberMax } from '../limits.ts';
import { compareRange } from './internal_key.ts';

// Part of the on-disk format; do not change.
export const EditTag = {
  walOffset: 0x01,
  lastSeq: 0x02,
  nextFileNumber: 0x03,
  addTable: 0x04,
  removeTable: 0x05,
} as const;

/** What the manifest knows about a table without opening it. */
export interface TableMeta {
  fileNumber: number;
  sizeBytes: number;
  entryCount: number;
  smallestSeq: number;
  largestSeq: number;
  smallestKey: Uint8Array;
  largestKey: Uint8Array;
}

export interface AddedTable {
  level: number;
  table: TableMeta;
}

export interface RemovedTable {
  level: number;
  fileNumber: number;
}

export interface VersionEdit {
  /** WAL records below this offset are all in tables. */
  walOffset?: number;
  /** The largest seq in any table (recovery takes the max with the replayed WAL). */
  lastSeq?: number;
  /** File numbers below this were handed out. */
  nextFileNumber?: number;
  added: AddedTable[];
  removed: RemovedTable[];
}

/** Asserts the fields a table's meta must satisfy (before encoding, after decoding). */
export function checkTableMeta(meta: TableMeta): string | null {
  if (meta.fileNumber < 1 || meta.fileNumber > tableFileNumberMax) {
    return `file number ${meta.fileNumber} out of range`;
  }
  if (meta.entryCount < 1) return 'a table without entries';
  if (meta.smallestSeq > meta.largestSeq) return 'smallestSeq above largestSeq';
  const order = compareRange(meta.smallestKey, 0, meta.smallestKey.length,
    meta.largestKey, 0, meta.largestKey.length);
  if (order > 0) return 'smallest key above largest key';
  return null;
}

/** Encodes an edit. */
export function encodeEdit(edit: VersionEdit): Uint8Array {
  let size = 0;
  const scalar = (value: number | undefined): void => {
    if (value !== undefined) size += 1 + varintSize(value);
  };
  scalar(edit.walOffset);
  scalar(edit.lastSeq);
  scalar(edit.nextFileNumber);
  for (const { table } of edit.added) {
    const problem = checkTableMeta(table);
    assert(problem === null, `encoding a bad table: ${problem}`);
    size += 2 + varintSize(table.fileNumber) + varintSize(table.sizeBytes) +
      varintSize(table.entryCount) + varintSize(table.smallestSeq) +
      varintSize(table.largestSeq) + varintSize(table.smallestKey.length) +
      table.smallestKey.length + varintSize(table.largestKey.length) + table.largestKey.length;
  }
  for (const removed of edit.removed) size += 2 + varintSize(removed.fileNumber);
  const out = new Uint8Array(size);
  let position = 0;
  const put = (tag: number, value: number | undefined): void => {
    if (value === undefined) return;
    out[position++] = tag;
    position = writeVarint(out, position, value);
  };
  put(EditTag.walOffset, edit.walOffset);
  put(EditTag.lastSeq, edit.lastSeq);
  put(EditTag.nextFileNumber, edit.nextFileNumber);
  for (const { level, table } of edit.added) {
    assert(level >= 0 && level < levelCountMax, `level ${level}`);
    out[position++] = EditTag.addTable;
    out[position++] = level;
    for (const value of [table.fileNumber, table.sizeBytes, table.entryCount,
      table.smallestSeq, table.largestSeq]) position = writeVarint(out, position, value);
    for (const key of [table.smallestKey, table.largestKey]) {
      position = writeVarint(out, position, key.length);
      out.set(key, position);
      position += key.length;
    }
  }
  for (const { level, fileNumber } of edit.removed) {
    assert(level >= 0 && level < levelCountMax, `level ${level}`);
    out[position++] = EditTag.removeTable;
    out[position++] = level;
    position = writeVarint(out, position, fileNumber);
  }
  assert(position === size, `edit encoded ${position} of ${size} bytes`);
  return out;
}

/**
 * Decodes an edit. Keys are copied (the edit outlives the manifest's buffer).
 * @returns the edit, or a string saying what is wrong.
 */
export function decodeEdit(bytes: Uint8Array): VersionEdit | string {
  const cursor: Cursor = { buffer: bytes, position: 0 };
  const edit: VersionEdit = { added: [], removed: [] };
  try {
    while (cursor.position < bytes.length) {
      const tag = bytes[cursor.position++]!;
      if (tag === EditTag.walOffset) edit.walOffset = readVarint(cursor);
      else if (tag === EditTag.lastSeq) edit.lastSeq = readVarint(cursor);
      else if (tag === EditTag.nextFileNumber) edit.nextFileNumber = readVarint(cursor);
      else if (tag === EditTag.addTable) edit.added.push(decodeAdded(cursor));
      else if (tag === EditTag.removeTable) {
        const level = readLevel(cursor);
        edit.removed.push({ level, fileNumber: readVarint(cursor) });
      } else return `unknown field tag 0x${tag.toString(16)} at byte ${cursor.position - 1}`;
    }
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return edit;
}

function readLevel(cursor: Cursor): number {
  if (cursor.position >= cursor.buffer.length) throw new RangeError('truncated level');
  const level = cursor.buffer[cursor.position++]!;
  if (level >= levelCountMax) throw new RangeError(`level ${level} above the limit`);
  return level;
}

function decodeAdded(cursor: Cursor): AddedTable {
  const level = readLevel(cursor);
  const fileNumber = readVarint(cursor);
  const sizeBytes = readVarint(cursor);
  const entryCount = readVarint(cursor);
  const smallestSeq = readVarint(cursor);
  const largestSeq = readVarint(cursor);
  const smallestKey = readKey(cursor);
  const largestKey = readKey(cursor);
  const table = { fileNumber, sizeBytes, entryCount, smallestSeq, largestSeq, smallestKey,
    largestKey };
  const problem = checkTableMeta(table);
  if (problem !== null) throw new RangeError(`table ${fileNumber}: ${problem}`);
  return { level, table };
}

function readKey(cursor: Cursor): Uint8Array {
  const length = readVarint(cursor);
  if (length > lsmKeyBytesMax) throw new RangeError(`key length ${length} above the limit`);
  const end = cursor.position + length;
  if (end > cursor.buffer.length) throw new RangeError('key runs past the edit');
  const key = cursor.buffer.slice(cursor.position, end);
  cursor.position = end;
  return key;
}
