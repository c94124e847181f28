// The engine's public API: the one module that server/, cli/ and bench/ import, and what an
// embedded user imports. Everything exported here carries JSDoc; internals stay in their
// folders. Sections: errors, io seams, storage (log, lsm) with their inspectors, primitives.

export {
  ErrorCode,
  EngineError,
  NotFoundError,
  ConflictError,
  LeaseExpiredError,
  CorruptionError,
  StorageIoError,
  ProtocolError,
  ClosedError,
  OverloadedError,
} from './errors.ts';
export { AssertionError } from './assert.ts';
export type { FileSystem, FileHandle, FileLock } from './io/file_system.ts';
export { NodeFs } from './io/node_fs.ts';
export { MemFs } from './io/mem_fs.ts';
export type { Clock, Timer } from './io/clock.ts';
export { RealClock, ManualClock } from './io/clock.ts';

// ---- storage: the segmented log ----
export { SegmentedLog } from './log/segmented_log.ts';
export type {
  Durability, LogOptions, AppendOptions, AppendResult, ReadOptions, SegmentInfo,
} from './log/segmented_log.ts';
export type { LogRecord, LogRecordInput } from './log/batch.ts';
export type { RecoveryReport } from './log/recovery.ts';
export type { RetentionPolicy } from './log/retention.ts';
/** Bucket bounds (ms) of the engine's latency histograms (fsync durations). */
export { LATENCY_BOUNDS_MS } from './log/latency_histogram.ts';
/** A latency histogram's counts (LsmStats.walFsync). */
export type { LatencySnapshot } from './log/latency_histogram.ts';
export { inspectSegment, inspectLog } from './log/inspect.ts';
export type { SegmentInspection, BatchInspection, LogInspection } from './log/inspect.ts';

// ---- storage: the LSM's building blocks ----
// Memtable skiplist, sorted tables, block cache, iterators. The DB that ties them to a WAL
// and a manifest builds on these; tools and benchmarks use them directly.

/**
 * Entry kinds of the LSM (`tombstone` 0, `value` 1) and the largest sequence number.
 * @example
 * list.insert(key, 7, EntryKind.value, value);
 */
export { EntryKind, SEQ_MAX } from './lsm/internal_key.ts';
export type { Entry } from './lsm/internal_key.ts';
/** The one synchronous, forward-only iterator interface of the LSM. */
export type { InternalIterator } from './lsm/iterator.ts';
/**
 * The memtable's ordered structure: `insert(key, seq, kind, value)`, `get(key, snapshotSeq)`,
 * `iterator()`, `bytesUsed()`. Several versions of a key coexist, newest first.
 * @example
 * const list = new Skiplist({ seed: 1 });
 * list.insert(key, 1, EntryKind.value, value);
 * list.get(key); // { seq: 1, kind: EntryKind.value, value }
 */
export { Skiplist } from './lsm/skiplist.ts';
export type { SkiplistOptions } from './lsm/skiplist.ts';
/**
 * Writes one sorted table: `add()` entries in internal-key order, then `finish()` returns
 * its properties (the caller fsyncs). Format: docs/format/table.md.
 * @throws StorageIoError when a write fails; the writer then stays failed.
 */
export { TableWriter } from './lsm/table_writer.ts';
export type { TableWriterOptions } from './lsm/table_writer.ts';
export type { TableProperties } from './lsm/table_properties.ts';
/**
 * Reads one sorted table: `TableReader.open(file, { fileNumber, cache })`, then
 * `get(key, snapshotSeq)` and `iterator()`.
 * @throws CorruptionError naming the file and offset when a check fails.
 */
export { TableReader } from './lsm/table_reader.ts';
export type { TableReaderOptions } from './lsm/table_reader.ts';
/** Bytes-bounded LRU of decoded data blocks shared by every table reader. */
export { BlockCache } from './lsm/block_cache.ts';
export type { BlockCacheStats } from './lsm/block_cache.ts';
/** Merges sorted sources (newest first) into one stream in internal-key order. */
export { MergingIterator } from './lsm/merging_iterator.ts';
/** A snapshot view of an iterator: hides newer entries and, if asked, shadowed versions. */
export { SnapshotIterator } from './lsm/snapshot_iterator.ts';
export type { SnapshotOptions } from './lsm/snapshot_iterator.ts';
/**
 * Inspects and verifies a table file without throwing on corruption: footer, properties,
 * every block (offset, sizes, compression, CRC status), optionally every entry, and the
 * problems found (offset, what). Used by `flo inspect table`.
 * @param fs the file system holding the table.
 * @param path the table's path.
 * @returns a plain report; `ok` is false when any problem was found.
 * @throws StorageIoError when the file cannot be opened.
 * @example
 * const report = inspectTable(new NodeFs(), 'data/000042.sst', { entries: true });
 */
export { inspectTable } from './lsm/inspect_table.ts';
export type {
  InspectTableOptions, TableInspection, InspectedBlock, InspectedEntry, TableProblem,
} from './lsm/inspect_table.ts';

// ---- the engine ----
export { openFlo, Flo, Namespaces, checkNamespaceName } from './flo.ts';
export type { FloOptions, NamespacedStore } from './flo.ts';

// ---- storage: the LSM database ----

