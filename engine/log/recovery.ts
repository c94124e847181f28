// Open-time recovery of a segmented log directory (the recovery table of
// docs/format/segment.md and docs/format/index.md, row by row):
// - stray *.tmp files and index files without their segment are removed;
// - sealed segments (all but the last) load their indexes; a missing, short or inconsistent
//   index is rebuilt from a full scan of the segment and rewritten;
// - a bad batch in a sealed segment is corruption: CorruptionError naming the file and byte
//   offset, unless `repair` is set, which truncates there and drops every later segment;
// - the active (last) segment is scanned in full: the tail from the first torn or bad batch
//   is cut off and reported as {lostBatches, lostBytes} (NATS LostStreamData).
// Called only by SegmentedLog.open.

import { assert } from '../assert.ts';
import { CorruptionError } from '../errors.ts';
import type { FileSystem } from '../io/file_system.ts';
import { joinPath } from '../io/file_system.ts';
import { readU32 } from '../codec/bytes.ts';
import { BATCH_HEADER_BYTES, BATCH_MAGIC } from './batch.ts';
import { parseSegmentFileName, Segment, type ScanStop } from './segment.ts';
import { decodeOffsetIndex, decodeTimeIndexInto, SparseIndex } from './sparse_index.ts';

export interface RecoveryOptions {
  intervalBytes: number;
  /** 'full' scans every sealed segment's batches; 'tail' trusts verified indexes. */
  verify: 'tail' | 'full';
  /** Truncate at corruption in a sealed segment instead of refusing to open. */
  repair: boolean;
  /** Base offset of the first segment of a new, empty log. */
  startOffset: number;
  nowMs: number;
}

export interface RecoveryReport {
  /** Batches cut from the active segment's torn tail (best effort count, >= 1 if bytes). */
  lostBatches: number;
  /** Bytes cut from the active segment's torn tail. */
  lostBytes: number;
  /** Why the tail was cut, when it was. */
  tailProblem: string | null;
  /** Segment files whose indexes were rebuilt. */
  rebuiltIndexes: string[];
  /** Stray files removed. */
  removedFiles: string[];
  /** What a repair dropped, when one happened. */
  repaired: null | {
    file: string;
    offsetBytes: number;
    reason: string;
    droppedSegments: string[];
    lostBytes: number;
  };
}

/** Recovers `dir` and returns its segments, oldest first; the last is the active one. */
export async function recoverLog(
  fs: FileSystem,
  dir: string,
  options: RecoveryOptions,
): Promise<{ segments: Segment[]; report: RecoveryReport }> {
  const report: RecoveryReport = {
    lostBatches: 0, lostBytes: 0, tailProblem: null, rebuiltIndexes: [], removedFiles: [],
    repaired: null,
  };
  fs.mkdirp(dir);
  const bases = collectSegments(fs, dir, report);
  if (bases.length === 0) {
    const segment = new Segment(fs, dir, options.startOffset,
      new SparseIndex(options.startOffset, options.intervalBytes));
    segment.handle();
    await fs.syncDir(dir);
    return { segments: [segment], report };
  }
  const segments: Segment[] = [];
  for (let i = 0; i < bases.length; i++) {
    const previous = segments.at(-1);
    const segment = new Segment(fs, dir, bases[i]!, null);
    if (previous !== undefined && previous.nextOffset !== segment.baseOffset) {
      // A gap: this segment and every later one are unusable; the previous one goes on.
      const stop = { position: 0, reason: `segment gap: expected base ${previous.nextOffset}`,
        torn: false };
      await repairAt(fs, segment, stop, bases.slice(i), options, report);
      break;
    }
    if (i === bases.length - 1) {
      await recoverActive(segment, previous, options, report);
      segments.push(segment);
      break;
    }
    segment.sealed = true;
    const stop = await recoverSealed(fs, segment, previous, options, report);
    segments.push(segment);
    if (stop !== null) {
      await repairAt(fs, segment, stop, bases.slice(i + 1), options, report);
      break;
    }
  }
  await finishActive(fs, dir, segments, options, report);
  return { segments, report };
}

// Lists the directory: removes strays, returns segment base offsets in order.
function collectSegments(fs: FileSystem, dir: string, report: RecoveryReport): number[] {
  const segs = new Set<number>();
  const others: Array<{ name: string; baseOffset: number }> = [];
  for (const name of fs.list(dir)) {
    if (name.endsWith('.tmp')) {
      fs.remove(joinPath(dir, name));
      report.removedFiles.push(name);
      continue;
    }
    const parsed = parseSegmentFileName(name);
    if (parsed === null) continue;
    if (parsed.kind === 'seg') segs.add(parsed.baseOffset);
    else others.push({ name, baseOffset: parsed.baseOffset });
  }
  for (const { name, baseOffset } of others) {
    if (segs.has(baseOffset)) continue;
    fs.remove(joinPath(dir, name));
    report.removedFiles.push(name);
  }
  return [...segs].sort((a, b) => a - b);
}

