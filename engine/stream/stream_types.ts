// The public shapes of the stream API (StreamStore): records, options and results. Names
// follow the wire spec (§7.4, §7.5) where it names a field; units are last (…Ms, …Bytes).
// Sequences and timestamps are JavaScript numbers (safe integers).

import type { StorageOptions } from '../log/log_options.ts';
import type { StreamId } from './stream_id.ts';

export type { StreamId };

/** One header: name and value bytes (the wire carries both as byte strings). */
export type StreamHeader = readonly [Uint8Array, Uint8Array];

/** A record to append. */
export interface StreamRecordInput {
  payload: Uint8Array;
  headers?: readonly StreamHeader[];
}

/** A record read back. payload and headers are views of a read buffer: copy to keep long. */
export interface StreamRecord {
  stream: string;
  sequence: number;
  timestampMs: number;
  partition: number;
  payload: Uint8Array;
  headers: readonly StreamHeader[];
}

/** A record delivered through a consumer group. */
export interface GroupRecord extends StreamRecord {
  /** Deliveries of this record to the group so far, this one included. */
  deliveryCount: number;
}

/** Retention limits; absent or 0 means unlimited. */
export interface RetentionLimits {
  maxRecords?: number;
  maxAgeMs?: number;
  maxBytes?: number;
}

export interface StreamStoreOptions extends StorageOptions {
  /** Root directory of every stream. */
  dir: string;
  /** Segment size of partition logs (default 64 MiB). */
  segmentBytes?: number;
  /** Distance between sparse index entries of partition logs (default 4 KiB). */
  indexIntervalBytes?: number;
  /** Group-event bytes between checkpoints, at least (default 4 MiB; tests use less). */
  checkpointBytes?: number;
  /** Partitions of a stream created implicitly (default 1). */
  defaultPartitions?: number;
  compression?: 'none' | 'lz4';
}

export interface CreateStreamOptions {
  /** 1 … 1 024 (default: the store's defaultPartitions). */
  partitionCount?: number;
  retention?: RetentionLimits;
}

export interface AlterStreamOptions {
  /** May only grow. */
  partitionCount?: number;
  /** A given limit replaces that limit (0 removes it); an absent one stays. */
  retention?: RetentionLimits;
}

export interface AppendOptions {
  /** Target partition (must be below the partition count). */
  partition?: number;
  /** Otherwise: FNV-1a 32 of these bytes modulo the partition count (if non-empty). */
  partitionKey?: Uint8Array;
  /** Requested timestamp (> 0); the stream stores max(previous, this or now). */
  timestampMs?: number;
}

/** Where an append landed: the first record's sequence and timestamp (spec reply). */
export interface AppendResult {
  sequence: number;
  timestampMs: number;
  partition: number;
  count: number;
}

export interface ReadOptions {
  /** Only records appended after the call (wins over `start`). */
  tail?: boolean;
  /** Records at or after this position (bare-sequence rule). */
  start?: StreamId;
  /** Records at or after this time: same as start {timestampMs, sequence: 0}. */
  startTimestampMs?: number;
  /** Records at or before this position (inclusive, bare-sequence rule). */
  end?: StreamId;
  partition?: number;
  /** Default 100; clamped to 1 000. */
  count?: number;
  /** Wait up to this long (<= 300 000) when nothing matches. */
  blockMs?: number;
  signal?: AbortSignal;
  /** Asked once, synchronously, when the read is about to wait; false: answer [] now. */
  onPark?: () => boolean;
}

/**
 * A size bound for one group read or claim: records are taken in order while the sum of
 * sizeOf(record) stays within bytesMax; the first record always goes. Records left out are
 * not delivered (a reply size limit must never hand out what the reply cannot carry).
 */
export interface RecordBudget {
  readonly bytesMax: number;
  sizeOf(record: StreamRecord): number;
}

/** Trim criteria: a record goes when any selects it; a batch goes only as a whole. */
export interface TrimOptions {
  /** Remove records before this position. */
  before?: StreamId;
  /** Keep the newest N records. */
  maxRecords?: number;
  /** Remove records older than now - maxAgeMs. */
  maxAgeMs?: number;
  /** Remove the oldest records until the stream holds at most this many bytes. */
  maxBytes?: number;
  dryRun?: boolean;
}

