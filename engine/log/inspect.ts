// Read-only inspectors of segmented-log files, for `flo inspect segment|log`. They never
// modify anything (no recovery, no index rewrite): they scan every batch, check every CRC and
// report where and what the first problem is, as plain data the CLI prints or emits as JSON.

import type { FileSystem } from '../io/file_system.ts';
import { joinPath } from '../io/file_system.ts';
import { Compression, decodeBatchRecords, type LogRecord } from './batch.ts';
import { parseSegmentFileName, scanBatches, type ScanStop } from './segment.ts';
import { decodeOffsetIndex, decodeTimeIndexInto } from './sparse_index.ts';

export interface BatchInspection {
  position: number;
  bytes: number;
  baseOffset: number;
  lastOffset: number;
  recordCount: number;
  firstTimestampMs: number;
  maxTimestampMs: number;
  compression: 'none' | 'lz4';
  crcOk: boolean;
  records?: LogRecord[];
}

export interface SegmentInspection {
  file: string;
  sizeBytes: number;
  baseOffset: number | null;
  batches: BatchInspection[];
  recordCount: number;
  /** The first bad byte and why, or null when every batch checked out. */
  problem: { position: number; reason: string } | null;
}

/**
 * Scans one segment file. `records` includes each batch's records (views of the file's
 * bytes). A file whose name is not a segment name is still scanned, without offset checks.
 */
export function inspectSegment(
  fs: FileSystem,
  path: string,
  options: { records?: boolean } = {},
): SegmentInspection {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const parsed = parseSegmentFileName(name);
  const file = fs.openFile(path, { readOnly: true });
  try {
    const sizeBytes = file.size();
    const inspection: SegmentInspection = {
      file: path, sizeBytes, baseOffset: parsed?.baseOffset ?? null, batches: [],
      recordCount: 0, problem: null,
    };
    const expected = { offset: parsed?.kind === 'seg' ? parsed.baseOffset : null,
      timestampMs: -Infinity };
    const stop = scanBatches(file, 0, sizeBytes, expected, (batch) => {
      const { header } = batch;
      const entry: BatchInspection = {
        position: batch.position, bytes: batch.bytes.length, baseOffset: header.baseOffset,
        lastOffset: header.baseOffset + header.recordCount - 1, recordCount: header.recordCount,
        firstTimestampMs: header.firstTimestampMs, maxTimestampMs: header.maxTimestampMs,
        compression: header.compression === Compression.lz4 ? 'lz4' : 'none', crcOk: true,
      };
      if (options.records) {
        const records: LogRecord[] = [];
        const problem = decodeBatchRecords(batch.bytes, 0, header, 0, Infinity, records);
        if (problem !== null) {
          inspection.problem = { position: batch.position, reason: problem };
          return false;
        }
        entry.records = records;
      }
      inspection.batches.push(entry);
      inspection.recordCount += header.recordCount;
      return true;
    });
    if (stop !== null) inspection.problem = describeStop(stop);
    return inspection;
  } finally {
    file.close();
  }
}

function describeStop(stop: ScanStop): { position: number; reason: string } {
  const reason = stop.torn ? `${stop.reason} (torn tail)` : stop.reason;
  return { position: stop.position, reason };
}

export interface LogInspection {
  dir: string;
  segments: Array<{
    file: string;
    baseOffset: number;
    nextOffset: number;
    sizeBytes: number;
    recordCount: number;
    firstTimestampMs: number | null;
    maxTimestampMs: number | null;
    /** 'ok', 'active (kept in memory)', or why the index would be rebuilt. */
    offsetIndex: string;
    timeIndex: string;
    problem: { position: number; reason: string } | null;
  }>;
  strayFiles: string[];
  totalBytes: number;
  totalRecords: number;
  /** Offset gaps or overlaps between consecutive segments. */
  gaps: string[];
}

/** Summarizes a log directory: segments, offset ranges, index health, totals. */
export function inspectLog(fs: FileSystem, dir: string): LogInspection {
  const inspection: LogInspection = {
    dir, segments: [], strayFiles: [], totalBytes: 0, totalRecords: 0, gaps: [],
  };
  const names = fs.list(dir);
  const segs = names.filter((name) => parseSegmentFileName(name)?.kind === 'seg');
  inspection.strayFiles = names.filter((name) => {
    const parsed = parseSegmentFileName(name);
    if (parsed === null) return true;
    return parsed.kind !== 'seg' && !segs.includes(name.replace(/\.(idx|tix)$/, '.seg'));
  });
  segs.forEach((name, index) => {
    const scanned = inspectSegment(fs, joinPath(dir, name));
    const baseOffset = scanned.baseOffset ?? 0;
    const nextOffset = baseOffset + scanned.recordCount;
    const active = index === segs.length - 1;
    const indexes = active
      ? { offsetIndex: 'active (kept in memory)', timeIndex: 'active (kept in memory)' }
      : checkIndexes(fs, dir, name, baseOffset, scanned.sizeBytes);
    inspection.segments.push({
      file: name, baseOffset, nextOffset, sizeBytes: scanned.sizeBytes,
      recordCount: scanned.recordCount,
      firstTimestampMs: scanned.batches[0]?.firstTimestampMs ?? null,
      maxTimestampMs: scanned.batches.at(-1)?.maxTimestampMs ?? null,
      ...indexes, problem: scanned.problem,
    });
    inspection.totalBytes += scanned.sizeBytes;
    inspection.totalRecords += scanned.recordCount;
  });
  for (let i = 1; i < inspection.segments.length; i++) {
    const previous = inspection.segments[i - 1]!;
    const segment = inspection.segments[i]!;
    if (previous.nextOffset !== segment.baseOffset) {
      inspection.gaps.push(`${previous.file} ends at ${previous.nextOffset} but ` +
        `${segment.file} starts at ${segment.baseOffset}`);
    }
  }
  return inspection;
}

function checkIndexes(
  fs: FileSystem,
  dir: string,
  segName: string,
  baseOffset: number,
  sizeBytes: number,
): { offsetIndex: string; timeIndex: string } {
  const read = (name: string): Uint8Array | null =>
    fs.stat(joinPath(dir, name)) === null ? null : fs.readFile(joinPath(dir, name));
  const idx = read(segName.replace(/\.seg$/, '.idx'));
  const tix = read(segName.replace(/\.seg$/, '.tix'));
  if (idx === null) {
    return { offsetIndex: 'missing', timeIndex: tix === null ? 'missing' : 'unchecked' };
  }
  const decoded = decodeOffsetIndex(idx, baseOffset, 1, sizeBytes);
  if (typeof decoded === 'string') return { offsetIndex: decoded, timeIndex: 'unchecked' };
  if (tix === null) return { offsetIndex: 'ok', timeIndex: 'missing' };
  return { offsetIndex: 'ok', timeIndex: decodeTimeIndexInto(tix, decoded.index) ?? 'ok' };
}
