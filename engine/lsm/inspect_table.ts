// The table inspector behind `flo inspect table`: a pure function from a table file to a
// plain object: footer, properties, every block with its offset, sizes, compression and
// CRC status, optionally every entry, and a list of problems (where, what). It never
// throws for a corrupt file: it reports what it could not read and goes on with what it
// can (a bad data block does not hide the others). It also verifies what a reader relies on
// without checking on every read: entry order across blocks, each block ending at its index
// key, the bloom filter holding every key, and the properties matching the entries.
// Throws only when the file cannot be opened (StorageIoError).

import { CorruptionError } from '../errors.ts';
import type { FileHandle, FileSystem } from '../io/file_system.ts';
import { Block, BlockIterator } from './block.ts';
import { bloomHash, bloomMayContain, checkBloom } from './bloom.ts';
import { compareInternal, compareRange, entryKindName, EntryKind } from './internal_key.ts';
import {
  Compression, blockCrcs, decodeBlockBytes, readBlockBytes, readFooter,
} from './table_format.ts';
import type { BlockHandle, Footer } from './table_format.ts';
import { TableIndex } from './table_index.ts';
import { decodeProperties } from './table_properties.ts';
import type { TableProperties } from './table_properties.ts';

export type InspectedBlockKind = 'data' | 'filter' | 'index' | 'properties';

export interface InspectedBlock {
  kind: InspectedBlockKind;
  /** Position among the data blocks (data blocks only). */
  blockIndex: number | null;
  offsetBytes: number;
  /** Payload bytes as stored (trailer excluded) and after decompression (null: unreadable). */
  storedBytes: number;
  payloadBytes: number | null;
  compression: 'none' | 'lz4' | 'unknown';
  crcOk: boolean;
  /** Entries in a data or index block (null for others or when unreadable). */
  entryCount: number | null;
}

export interface InspectedEntry {
  blockIndex: number;
  key: Uint8Array;
  seq: number;
  kind: 'value' | 'tombstone';
  value: Uint8Array;
}

export interface TableProblem {
  offsetBytes: number;
  what: string;
}

export interface TableInspection {
  path: string;
  fileSizeBytes: number;
  /** True when no problem was found. */
  ok: boolean;
  formatVersion: number | null;
  properties: TableProperties | null;
  /** Every block that could be located, in file order. */
  blocks: InspectedBlock[];
  /** Every entry in order, when asked for. */
  entries: InspectedEntry[] | null;
  /** What is wrong, in file order; empty for a sound table. */
  problems: TableProblem[];
}

export interface InspectTableOptions {
  /** Collect every entry (default false). */
  entries?: boolean;
}

/** Inspects and verifies the table at `path`. */
export function inspectTable(
  fs: FileSystem,
  path: string,
  options: InspectTableOptions = {},
): TableInspection {
  const file = fs.openFile(path, { readOnly: true });
  try {
    const report: TableInspection = {
      path, fileSizeBytes: file.size(), ok: false, formatVersion: null, properties: null,
      blocks: [], entries: options.entries ? [] : null, problems: [],
    };
    inspectFile(file, report);
    report.blocks.sort((a, b) => a.offsetBytes - b.offsetBytes);
    report.problems.sort((a, b) => a.offsetBytes - b.offsetBytes);
    report.ok = report.problems.length === 0;
    return report;
  } finally {
    file.close();
  }
}

