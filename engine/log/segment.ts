// One segment of a segmented log: a file of whole batches named by its base offset, its
// sparse index, and what the log knows about it (size, next offset, timestamps). Holds the
// batch scanner used by reads, recovery and the inspector: it walks batches from a byte
// position, checking each header, length and CRC, and stops at the first problem, saying
// where and why. Format: docs/format/segment.md.
//
// Files: <20-digit base offset>.seg, .idx (offset index) and .tix (timestamp index) beside
// it. A sealed segment is immutable; only the active (last) segment grows.

import { assert } from '../assert.ts';
import type { FileHandle, FileSystem } from '../io/file_system.ts';
import { joinPath } from '../io/file_system.ts';
import {
  BATCH_HEADER_BYTES, batchBytes, checkBatchCrc, decodeBatchHeader, type BatchHeader,
} from './batch.ts';
import { encodeOffsetIndex, encodeTimeIndex, SparseIndex } from './sparse_index.ts';

const OFFSET_DIGITS = 20;
/** Default read size of a scan: large enough to amortize a syscall over many batches. */
export const READ_CHUNK_BYTES = 256 * 1024;

/** File names of the segment with base offset `baseOffset`. */
export function segmentFileNames(baseOffset: number): { seg: string; idx: string; tix: string } {
  const stem = String(baseOffset).padStart(OFFSET_DIGITS, '0');
  return { seg: `${stem}.seg`, idx: `${stem}.idx`, tix: `${stem}.tix` };
}

/** The base offset a segment-family file name encodes, or null for other names. */
export function parseSegmentFileName(
  name: string,
): { baseOffset: number; kind: 'seg' | 'idx' | 'tix' } | null {
  const match = /^(\d{20})\.(seg|idx|tix)$/.exec(name);
  if (match === null) return null;
  const baseOffset = Number(match[1]);
  if (!Number.isSafeInteger(baseOffset)) return null;
  return { baseOffset, kind: match[2] as 'seg' | 'idx' | 'tix' };
}

/** A batch found by the scanner: its header and a view of its bytes. */
export interface ScannedBatch {
  position: number;
  header: BatchHeader;
  bytes: Uint8Array;
}

/** Where and why a scan stopped early. */
export interface ScanStop {
  position: number;
  reason: string;
  /** True when the bytes simply end (a torn tail); false for bad content. */
  torn: boolean;
}

/**
 * Walks the batches of `file` from `position` up to `endPosition`, calling `visit` for each
 * valid one (return false from `visit` to stop). Returns null when it reached
 * `endPosition` or was stopped, or where and why the first bad batch begins.
 * `expectedOffset`, when given, is the base offset the first batch must have; each next
 * batch must continue where the previous one ended, with timestamps not going backwards.
 */
export function scanBatches(
  file: FileHandle,
  position: number,
  endPosition: number,
  expected: { offset: number | null; timestampMs: number },
  visit: (batch: ScannedBatch) => boolean,
  chunkBytes = READ_CHUNK_BYTES,
): ScanStop | null {
  let chunk: Uint8Array = new Uint8Array(0);
  let chunkStart = position;
  let expectedOffset = expected.offset;
  let lastTimestampMs = expected.timestampMs;
  while (position < endPosition) {
    if (position + BATCH_HEADER_BYTES > chunkStart + chunk.length) {
      chunkStart = position;
      chunk = readChunk(file, position, endPosition, BATCH_HEADER_BYTES, chunkBytes);
    }
    if (chunk.length - (position - chunkStart) < BATCH_HEADER_BYTES) {
      return { position, reason: 'batch header cut short', torn: true };
    }
    const header = decodeBatchHeader(chunk, position - chunkStart);
    if (typeof header === 'string') return { position, reason: header, torn: false };
    const size = batchBytes(header);
    if (position + size > endPosition) {
      return { position, reason: 'batch runs past the end of the data', torn: true };
    }
    if (position + size > chunkStart + chunk.length) {
      chunkStart = position;
      chunk = readChunk(file, position, endPosition, size, chunkBytes);
    }
    const at = position - chunkStart;
    if (!checkBatchCrc(chunk, at, header)) {
      return { position, reason: 'checksum mismatch', torn: false };
    }
    if (expectedOffset !== null && header.baseOffset !== expectedOffset) {
      return { position, reason: `batch offset ${header.baseOffset}, expected ${expectedOffset}`,
        torn: false };
    }
    if (header.firstTimestampMs < lastTimestampMs) {
      return { position, reason: 'timestamp goes backwards', torn: false };
    }
    expectedOffset = header.baseOffset + header.recordCount;
    lastTimestampMs = header.maxTimestampMs;
    if (!visit({ position, header, bytes: chunk.subarray(at, at + size) })) return null;
    position += size;
  }
  return null;
}

