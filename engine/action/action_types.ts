// The public shapes of the action and worker API (ActionStore, WorkerRegistry), exported
// from engine/mod.ts: settings, runs and their statuses, tasks, workers and pages. The
// server maps them onto the wire (spec §7.6, §7.7); fields name the wire field they carry.

import type { Prng } from '../io/prng.ts';
import type { StorageOptions } from '../log/log_options.ts';
import type { LsmDb } from '../lsm/db.ts';

/** Run statuses with their wire codes (ACTION_STATUS `status`). */
export const RunStatusCode = {
  pending: 0,
  running: 1,
  completed: 2,
  failed: 3,
  cancelled: 4,
  timed_out: 5,
} as const;
export type RunStatus = keyof typeof RunStatusCode;

/** Worker statuses with their wire codes (WORKER_HEARTBEAT, worker list entries). */
export const WorkerStatusCode = {
  active: 0,
  idle: 1,
  draining: 2,
  unhealthy: 3,
} as const;
export type WorkerStatus = keyof typeof WorkerStatusCode;

/**
 * Labels a run requires: JSON members. Strings, numbers, booleans and null match by type
 * and value; array and object values are accepted but never match (wire §7.6.3).
 */
export type Labels = Readonly<Record<string, unknown>>;

export interface ActionStoreOptions extends StorageOptions {
  /** The engine's LSM (flo.kv.db): run records, idempotency keys, actions and workers. */
  db: LsmDb;
  /** Directory of the scheduling queues (`<dir>/queues/`). */
  dir: string;
  /** Jitter of retry backoffs (default: seeded from the clock). */
  prng?: Prng;
  /** Finished runs are kept at least this long, then dropped by compaction (24 h). */
  runRetentionMs?: number;
  /** How long an idempotency key returns its run (24 h). */
  idempotencyWindowMs?: number;
  /** A worker not heard from for this long is unhealthy; its tasks are re-offered (60 s). */
  workerTimeoutMs?: number;
  /** Backoff of a retried attempt: base × 2^(attempt − 1), capped, then jittered. */
  backoffMsBase?: number;
  backoffMsMax?: number;
  /** Parked awaits and result waits at once over the store (default 100 000). */
  parkedMax?: number;
  /** Ticket bytes (inputs) of pending runs kept in memory (default: the queue's 256 MiB). */
  payloadCacheBytes?: number;
  /** Journal segment size of the scheduling queues (default 16 MiB). */
  segmentBytes?: number;
}

/** ACTION_REGISTER settings; re-registering replaces them. */
export interface ActionSettings {
  /** Only 0 (worker-hosted) is supported. */
  type?: number;
  /** Lease of one attempt, 1 ms … 12 h (default 30 000). */
  timeoutMs?: number;
  /** Retries after the first attempt, 0 … 10 000 (default 3). */
  maxRetries?: number;
  description?: string;
}