// Loads or rebuilds a sealed segment's index. Returns where it is corrupt, or null.
async function recoverSealed(
  fs: FileSystem,
  segment: Segment,
  previous: Segment | undefined,
  options: RecoveryOptions,
  report: RecoveryReport,
): Promise<ScanStop | null> {
  segment.sizeBytes = fs.stat(segment.path)?.sizeBytes ?? 0;
  if (segment.sizeBytes === 0) return { position: 0, reason: 'empty sealed segment', torn: true };
  if (options.verify === 'tail' && loadIndexes(fs, segment, options.intervalBytes)) return null;
  const stop = segment.rebuild(options.intervalBytes, previous?.maxTimestampMs ?? -1);
  if (stop !== null) return stop;
  const index = segment.index!;
  if (options.verify === 'full' && loadIndexes(fs, segment, options.intervalBytes)) {
    if (segment.index!.positions.join() === index.positions.join()) return null;
  }
  segment.index = index;
  await segment.writeIndexFiles();
  report.rebuiltIndexes.push(segment.names.seg);
  return null;
}

// Tries the sealed index files; true (and the segment summarized) when both verify.
function loadIndexes(fs: FileSystem, segment: Segment, intervalBytes: number): boolean {
  try {
    const idx = fs.readFile(joinPath(segment.dir, segment.names.idx));
    const decoded = decodeOffsetIndex(idx, segment.baseOffset, intervalBytes, segment.sizeBytes);
    if (typeof decoded === 'string') return false;
    const tix = fs.readFile(joinPath(segment.dir, segment.names.tix));
    if (decodeTimeIndexInto(tix, decoded.index) !== null) return false;
    segment.index = decoded.index;
    segment.nextOffset = decoded.summary.nextOffset;
    segment.firstTimestampMs = decoded.summary.firstTimestampMs;
    segment.maxTimestampMs = decoded.summary.maxTimestampMs;
    return true;
  } catch {
    return false; // missing or unreadable: rebuilt by the caller
  }
}

// Scans the active segment and cuts its tail at the first torn or bad batch.
async function recoverActive(
  segment: Segment,
  previous: Segment | undefined,
  options: RecoveryOptions,
  report: RecoveryReport,
): Promise<void> {
  const file = segment.handle();
  const fileBytes = file.size();
  const stop = segment.rebuild(options.intervalBytes, previous?.maxTimestampMs ?? -1);
  if (segment.recordCount > 0) {
    segment.firstAppendMs = Math.min(segment.firstTimestampMs, options.nowMs);
  }
  if (stop === null) return;
  report.lostBytes = fileBytes - stop.position;
  report.lostBatches = countBatchesAfter(file, stop.position, fileBytes);
  report.tailProblem = `${stop.reason} at offset ${stop.position}`;
  file.truncate(stop.position);
  await file.sync();
}

// Best-effort count of the batches in a cut tail: walk lengths while the magic holds.
function countBatchesAfter(
  file: ReturnType<Segment['handle']>,
  position: number,
  endPosition: number,
): number {
  let count = 0;
  const header = new Uint8Array(BATCH_HEADER_BYTES);
  while (position < endPosition) {
    count += 1;
    if (file.readAt(header, 0, BATCH_HEADER_BYTES, position) < BATCH_HEADER_BYTES) break;
    if (readU32(header, 0) !== BATCH_MAGIC) break;
    position += BATCH_HEADER_BYTES + readU32(header, 8);
  }
  return count;
}

// Corruption in a sealed segment: refuse, or (repair) cut there and drop what follows.
async function repairAt(
  fs: FileSystem,
  segment: Segment,
  stop: ScanStop,
  laterBases: number[],
  options: RecoveryOptions,
  report: RecoveryReport,
): Promise<void> {
  if (!options.repair) {
    throw new CorruptionError(segment.path, stop.position,
      `Cannot open log: ${stop.reason} (open with repair to truncate the log there)`);
  }
  const dropped: string[] = [];
  // laterBases starts with the segment itself when all of it goes (a gap before it).
  const whole = laterBases[0] === segment.baseOffset;
  let lostBytes = whole ? 0 : Math.max(0, (fs.stat(segment.path)?.sizeBytes ?? 0) - stop.position);
  for (const base of laterBases) {
    const later = new Segment(fs, segment.dir, base, null);
    lostBytes += fs.stat(later.path)?.sizeBytes ?? 0;
    for (const name of Object.values(later.names)) {
      if (fs.stat(joinPath(segment.dir, name)) !== null) fs.remove(joinPath(segment.dir, name));
    }
    dropped.push(later.names.seg);
  }
  if (!whole) {
    const file = segment.handle();
    file.truncate(stop.position);
    await file.sync();
  }
  report.repaired = {
    file: segment.names.seg, offsetBytes: stop.position, reason: stop.reason,
    droppedSegments: dropped, lostBytes,
  };
}

// The last segment becomes the active one: it keeps no index files (they are written when
// it is sealed); a segment that was sealed until a repair is rescanned into a fresh index.
async function finishActive(
  fs: FileSystem,
  dir: string,
  segments: Segment[],
  options: RecoveryOptions,
  report: RecoveryReport,
): Promise<void> {
  const active = segments.at(-1)!;
  if (active.sealed) {
    active.sealed = false;
    active.close();
    active.rebuild(options.intervalBytes, segments.at(-2)?.maxTimestampMs ?? -1);
    if (active.recordCount > 0) active.firstAppendMs = options.nowMs;
  }
  assert(report.repaired !== null || active.index !== null, 'active segment has an index');
  for (const name of [active.names.idx, active.names.tix]) {
    if (fs.stat(joinPath(dir, name)) !== null) fs.remove(joinPath(dir, name));
  }
  await fs.syncDir(dir);
}
