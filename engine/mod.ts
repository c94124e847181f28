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

// ---- primitives: streams and consumer groups ----
export { StreamStore } from './stream/stream_store.ts';
export type { StreamGroups } from './stream/stream_groups.ts';
export type {
  StreamId, StreamHeader, StreamRecordInput, StreamRecord, GroupRecord, RetentionLimits,
  StreamStoreOptions, CreateStreamOptions, AlterStreamOptions, AppendOptions as StreamAppendOptions,
  AppendResult as StreamAppendResult, ReadOptions as StreamReadOptions, TrimOptions, TrimResult,
  StreamInfo, ListOptions as StreamListOptions, StreamListPage, GroupOptions, GroupReadOptions,
  ClaimOptions, ClaimResult, PendingInfo, GroupInfo, DeadLetterInfo, DeadLetterPage,
} from './stream/stream_types.ts';
export { inspectStream } from './stream/inspect_stream.ts';
export type {
  StreamInspection, PartitionInspection, GroupInspection,
} from './stream/inspect_stream.ts';