/**
 * The LSM database: batches of puts and deletes under byte keys, applied at once and
 * durable per the mode (`write(batch)` → `{seq, durable}`), point gets and snapshot
 * iterators, background flushes and compactions (leveled by default, or tiered), a
 * manifest with an atomic CURRENT. Owners share one instance under their own leading key
 * byte (KeySpace) and may register a compaction filter for it.
 * @throws OverloadedError from write() while flushes or compactions are behind (nothing
 * applied; `whenWritable()` waits for room), StorageIoError once failed, ClosedError
 * @example
 * const db = await LsmDb.open({ fs: new NodeFs(), clock: new RealClock(), dir: 'data/lsm' });
 * const batch = new WriteBatch();
 * batch.put(key, value);
 * await db.write(batch).durable;
 */
export { LsmDb } from './lsm/db.ts';
export type { WriteResult, Snapshot, LsmStats, LsmLevelStats } from './lsm/db.ts';
export type { LsmOptions } from './lsm/db_options.ts';
export type { DbRecoveryReport } from './lsm/db_recovery.ts';
export type { DbIterator, DbIteratorOptions } from './lsm/db_iterator.ts';
export type { CompactionStyle } from './lsm/compaction_picker.ts';
/** A batch of puts and deletes for LsmDb.write(); one WAL record, all or nothing. */
export { WriteBatch } from './lsm/write_batch.ts';
/** The leading key byte of each owner of the shared LSM. */
export { KeySpace } from './lsm/key_space.ts';
export { FilterDecision } from './lsm/compaction_filter.ts';
export type {
  CompactionFilter, CompactionFilterRun, FilterContext,
} from './lsm/compaction_filter.ts';
/**
 * Inspects an LSM directory without opening it for writing: CURRENT, the manifest's levels
 * and tables (sizes, key and seq ranges), the WAL's segments, and problems found. Used by
 * `flo inspect kv`.
 * @throws StorageIoError when the directory cannot be read.
 */
export { inspectDb } from './lsm/inspect_db.ts';
export type { DbInspection, InspectedTable } from './lsm/inspect_db.ts';

// ---- primitives: KV ----

/**
 * The KV store (wire spec §7.2): namespaced keys with versions from one counter, TTLs,
 * history, blocking gets (`blockMs`, `waitMs`), scans with cursors, counters (`incr`), JSON
 * paths and transactions. Writes resolve once durable; reads never reveal a write that is
 * not durable. Bad arguments throw TypeError/RangeError; conditions throw ConflictError,
 * NotFoundError or EngineError with code INVALID_ARGUMENT / NO_ACTIVE_TRANSACTION /
 * CROSS_NAMESPACE_TRANSACTION.
 * @example
 * const kv = await KvStore.open({ fs: new NodeFs(), clock: new RealClock(), dir: 'data/kv' });
 * const version = await kv.put('default', 'user:1', 'Ada', { ttlMs: 60_000 });
 * const entry = await kv.get('default', 'user:1'); // { value, version }
 */
export { KvStore } from './kv/kv_store.ts';
export type {
  KvOptions, KvPutOptions, KvGetOptions, KvScanOptions, KvExists, KvCommit, KvEntry,
} from './kv/kv_store.ts';
export type { KvScanPage, KvScanEntry, KvHistoryEntry } from './kv/kv_read.ts';
export { parsePath } from './kv/json_path.ts';
export type { PathSegment } from './kv/json_path.ts';
// ---- primitives: work queues ----
export { QueueStore } from './queue/queue_store.ts';
export type { QueueConfig } from './queue/queue.ts';
export type {
  QueueSettings, QueueStoreOptions, EnqueueOptions, DequeueOptions, SeqListOptions,
  NackOptions, TouchOptions, QueueMessage, QueueStats, DlqListOptions, DlqPage, DequeueBudget,
  QueueListOptions, QueueListEntry, QueueListPage, QueueCounters, QueueDepth,
} from './queue/queue_types.ts';
export { inspectQueue } from './queue/inspect_queue.ts';
export type { QueueInspection, InspectedDeadMessage } from './queue/inspect_queue.ts';

// ---- primitives: streams and consumer groups ----
export { StreamStore } from './stream/stream_store.ts';
export type { StreamGroups } from './stream/stream_groups.ts';
export type {
  StreamId, StreamHeader, StreamRecordInput, StreamRecord, GroupRecord, RetentionLimits,
  StreamStoreOptions, CreateStreamOptions, AlterStreamOptions, AppendOptions as StreamAppendOptions,
  AppendResult as StreamAppendResult, ReadOptions as StreamReadOptions, TrimOptions, TrimResult,
  StreamInfo, ListOptions as StreamListOptions, StreamListPage, GroupOptions, GroupReadOptions,
  ClaimOptions, ClaimResult, PendingInfo, GroupInfo, DeadLetterInfo, DeadLetterPage,
  RecordBudget, GroupGauge,
} from './stream/stream_types.ts';
export { inspectStream } from './stream/inspect_stream.ts';
export type {
  StreamInspection, PartitionInspection, GroupInspection,
} from './stream/inspect_stream.ts';

// ---- primitives: actions and workers ----
export { ActionStore } from './action/action_store.ts';
export { WorkerRegistry } from './action/worker_registry.ts';
export { RunStatusCode, WorkerStatusCode } from './action/action_types.ts';
export type {
  RunStatus, WorkerStatus, Labels, ActionStoreOptions, ActionSettings, ActionInfo,
  ActionListOptions, ActionPage, RunCaller, InvokeOptions, RunInfo, RunListOptions, RunPage,
  WaitOptions, AwaitTaskOptions, Task, TaskOptions, CompleteOptions, FailOptions,
  TouchOptions as ActionTouchOptions, WorkerProcess, WorkerRegistration, WorkerInfo,
  WorkerListOptions, WorkerPage,
} from './action/action_types.ts';
export type { ActionRecoveryReport } from './action/action_recovery.ts';
