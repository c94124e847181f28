// The action store's in-memory state: registered actions, the internal queue of each
// (action, label set), and every active run — pending or running, or finished but not yet
// durable (a run leaves memory only once its final record is durable in the LSM, so nothing
// a pending write says is ever read back from the LSM). Per namespace, runs are indexed by
// action name for listings. Rebuilt at open by action_recovery.ts.
//
// A run is in exactly one internal queue message while active: ready or delayed = pending,
// leased = running (and then in its queue's `leased` map by message seq, for expiries).

import { assert } from '../assert.ts';
import type { RunCaller, RunInfo, RunStatus } from './action_types.ts';
import type { ActionRecord, RunRecord } from './action_codec.ts';
import { LabelSet } from './labels.ts';
import { formatRunId, formatTaskId } from './run_ids.ts';

/** A registered action. */
export interface ActionDef {
  readonly namespace: string;
  readonly name: string;
  record: ActionRecord;
  /** Its internal queues by canonical labels JSON. */
  readonly queues: Map<string, RunQueue>;
}

/** The internal queue of one (action, label set). */
export interface RunQueue {
  readonly namespace: string;
  /** The queue's name in the scheduling QueueStore: see queueName(). */
  readonly name: string;
  readonly def: ActionDef;
  readonly labels: LabelSet;
  /** False while the QueueStore creates it; `opening` resolves then. */
  open: boolean;
  opening: Promise<void> | null;
  /** Running runs by message seq (lease expiries name the message). */
  readonly leased: Map<number, ActiveRun>;
}

/** The end of a run, set when it finishes (before its record is durable). */
export interface RunEnd {
  status: Exclude<RunStatus, 'pending' | 'running'>;
  completedAtMs: number;
  outcome: string | null;
  output: Uint8Array | null;
  error: string | null;
}

export interface ActiveRun {
  readonly seq: number;
  readonly queue: RunQueue;
  readonly createdAtMs: number;
  readonly priority: number;
  readonly idempotencyKey: string | null;
  readonly caller: RunCaller | null;
  status: 'pending' | 'running';
  /** Assignments so far (the message's delivery count). */
  attempts: number;
  /** Pending: when it may be assigned (0: now). */
  eligibleAtMs: number;
  /** 0: never assigned. */
  startedAtMs: number;
  /** Running: the task's id sequence, lease deadline and length, worker and message. */
  taskSeq: number;
  deadlineMs: number;
  leaseMs: number;
  workerId: string;
  messageSeq: number;
  /** Set when finished; the run stays here until its final record is durable. */
  end: RunEnd | null;
  /** The durability of the run's latest change (reveal rule). */
  lastChange: Promise<void>;
  /** Result waits (awaitResult), woken once the final record is durable. */
  resultWaiters: Array<() => void> | null;
}

/** The name of an internal queue: the action's id (never reused) and the labels JSON. */
export function queueName(actionId: number, labels: LabelSet): string {
  return `a${actionId.toString(36)}:${labels.json}`;
}

/** The action id and labels a queue name stands for, or null when it is not one. */
export function parseQueueName(name: string): { actionId: number; labels: LabelSet } | null {
  const match = /^a([0-9a-z]{1,11}):/.exec(name);
  if (match === null) return null;
  const actionId = Number.parseInt(match[1]!, 36);
  if (!Number.isSafeInteger(actionId) || actionId <= 0) return null;
  try {
    return { actionId, labels: LabelSet.parse(name.slice(match[0].length)) };
  } catch {
    return null;
  }
}

/** The run's status as the API shows it (its end's, once finished). */
export function statusOf(run: ActiveRun): RunStatus {
  return run.end?.status ?? run.status;
}

