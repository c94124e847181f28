// The sparse offset and timestamp indexes of one segment, in memory and in their two files.
// One entry per ~indexIntervalBytes of batches (always one for the first batch): the offset
// index maps a batch's relative offset to its byte position, the timestamp index maps the
// batch's first timestamp to its relative offset. Lookups give a batch to start scanning
// from; the scan finds the exact record. Format and recovery: docs/format/index.md.
//
//   file    := header(16) entry* footer        (footer only once the segment is sealed)
//   header  := magic:u32 | version:u8 | kind:u8 | reserved:u16 | baseOffset:u64
//   .idx entry := relativeOffset:u32 | position:u32                       (8 bytes)
//   .tix entry := timestampMs:i64 | relativeOffset:u32                     (12 bytes)
//   .idx footer := entryCount:u32 | segmentBytes:u32 | nextOffset:u64 | firstTimestampMs:i64
//                  | maxTimestampMs:i64 | entriesCrc:u32 | footerCrc:u32 | footerMagic:u32
//   .tix footer := entryCount:u32 | entriesCrc:u32 | footerCrc:u32 | footerMagic:u32
// entriesCrc covers header + entries; footerCrc covers the footer fields before it. An index
// is a cache: a missing, short or inconsistent one is rebuilt from its segment, never trusted.

import { assert } from '../assert.ts';
import { crc32 } from '../codec/crc32.ts';
import { readI64, readU32, readU64, writeI64, writeU32, writeU64 } from '../codec/bytes.ts';

// Part of the on-disk format; do not change.
export const INDEX_MAGIC = 0x58444e49; // "INDX" read as u32 LE
export const INDEX_FOOTER_MAGIC = 0x444e4549; // "IEND"
export const INDEX_VERSION = 1;
export const INDEX_HEADER_BYTES = 16;
export const OFFSET_ENTRY_BYTES = 8;
export const TIME_ENTRY_BYTES = 12;
export const OFFSET_FOOTER_BYTES = 44;
export const TIME_FOOTER_BYTES = 16;
export const IndexKind = { offset: 1, time: 2 } as const;
export type IndexKind = (typeof IndexKind)[keyof typeof IndexKind];

/** What a sealed segment's offset-index footer records about the segment. */
export interface SegmentSummary {
  segmentBytes: number;
  nextOffset: number;
  firstTimestampMs: number;
  maxTimestampMs: number;
}

/** The sampled entries of one segment. Entries are appended in segment order. */
export class SparseIndex {
  readonly baseOffset: number;
  readonly intervalBytes: number;
  relativeOffsets: number[] = [];
  positions: number[] = [];
  timestampsMs: number[] = [];
  private nextSamplePosition = 0;

  constructor(baseOffset: number, intervalBytes: number) {
    assert(intervalBytes > 0, 'index interval must be positive');
    this.baseOffset = baseOffset;
    this.intervalBytes = intervalBytes;
  }

  /** Records a batch written at `position`; samples it when the interval has passed. */
  noteBatch(position: number, baseOffset: number, firstTimestampMs: number): void {
    if (position < this.nextSamplePosition) return;
    const count = this.positions.length;
    assert(count === 0 || position > this.positions[count - 1]!, 'index positions must grow');
    assert(baseOffset >= this.baseOffset, 'batch below the segment base');
    this.relativeOffsets.push(baseOffset - this.baseOffset);
    this.positions.push(position);
    this.timestampsMs.push(firstTimestampMs);
    this.nextSamplePosition = position + this.intervalBytes;
  }

  /** Drops every entry at or past `position` (after a truncation). */
  truncateAt(position: number): void {
    let count = this.positions.length;
    while (count > 0 && this.positions[count - 1]! >= position) count -= 1;
    this.relativeOffsets.length = count;
    this.positions.length = count;
    this.timestampsMs.length = count;
    this.nextSamplePosition = count === 0 ? 0 : this.positions[count - 1]! + this.intervalBytes;
  }

  /** Position of the last sampled batch starting at or below `offset` (0 if none). */
  positionForOffset(offset: number): number {
    const relative = offset - this.baseOffset;
    const index = lastAtOrBelow(this.relativeOffsets, relative);
    return index < 0 ? 0 : this.positions[index]!;
  }