function inspectFile(file: FileHandle, report: TableInspection): void {
  const footer = attempt(report, () => readFooter(file, report.fileSizeBytes));
  if (footer === undefined) return;
  report.formatVersion = footer.formatVersion;
  const properties = inspectBlock(file, report, 'properties', footer.properties, null);
  if (properties !== undefined) {
    report.properties = attempt(report, () => decodeProperties(
      properties, file.path, footer.properties.offsetBytes,
    )) ?? null;
  }
  const filter = inspectBlock(file, report, 'filter', footer.filter, null);
  const filterProblem = filter === undefined ? null : checkBloom(filter);
  if (filterProblem !== null) problem(report, footer.filter.offsetBytes, filterProblem);
  const usableFilter = filter !== undefined && filterProblem === null ? filter : null;
  const index = inspectIndex(file, report, footer);
  if (index === undefined) return;
  const totals = inspectDataBlocks(file, report, index, usableFilter);
  if (report.properties !== null) checkTotals(report, report.properties, totals, footer);
}

// Reads one block and records it in the report; returns its decoded payload (undefined
// when it cannot be read or decoded; the problem is recorded).
function inspectBlock(
  file: FileHandle,
  report: TableInspection,
  kind: InspectedBlockKind,
  handle: BlockHandle,
  blockIndex: number | null,
): Uint8Array | undefined {
  const info: InspectedBlock = {
    kind, blockIndex, offsetBytes: handle.offsetBytes, storedBytes: handle.sizeBytes,
    payloadBytes: null, compression: 'unknown', crcOk: false, entryCount: null,
  };
  report.blocks.push(info);
  const bytes = attempt(report, () => readBlockBytes(file, handle));
  if (bytes === undefined) return undefined;
  const compression = bytes[handle.sizeBytes]!;
  if (compression === Compression.none) info.compression = 'none';
  if (compression === Compression.lz4) info.compression = 'lz4';
  const crcs = blockCrcs(bytes);
  info.crcOk = crcs.stored === crcs.actual;
  const raw = attempt(report, () => decodeBlockBytes(bytes, handle, file.path));
  if (raw === undefined) return undefined;
  info.payloadBytes = raw.payload.length;
  return raw.payload;
}

// Reads a block in the entry format (data, index) and locates its restart array.
function inspectEntryBlock(
  file: FileHandle,
  report: TableInspection,
  kind: 'data' | 'index',
  handle: BlockHandle,
  blockIndex: number | null,
): Block | undefined {
  const payload = inspectBlock(file, report, kind, handle, blockIndex);
  if (payload === undefined) return undefined;
  return attempt(report, () => new Block(payload, file.path, handle.offsetBytes));
}

function inspectIndex(
  file: FileHandle, report: TableInspection, footer: Footer,
): TableIndex | undefined {
  const block = inspectEntryBlock(file, report, 'index', footer.index, null);
  if (block === undefined) return undefined;
  const index = attempt(report, () => TableIndex.decode(block, footer.filter.offsetBytes));
  if (index !== undefined) report.blocks[report.blocks.length - 1]!.entryCount = index.blockCount;
  return index;
}

// What the data blocks hold, gathered while walking them; `lastKey`/`lastSeq` are the last
// entry seen, for the order check across blocks.
interface DataTotals {
  entryCount: number;
  tombstoneCount: number;
  smallestSeq: number;
  largestSeq: number;
  smallestKey: Uint8Array | null;
  lastKey: Uint8Array | null;
  lastSeq: number;
}

function inspectDataBlocks(
  file: FileHandle, report: TableInspection, index: TableIndex, filter: Uint8Array | null,
): DataTotals {
  const totals: DataTotals = {
    entryCount: 0, tombstoneCount: 0, smallestSeq: Number.MAX_SAFE_INTEGER, largestSeq: 0,
    smallestKey: null, lastKey: null, lastSeq: 0,
  };
  const iterator = new BlockIterator();
  for (let blockIndex = 0; blockIndex < index.blockCount; blockIndex++) {
    const handle = index.handle(blockIndex);
    const block = inspectEntryBlock(file, report, 'data', handle, blockIndex);
    if (block === undefined) continue;
    iterator.reset(block);
    const walk = (): number => walkDataBlock(report, iterator, blockIndex, totals, filter);
    const count = attempt(report, walk);
    report.blocks[report.blocks.length - 1]!.entryCount = count ?? null;
    const last = totals.lastKey;
    const endsAtIndexKey = last !== null && totals.lastSeq === index.lastSeq(blockIndex) &&
      sameBytes(last, index.lastKey(blockIndex));
    if (count !== undefined && !endsAtIndexKey) {
      problem(report, handle.offsetBytes, `data block ${blockIndex} does not end at its index key`);
    }
  }
  return totals;
}