/** An action as ACTION_LIST shows it. */
export interface ActionInfo {
  name: string;
  type: number;
  timeoutMs: number;
  maxRetries: number;
  description: string | null;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface ActionListOptions {
  prefix?: string;
  /** 1 … 1 000; 0 or absent means 100; larger values are clamped. */
  limit?: number;
  cursor?: Uint8Array;
}

export interface ActionPage {
  actions: ActionInfo[];
  hasMore: boolean;
  /** Opaque (wire §8): empty when !hasMore. */
  cursor: Uint8Array;
}

/** The workflow run that started a run (has_caller in the task assignment). */
export interface RunCaller {
  runId: string;
  workflow: string;
}

export interface InvokeOptions {
  /** Within the idempotency window, the same key (per action) returns the same run. */
  idempotencyKey?: string;
  /** Only workers whose labels hold every member (equal scalar values) take the run. */
  labels?: Labels;
  /** u8; lower values are assigned first (default 10). */
  priority?: number;
  /** Eligible only after this many ms (0 … 30 days). */
  delayMs?: number;
  caller?: RunCaller;
}

/** A run as ACTION_STATUS and the run lists show it. */
export interface RunInfo {
  runId: string;
  action: string;
  status: RunStatus;
  createdAtMs: number;
  /** The first assignment. */
  startedAtMs: number | null;
  /** When the run reached a final status. */
  completedAtMs: number | null;
  /** Assignments so far (retry_count on the wire is max(attempts − 1, 0)). */
  attempts: number;
  retryCount: number;
  priority: number;
  labels: Labels;
  /** Present exactly when completed. */
  output: Uint8Array | null;
  /** The named outcome of a completed run ('success' unless named). */
  outcome: string | null;
  /** failed: the message; timed_out: 'timed out'; cancelled: 'cancelled'. */
  error: string | null;
  /** Pending: when it may be assigned (0: at once). */
  eligibleAtMs: number;
  /** Running: the current task, its worker and lease deadline. */
  taskId: string | null;
  workerId: string | null;
  deadlineMs: number | null;
  caller: RunCaller | null;
}

export interface RunListOptions {
  /** Only runs in this status (the list then examines at most 10 000 runs per page). */
  status?: RunStatus;
  limit?: number;
  cursor?: Uint8Array;
}

export interface RunPage {
  /** Newest first (reverse creation order). */
  runs: RunInfo[];
  hasMore: boolean;
  /** 0x01, the 8-byte big-endian creation sequence and the run id of the last (wire §8). */
  cursor: Uint8Array;
}

export interface WaitOptions {
  /** 0 … 300 000 ms (default 30 000). */
  blockMs?: number;
  /** Aborting ends the wait with its timeout outcome. */
  signal?: AbortSignal;
}

export interface AwaitTaskOptions extends WaitOptions {
  /**
   * Called once, synchronously, when the await is about to park; false answers null at once
   * (the server parks its request here).
   */
  onPark?: () => boolean;
}

/** One attempt of a run handed to a worker (the wire's task assignment). */
export interface Task {
  taskId: string;
  runId: string;
  /** task_type on the wire. */
  action: string;
  /** The run's creation time. */
  createdAtMs: number;
  /** From 1. */
  attempt: number;
  /** The run's input (a copy owned by the caller). */
  input: Uint8Array;
  caller: RunCaller | null;
  /** The lease deadline (moved by touch). */
  deadlineMs: number;
}

/** Options of complete, fail and touch. */
export interface TaskOptions {
  /** The run's action name: when given, a task of another action is `unknown task`. */
  action?: string;
  /** The worker reporting (counts as contact, wire §7.7). */
  workerId?: string;
}

export interface CompleteOptions extends TaskOptions {
  /** Named outcome (default 'success'; empty means 'success'). */
  outcome?: string;
}

export interface FailOptions extends TaskOptions {
  /** Retry while attempts remain (default true); false fails the run now. */
  retry?: boolean;
  /**
   * Offer the retry after the exponential backoff (default true, the behaviour);
   * false makes it eligible at once (the wire's ACTION_FAIL).
   */
  backoff?: boolean;
}

export interface TouchOptions extends TaskOptions {
  /** New deadline = now + extendMs (1 ms … 12 h; default: the lease's own length). */
  extendMs?: number;
}

/** A process a worker hosts (wire: kind 0 action, 1 stream consumer). */
export interface WorkerProcess {
  name: string;
  kind: number;
}

export interface WorkerRegistration {
  /** 0 action worker (default), 1 stream worker. */
  type?: number;
  /** Informational (default 10). */
  maxConcurrency?: number;
  /** Action names (processes of kind 0), added to `processes`. */
  actions?: readonly string[];
  processes?: readonly WorkerProcess[];
  /** A JSON object; its top-level members are the worker's labels. */
  metadata?: Readonly<Record<string, unknown>>;
  machineId?: string;
}

/** A worker as WORKER_LIST and WORKER_INFO show it. */
export interface WorkerInfo {
  workerId: string;
  type: number;
  status: WorkerStatus;
  maxConcurrency: number;
  currentLoad: number;
  lastSeenMs: number;
  processes: WorkerProcess[];
  metadata: Record<string, unknown> | null;
  machineId: string | null;
  registeredAtMs: number;
}

export interface WorkerListOptions {
  limit?: number;
  cursor?: Uint8Array;
}

export interface WorkerPage {
  /** Sorted by id (bytewise UTF-8). */
  workers: WorkerInfo[];
  hasMore: boolean;
  cursor: Uint8Array;
}
