// The client's public API: FloClient (the SDK-shaped facade: kv, queue, stream with its
// consumer groups, action, worker, namespaces, system), ActionWorker (the worker loop),
// FloConnection (one pipelined, id-matched connection) and the typed errors. Re-exports the
// wire pieces a caller needs to build raw requests (op codes, option tags).

export { FloClient, type ClientOptions } from './client.ts';
export {
  ActionWorker, NonRetryableError,
  type ActionHandler, type ActionWorkerOptions, type TaskContext,
} from './action_worker.ts';
export { FloConnection } from './connection.ts';
export type { CallOptions, ConnectionOptions, WireReply } from './connection.ts';
export type { Bytes } from './bytes.ts';
export { textOf } from './bytes.ts';
export type { CallBase } from './family_base.ts';
export type { Page, PageOptions } from './paging.ts';
export type {
  KvApi, KvValue, KvScanEntry, KvHistoryEntry, PutOptions, GetOptions, CasOptions,
  ScanOptions, InTxn, TxnId, TxnHandle, CommitResult,
} from './kv.ts';
export type {
  QueueApi, QueueMessage, QueueStats, QueueInfo, EnqueueOptions, DequeueOptions, NackOptions,
} from './queue.ts';
export type {
  StreamApi, StreamRecordInput, AppendOptions, ReadOptions, TrimOptions, StreamSettings,
  StreamInfo,
} from './stream.ts';
export type { StreamId, StreamPosition, StreamRecord } from './stream_record.ts';
export type {
  StreamGroupApi, GroupSettings, GroupStart, GroupReadOptions, PendingEntry, ClaimResult,
  GroupInfo,
} from './stream_group.ts';
export { RunStatus } from './action.ts';
export type {
  ActionApi, RegisterOptions, InvokeOptions, RunStatusName, RunInfo, ActionInfo, RunSummary,
  Task,
} from './action.ts';
export { WorkerStatus, WorkerType } from './worker.ts';
export type {
  WorkerApi, WorkerProcess, WorkerRegistration, WorkerEntry, WorkerInfo, WorkerStatusName,
  WorkerTypeName,
} from './worker.ts';
export type { NamespaceApi, NamespaceInfo } from './namespace.ts';
export type { SystemApi, AuthResult, ClusterStatus, ClusterMember } from './system.ts';
export {
  errorForStatus,
  FloBadRequestError,
  FloClosedError,
  FloConflictError,
  FloConnectionError,
  FloError,
  FloInternalError,
  FloNotFoundError,
  FloOverloadedError,
  FloProtocolError,
  FloStatusError,
  FloTimeoutError,
  FloTransactionError,
  FloUnauthorizedError,
  FloUnavailableError,
} from './errors.ts';
export { OpCode } from '../server/wire/opcodes.ts';
export { OptionTag } from '../server/wire/option_tags.ts';
export { OptionsWriter } from '../server/wire/options.ts';
export { Status } from '../server/wire/frame.ts';