// Walks one data block: order against the previous entry, the filter, the totals and the
// entries list. Returns the entry count; a decoding fault throws CorruptionError.
function walkDataBlock(
  report: TableInspection,
  iterator: BlockIterator,
  blockIndex: number,
  totals: DataTotals,
  filter: Uint8Array | null,
): number {
  const offsetBytes = report.blocks[report.blocks.length - 1]!.offsetBytes;
  let count = 0;
  let filterMissReported = false;
  for (iterator.first(); iterator.valid(); iterator.next(), count++) {
    const key = iterator.key();
    const seq = iterator.seq();
    const last = totals.lastKey;
    if (last !== null && compareInternal(last, totals.lastSeq, key, seq) >= 0) {
      problem(report, offsetBytes, `entry ${count} of data block ${blockIndex} is out of order`);
    }
    const newKey = last === null || !sameBytes(last, key);
    if (newKey && filter !== null && !filterMissReported &&
      !bloomMayContain(filter, bloomHash(key))) {
      problem(report, offsetBytes, `bloom filter misses a key of data block ${blockIndex}`);
      filterMissReported = true;
    }
    totals.entryCount += 1;
    if (iterator.kind() === EntryKind.tombstone) totals.tombstoneCount += 1;
    totals.smallestSeq = Math.min(totals.smallestSeq, seq);
    totals.largestSeq = Math.max(totals.largestSeq, seq);
    totals.smallestKey ??= key.slice();
    totals.lastKey = key.slice();
    totals.lastSeq = seq;
    report.entries?.push({
      blockIndex, key: totals.lastKey, seq, kind: entryKindName(iterator.kind()),
      value: iterator.value().slice(),
    });
  }
  return count;
}

function checkTotals(
  report: TableInspection, properties: TableProperties, totals: DataTotals, footer: Footer,
): void {
  if (report.problems.length > 0) return;
  const mismatches: string[] = [];
  if (totals.entryCount !== properties.entryCount) mismatches.push('entry count');
  if (totals.tombstoneCount !== properties.tombstoneCount) mismatches.push('tombstone count');
  if (totals.smallestSeq !== properties.smallestSeq) mismatches.push('smallest seq');
  if (totals.largestSeq !== properties.largestSeq) mismatches.push('largest seq');
  if (!sameBytes(totals.smallestKey, properties.smallestKey)) mismatches.push('smallest key');
  if (!sameBytes(totals.lastKey, properties.largestKey)) mismatches.push('largest key');
  if (mismatches.length > 0) {
    problem(report, footer.properties.offsetBytes,
      `properties disagree with the entries: ${mismatches.join(', ')}`);
  }
}

function sameBytes(a: Uint8Array | null, b: Uint8Array): boolean {
  return a !== null && compareRange(a, 0, a.length, b, 0, b.length) === 0;
}

function problem(report: TableInspection, offsetBytes: number, what: string): void {
  report.problems.push({ offsetBytes, what });
}

// Runs a step; a CorruptionError becomes a problem in the report and the result undefined.
function attempt<T>(report: TableInspection, step: () => T): T | undefined {
  try {
    return step();
  } catch (error) {
    if (!(error instanceof CorruptionError)) throw error;
    const suffix = ` in "${error.file}" at offset ${error.offsetBytes}`;
    const what = error.message.endsWith(suffix)
      ? error.message.slice(0, -suffix.length)
      : error.message;
    problem(report, error.offsetBytes, what);
    return undefined;
  }
}