  /**
   * Position of the last sampled batch whose first timestamp is below `timestampMs`: every
   * record before it is older, so the first record at or after `timestampMs` is at or past it.
   */
  positionForTimestamp(timestampMs: number): number {
    const index = lastAtOrBelow(this.timestampsMs, timestampMs - 1);
    return index < 0 ? 0 : this.positions[index]!;
  }

  get entryCount(): number {
    return this.positions.length;
  }
}

// Index of the last element <= target in a non-decreasing array, or -1.
function lastAtOrBelow(values: readonly number[], target: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (values[middle]! <= target) low = middle + 1;
    else high = middle;
  }
  return low - 1;
}

function encodeHeader(buffer: Uint8Array, kind: IndexKind, baseOffset: number): void {
  writeU32(buffer, 0, INDEX_MAGIC);
  buffer[4] = INDEX_VERSION;
  buffer[5] = kind;
  writeU64(buffer, 8, baseOffset);
}

/** The sealed offset-index file (.idx) of a segment. */
export function encodeOffsetIndex(index: SparseIndex, summary: SegmentSummary): Uint8Array {
  const count = index.entryCount;
  const entriesEnd = INDEX_HEADER_BYTES + count * OFFSET_ENTRY_BYTES;
  const file = new Uint8Array(entriesEnd + OFFSET_FOOTER_BYTES);
  encodeHeader(file, IndexKind.offset, index.baseOffset);
  for (let i = 0; i < count; i++) {
    const at = INDEX_HEADER_BYTES + i * OFFSET_ENTRY_BYTES;
    writeU32(file, at, index.relativeOffsets[i]!);
    writeU32(file, at + 4, index.positions[i]!);
  }
  writeU32(file, entriesEnd, count);
  writeU32(file, entriesEnd + 4, summary.segmentBytes);
  writeU64(file, entriesEnd + 8, summary.nextOffset);
  writeI64(file, entriesEnd + 16, summary.firstTimestampMs);
  writeI64(file, entriesEnd + 24, summary.maxTimestampMs);
  writeU32(file, entriesEnd + 32, crc32(file.subarray(0, entriesEnd)));
  writeU32(file, entriesEnd + 36, crc32(file.subarray(entriesEnd, entriesEnd + 36)));
  writeU32(file, entriesEnd + 40, INDEX_FOOTER_MAGIC);
  return file;
}

/** The sealed timestamp-index file (.tix) of a segment. */
export function encodeTimeIndex(index: SparseIndex): Uint8Array {
  const count = index.entryCount;
  const entriesEnd = INDEX_HEADER_BYTES + count * TIME_ENTRY_BYTES;
  const file = new Uint8Array(entriesEnd + TIME_FOOTER_BYTES);
  encodeHeader(file, IndexKind.time, index.baseOffset);
  for (let i = 0; i < count; i++) {
    const at = INDEX_HEADER_BYTES + i * TIME_ENTRY_BYTES;
    writeI64(file, at, index.timestampsMs[i]!);
    writeU32(file, at + 8, index.relativeOffsets[i]!);
  }
  writeU32(file, entriesEnd, count);
  writeU32(file, entriesEnd + 4, crc32(file.subarray(0, entriesEnd)));
  writeU32(file, entriesEnd + 8, crc32(file.subarray(entriesEnd, entriesEnd + 8)));
  writeU32(file, entriesEnd + 12, INDEX_FOOTER_MAGIC);
  return file;
}

function checkHeader(file: Uint8Array, kind: IndexKind, baseOffset: number): string | null {
  if (file.length < INDEX_HEADER_BYTES) return 'shorter than its header';
  if (readU32(file, 0) !== INDEX_MAGIC) return 'bad magic';
  if (file[4] !== INDEX_VERSION) return `unknown version ${file[4]}`;
  if (file[5] !== kind) return `wrong kind ${file[5]}`;
  if (readU64(file, 8) !== baseOffset) return 'base offset does not match the segment';
  return null;
}

/** A decoded, verified offset index, or the reason it cannot be used. */
export function decodeOffsetIndex(
  file: Uint8Array,
  baseOffset: number,
  intervalBytes: number,
  segmentBytes: number,
): { index: SparseIndex; summary: SegmentSummary } | string {
  try {
    return decodeOffsetIndexUnchecked(file, baseOffset, intervalBytes, segmentBytes);
  } catch (error) {
    if (error instanceof RangeError) return error.message; // a u64 above 2^53
    throw error;
  }
}