export interface TrimResult {
  /** Records removed (or that would be, with dryRun). */
  removed: number;
  /** Sequence of the first record left, or 0 when none is. */
  firstSequence: number;
}

/** STREAM_INFO: the retained records (zeros when none), overall or for one partition. */
export interface StreamInfo {
  first: StreamId;
  last: StreamId;
  count: number;
  bytes: number;
  partitionCount: number;
  retention: Required<RetentionLimits>;
  /** Per partition (always; `partition` in the options narrows the totals). */
  partitions: Array<{ partition: number; first: StreamId; last: StreamId; count: number;
    bytes: number }>;
  /** Next sequence an append gets. */
  nextSequence: number;
  groups: string[];
}

export interface ListOptions {
  prefix?: string;
  /** Default 100; clamped to 1 000. */
  limit?: number;
  /** From a previous page's `cursor`. */
  cursor?: Uint8Array;
}

export interface StreamListPage {
  streams: Array<{ name: string; partitionCount: number }>;
  /** Non-null exactly when more streams follow. */
  cursor: Uint8Array | null;
}

export interface GroupOptions {
  /** Default 30 000. */
  ackTimeoutMs?: number;
  /** Default 10; 0 = unlimited; at most 255. */
  maxDeliver?: number;
  /** Start after the current last record (new groups only). */
  tail?: boolean;
  /** Start at this position (new groups only; bare-sequence rule). */
  start?: StreamId;
}

export interface GroupReadOptions {
  /** Default 10; clamped to 1 000. */
  count?: number;
  blockMs?: number;
  /** Do not keep delivered records pending (and drop redelivered ones from the PEL). */
  noAck?: boolean;
  signal?: AbortSignal;
  /**
   * Asked once, synchronously, when the read is about to wait (nothing to deliver, blockMs >
   * 0); false answers [] now, delivering nothing. The server parks its request here.
   */
  onPark?: () => boolean;
  budget?: RecordBudget;
  /** Settings for a group this read creates. */
  create?: GroupOptions;
}

export interface ClaimOptions {
  /** 0: the caller's own entries; > 0: any consumer's entries idle at least this long. */
  minIdleMs?: number;
  /** Scan from the first entry at or after this position (default: the oldest). */
  start?: StreamId;
  /** Default 100; clamped to 1 000. */
  count?: number;
  /** Entries past the budget are not claimed; `next` then points at the first of them. */
  budget?: RecordBudget;
}

export interface ClaimResult {
  records: GroupRecord[];
  /** Where the next call should start, or null when the scan reached the end of the PEL. */
  next: StreamId | null;
}

export interface PendingInfo {
  id: StreamId;
  partition: number;
  consumer: string;
  deliveryCount: number;
  lastDeliveryMs: number;
  /** Redeliverable at (ack deadline, or end of a nack's delay). */
  dueMs: number;
  /** Nacked or its consumer left. */
  released: boolean;
}

export interface GroupInfo {
  name: string;
  /** The last record handed out (zeros when none). */
  cursor: StreamId;
  pending: number;
  deadLettered: number;
  ackTimeoutMs: number;
  maxDeliver: number;
  consumers: Array<{ name: string; pending: number; idleMs: number }>;
  /** Records not yet delivered plus pending ones. */
  lag: number;
  /** Age of the oldest pending record (now - its timestamp), 0 when none. */
  oldestPendingAgeMs: number;
}

/** A dead-lettered record of a group (it stays in the stream until trimmed). */
export interface DeadLetterInfo {
  id: StreamId;
  partition: number;
  /** The consumer it was last delivered to. */
  consumer: string;
  deliveryCount: number;
  deadLetteredMs: number;
}

export interface DeadLetterPage {
  entries: DeadLetterInfo[];
  /** Where the next page starts, or null when this one reached the end. */
  next: StreamId | null;
}

/** One group's backlog, as applied now (metrics gauges). */
export interface GroupGauge {
  namespace: string;
  stream: string;
  group: string;
  /** Records not yet delivered plus pending ones (GroupInfo.lag). */
  lag: number;
  pending: number;
}