// Reads at least `minBytes` (when the file has them) from `position`, up to a chunk.
function readChunk(
  file: FileHandle,
  position: number,
  endPosition: number,
  minBytes: number,
  chunkBytes: number,
): Uint8Array {
  const length = Math.min(Math.max(minBytes, chunkBytes), endPosition - position);
  const chunk = new Uint8Array(length);
  const bytesRead = file.readAt(chunk, 0, length, position);
  return bytesRead === length ? chunk : chunk.subarray(0, bytesRead);
}

/** A segment as the log tracks it. */
export class Segment {
  readonly baseOffset: number;
  readonly dir: string;
  readonly names: { seg: string; idx: string; tix: string };
  /** Bytes of whole batches in the file (what reads may cover once readable). */
  sizeBytes = 0;
  /** Offset after the last record written to the file. */
  nextOffset: number;
  firstTimestampMs = -1;
  maxTimestampMs = -1;
  sealed = false;
  /** Null for a sealed segment whose index has not been loaded yet. */
  index: SparseIndex | null;
  /** Wall-clock time the segment received its first batch (for roll by age). */
  firstAppendMs = -1;
  private file: FileHandle | null = null;
  private readonly fs: FileSystem;

  constructor(fs: FileSystem, dir: string, baseOffset: number, index: SparseIndex | null) {
    this.fs = fs;
    this.dir = dir;
    this.baseOffset = baseOffset;
    this.nextOffset = baseOffset;
    this.names = segmentFileNames(baseOffset);
    this.index = index;
  }

  get path(): string {
    return joinPath(this.dir, this.names.seg);
  }

  get recordCount(): number {
    return this.nextOffset - this.baseOffset;
  }

  /** The open handle, opened on first use. */
  handle(): FileHandle {
    if (this.file === null) this.file = this.fs.openFile(this.path, { create: !this.sealed });
    return this.file;
  }

  /** Accounts a batch that now lies in the file at `position`. */
  noteBatch(position: number, header: BatchHeader, nowMs: number): void {
    assert(position === this.sizeBytes, 'batches are appended at the end');
    assert(header.baseOffset === this.nextOffset, 'batch offsets are contiguous');
    assert(this.index !== null, 'active segment has an index');
    this.index.noteBatch(position, header.baseOffset, header.firstTimestampMs);
    if (this.firstTimestampMs < 0) this.firstTimestampMs = header.firstTimestampMs;
    if (this.firstAppendMs < 0) this.firstAppendMs = nowMs;
    this.maxTimestampMs = header.maxTimestampMs;
    this.sizeBytes = position + batchBytes(header);
    this.nextOffset = header.baseOffset + header.recordCount;
  }

  /** Writes and fsyncs the sealed .idx and .tix files (the directory sync is the caller's). */
  async writeIndexFiles(): Promise<void> {
    assert(this.index !== null && this.recordCount > 0, 'sealing needs records and an index');
    const summary = {
      segmentBytes: this.sizeBytes, nextOffset: this.nextOffset,
      firstTimestampMs: this.firstTimestampMs, maxTimestampMs: this.maxTimestampMs,
    };
    const files: Array<[string, Uint8Array]> = [
      [this.names.idx, encodeOffsetIndex(this.index, summary)],
      [this.names.tix, encodeTimeIndex(this.index)],
    ];
    await Promise.all(files.map(async ([name, bytes]) => {
      const file = this.fs.openFile(joinPath(this.dir, name), { create: true });
      try {
        file.truncate(0);
        file.writeAt(bytes, 0);
        await file.sync();
      } finally {
        file.close();
      }
    }));
  }

  /**
   * Rebuilds what the log knows of this segment (index, size, next offset, timestamps) by
   * scanning its file with every CRC checked. Stops at the first bad batch and returns where
   * and why; the segment then describes the batches before it.
   * @param previousMaxTimestampMs the previous segment's newest timestamp (-1 for none)
   */
  rebuild(intervalBytes: number, previousMaxTimestampMs: number): ScanStop | null {
    this.index = new SparseIndex(this.baseOffset, intervalBytes);
    const size = this.handle().size();
    this.sizeBytes = 0;
    this.nextOffset = this.baseOffset;
    this.firstTimestampMs = -1;
    this.maxTimestampMs = -1;
    const expected = { offset: this.baseOffset, timestampMs: previousMaxTimestampMs };
    return scanBatches(this.handle(), 0, size, expected, (batch) => {
      this.noteBatch(batch.position, batch.header, batch.header.maxTimestampMs);
      return true;
    });
  }

  /** Closes the segment and removes its files (the caller syncs the directory). */
  removeFiles(): void {
    this.close();
    this.removeIfPresent(this.names.seg);
    this.removeIndexFiles();
  }

  /** Removes the .idx and .tix files, if present (an active segment keeps none). */
  removeIndexFiles(): void {
    this.removeIfPresent(this.names.idx);
    this.removeIfPresent(this.names.tix);
  }

  private removeIfPresent(name: string): void {
    const path = joinPath(this.dir, name);
    if (this.fs.stat(path) !== null) this.fs.remove(path);
  }

  /** Closes the file handle (it reopens on next use). */
  close(): void {
    this.file?.close();
    this.file = null;
  }
}
