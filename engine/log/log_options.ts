// The options and result types of SegmentedLog, and the check of its options at open.
// Split from segmented_log.ts so the log's owners (journals, queues, streams, the LSM WAL)
// can share these shapes without reading the write path.

import { checkIntOr } from '../args.ts';
import { segmentBytesMaxLimit, segmentBytesMin } from '../limits.ts';
import type { FileSystem } from '../io/file_system.ts';
import type { Clock } from '../io/clock.ts';
import { checkRetentionPolicy, type RetentionPolicy } from './retention.ts';

export type Durability = 'sync' | 'async' | 'memory';

/**
 * What every store over logs is opened with: where (a FileSystem, a directory), its clock, and
 * how durable an acknowledged write is. Logs, journals, queue, stream and action stores
 * extend it.
 */
export interface StorageOptions {
  fs: FileSystem;
  clock: Clock;
  dir: string;
  /** Default 'sync'. */
  durability?: Durability;
  /** fsync period of the async mode (default 100 ms). */
  syncIntervalMs?: number;
}

export interface LogOptions extends StorageOptions {
  /** Roll to a new segment before one would exceed this size (default 64 MiB). */
  segmentBytes?: number;
  /** Roll once the active segment's first batch is this old (default: never). */
  segmentMs?: number;
  /** Distance between sparse index entries (default 4 KiB). */
  indexIntervalBytes?: number;
  compression?: 'none' | 'lz4';
  retention?: RetentionPolicy;
  /** First offset of a new, empty log (default 0). */
  startOffset?: number;
  /** Truncate at corruption in a sealed segment instead of refusing to open. */
  repair?: boolean;
  /** 'full' checks every batch's CRC at open (default 'tail': only the active segment). */
  verify?: 'tail' | 'full';
}

export interface AppendOptions {
  /** Timestamp for records that carry none (default: the clock's now). */
  timestampMs?: number;
  /**
   * Start writing at once instead of at the end of the turn (setImmediate): for a caller
   * that already gathered its turn's appends into this one, at the end of the turn.
   */
  writeNow?: boolean;
}

/** What appendNow did: the offsets it assigned and when they become durable and readable. */
export interface AppendResult {
  baseOffset: number;
  recordCount: number;
  /** Timestamp given to the first record. */
  timestampMs: number;
  /** Resolves when the batch is durable per the mode and readable; rejects on I/O failure. */
  durable: Promise<void>;
}

export interface ReadOptions {
  /** Most records to return (default 1000). */
  maxRecords?: number;
  /** Stop after the batch that reaches this many bytes (default 1 MiB); >= 1 record. */
  maxBytes?: number;
}

/** Facts about one segment, for inspection and metrics. */
export interface SegmentInfo {
  file: string;
  baseOffset: number;
  nextOffset: number;
  sizeBytes: number;
  firstTimestampMs: number;
  maxTimestampMs: number;
  sealed: boolean;
}

/** Throws RangeError/TypeError for options out of range. */
export function checkLogOptions(options: LogOptions): void {
  checkIntOr(options.segmentBytes, 'segmentBytes', segmentBytesMin, segmentBytesMaxLimit, 0);
  checkIntOr(options.indexIntervalBytes, 'indexIntervalBytes', 1, segmentBytesMaxLimit, 0);
  checkIntOr(options.syncIntervalMs, 'syncIntervalMs', 1, 3_600_000, 0);
  checkIntOr(options.segmentMs, 'segmentMs', 1, Number.MAX_SAFE_INTEGER, 0);
  checkIntOr(options.startOffset, 'startOffset', 0, Number.MAX_SAFE_INTEGER, 0);
  if (options.retention !== undefined) checkRetentionPolicy(options.retention);
  const durability = options.durability ?? 'sync';
  if (!['sync', 'async', 'memory'].includes(durability)) {
    throw new RangeError(`durability must be sync, async or memory, got ${durability}`);
  }
}