function decodeOffsetIndexUnchecked(
  file: Uint8Array,
  baseOffset: number,
  intervalBytes: number,
  segmentBytes: number,
): { index: SparseIndex; summary: SegmentSummary } | string {
  const headerProblem = checkHeader(file, IndexKind.offset, baseOffset);
  if (headerProblem !== null) return headerProblem;
  if (file.length < INDEX_HEADER_BYTES + OFFSET_FOOTER_BYTES) return 'no footer';
  const footer = file.length - OFFSET_FOOTER_BYTES;
  if (readU32(file, footer + 40) !== INDEX_FOOTER_MAGIC) return 'no footer';
  if (crc32(file.subarray(footer, footer + 36)) !== readU32(file, footer + 36)) {
    return 'footer checksum mismatch';
  }
  const count = readU32(file, footer);
  if (INDEX_HEADER_BYTES + count * OFFSET_ENTRY_BYTES !== footer) return 'entry count mismatch';
  if (crc32(file.subarray(0, footer)) !== readU32(file, footer + 32)) {
    return 'entries checksum mismatch';
  }
  const summary: SegmentSummary = {
    segmentBytes: readU32(file, footer + 4),
    nextOffset: readU64(file, footer + 8),
    firstTimestampMs: readI64(file, footer + 16),
    maxTimestampMs: readI64(file, footer + 24),
  };
  if (summary.segmentBytes !== segmentBytes) return 'segment size does not match the segment';
  if (summary.nextOffset <= baseOffset) return 'sealed segment without records';
  const index = new SparseIndex(baseOffset, intervalBytes);
  for (let i = 0; i < count; i++) {
    const at = INDEX_HEADER_BYTES + i * OFFSET_ENTRY_BYTES;
    const relative = readU32(file, at);
    const position = readU32(file, at + 4);
    if (position >= segmentBytes) return `entry ${i} points past the data`;
    const previous = i - 1;
    if (i > 0 &&
      (position <= index.positions[previous]! || relative < index.relativeOffsets[previous]!)) {
      return `entry ${i} out of order`;
    }
    index.relativeOffsets.push(relative);
    index.positions.push(position);
    index.timestampsMs.push(summary.firstTimestampMs);
  }
  if (count === 0 || index.positions[0] !== 0) return 'first batch not indexed';
  return { index, summary };
}

/** Fills `index.timestampsMs` from a .tix file; returns the reason when it cannot. */
export function decodeTimeIndexInto(file: Uint8Array, index: SparseIndex): string | null {
  try {
    return decodeTimeIndexIntoUnchecked(file, index);
  } catch (error) {
    if (error instanceof RangeError) return error.message;
    throw error;
  }
}

function decodeTimeIndexIntoUnchecked(file: Uint8Array, index: SparseIndex): string | null {
  const headerProblem = checkHeader(file, IndexKind.time, index.baseOffset);
  if (headerProblem !== null) return headerProblem;
  if (file.length < INDEX_HEADER_BYTES + TIME_FOOTER_BYTES) return 'no footer';
  const footer = file.length - TIME_FOOTER_BYTES;
  if (readU32(file, footer + 12) !== INDEX_FOOTER_MAGIC) return 'no footer';
  if (crc32(file.subarray(footer, footer + 8)) !== readU32(file, footer + 8)) {
    return 'footer checksum mismatch';
  }
  const count = readU32(file, footer);
  if (count !== index.entryCount) return 'entry count differs from the offset index';
  if (INDEX_HEADER_BYTES + count * TIME_ENTRY_BYTES !== footer) return 'entry count mismatch';
  if (crc32(file.subarray(0, footer)) !== readU32(file, footer + 4)) {
    return 'entries checksum mismatch';
  }
  for (let i = 0; i < count; i++) {
    const at = INDEX_HEADER_BYTES + i * TIME_ENTRY_BYTES;
    const timestampMs = readI64(file, at);
    if (readU32(file, at + 8) !== index.relativeOffsets[i]) return `entry ${i} offset mismatch`;
    if (i > 0 && timestampMs < index.timestampsMs[i - 1]!) return `entry ${i} out of order`;
    index.timestampsMs[i] = timestampMs;
  }
  return null;
}