/** What status, listings and awaitResult show of an active run. */
export function activeRunInfo(run: ActiveRun): RunInfo {
  const running = run.end === null && run.status === 'running';
  return {
    runId: formatRunId(run.seq), action: run.queue.def.name, status: statusOf(run),
    createdAtMs: run.createdAtMs, startedAtMs: run.startedAtMs || null,
    completedAtMs: run.end?.completedAtMs ?? null, attempts: run.attempts,
    retryCount: Math.max(run.attempts - 1, 0), priority: run.priority,
    labels: run.queue.labels.toObject(), output: run.end?.output?.slice() ?? null,
    outcome: run.end?.outcome ?? null, error: run.end?.error ?? null,
    eligibleAtMs: run.end === null && run.status === 'pending' ? run.eligibleAtMs : 0,
    taskId: running ? formatTaskId(run.seq, run.taskSeq) : null,
    workerId: running ? run.workerId : null, deadlineMs: running ? run.deadlineMs : null,
    caller: run.caller,
  };
}

/** What the LSM keeps of an active run (its running record, or its final one). */
export function runRecordOf(run: ActiveRun): RunRecord {
  assert(run.end !== null || run.status === 'running', 'pending runs have no record');
  return {
    status: statusOf(run), priority: run.priority, createdAtMs: run.createdAtMs,
    startedAtMs: run.startedAtMs, completedAtMs: run.end?.completedAtMs ?? 0,
    attempts: run.attempts, taskSeq: run.taskSeq, deadlineMs: run.deadlineMs,
    action: run.queue.def.name, labels: run.queue.labels.json, workerId: run.workerId,
    outcome: run.end?.outcome ?? null, output: run.end?.output ?? null,
    error: run.end?.error ?? null, idempotencyKey: run.idempotencyKey, caller: run.caller,
  };
}

/** The error shown for a lost run (see recordStatus()). */
export const lostRunError = 'lost in a crash: its ticket did not survive';

/** True for the statuses a run ends in (completed, failed, cancelled, timed_out). */
export function isFinal(status: RunStatus): boolean {
  return status !== 'running' && status !== 'pending';
}

/**
 * The status of a run known only from its LSM record (it is not active). A final status is
 * shown as it is. A running record belongs to no active run only when the crash that
 * preceded the last open kept the record but not the run's ticket (the two logs sync
 * separately; action_recovery.ts): the input is gone with the ticket, so the run can never
 * be offered again, and it is shown as failed (lostRunError) rather than running forever.
 */
export function recordStatus(status: RunStatus): RunStatus {
  return isFinal(status) ? status : 'failed';
}

/** What status and listings show of a run known only from its LSM record. */
export function recordRunInfo(seq: number, record: RunRecord): RunInfo {
  const status = recordStatus(record.status);
  const lost = status !== record.status;
  assert(!lost || record.completedAtMs === 0, 'a lost run never finished');
  return {
    runId: formatRunId(seq), action: record.action, status,
    createdAtMs: record.createdAtMs, startedAtMs: record.startedAtMs || null,
    completedAtMs: record.completedAtMs || null, attempts: record.attempts,
    retryCount: Math.max(record.attempts - 1, 0), priority: record.priority,
    labels: LabelSet.parse(record.labels).toObject(), output: record.output,
    outcome: record.outcome, error: lost ? lostRunError : record.error, eligibleAtMs: 0,
    taskId: null, workerId: null, deadlineMs: null, caller: record.caller,
  };
}

/** Per namespace: actions by name, internal queues by name, active runs by action name. */
export class NamespaceState {
  readonly actions = new Map<string, ActionDef>();
  readonly queuesByName = new Map<string, RunQueue>();
  readonly runsByAction = new Map<string, Set<ActiveRun>>();

  addRun(run: ActiveRun): void {
    const name = run.queue.def.name;
    let runs = this.runsByAction.get(name);
    if (runs === undefined) {
      runs = new Set();
      this.runsByAction.set(name, runs);
    }
    runs.add(run);
  }

  removeRun(run: ActiveRun): void {
    const name = run.queue.def.name;
    const runs = this.runsByAction.get(name);
    assert(runs?.has(run) === true, 'an active run is indexed by its action');
    runs.delete(run);
    if (runs.size === 0) this.runsByAction.delete(name);
  }

  get isEmpty(): boolean {
    return this.actions.size === 0 && this.runsByAction.size === 0 &&
      this.queuesByName.size === 0;
  }
}
