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
export { inspectSegment, inspectLog } from './log/inspect.ts';
export type { SegmentInspection, BatchInspection, LogInspection } from './log/inspect.ts';

// ---- the engine ----
export { openFlo, Flo, Namespaces, checkNamespaceName } from './flo.ts';
export type { FloOptions, NamespacedStore } from './flo.ts';

// ---- primitives: work queues ----
export { QueueStore } from './queue/queue_store.ts';
export type { QueueConfig } from './queue/queue.ts';
export type {
  QueueSettings, QueueStoreOptions, EnqueueOptions, DequeueOptions, SeqListOptions,
  NackOptions, TouchOptions, QueueMessage, QueueStats, DlqListOptions, DlqPage,
  QueueListOptions, QueueListEntry, QueueListPage, QueueCounters,
} from './queue/queue_types.ts';
export { inspectQueue } from './queue/inspect_queue.ts';
export type { QueueInspection, InspectedDeadMessage } from './queue/inspect_queue.ts';
