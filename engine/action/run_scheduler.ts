// RunScheduler: the life of runs (wire §7.6.1) over the scheduling queues and the LSM.
// Every active run is one message in the internal queue of its (action, label set): ready or
// delayed while pending, leased while running, so priorities, delays, leases, touch and
// retries with backoff are the queue's (engine/queue, no second queue implementation). The
// LSM keeps a run's record, written at each assignment (running: attempt, task, worker) and
// when it finishes (with its list and idempotency entries). Apply at submit: each method
// changes memory and submits its queue operation and LSM entries synchronously, and returns
// the durability its caller reveals after.
//
// Crash safety between the two logs: a run's message is acked only once its final record is
// durable (retire()), so a crash leaves a finished run's message behind at worst, which
// recovery recognizes by the record and acks; never a run without message nor record. Until
// then the run stays in memory with its end set, and its message (a "ghost" if a lease
// expiry released it meanwhile) is skipped by assign().
//
// Lease expiry comes from the queue's onDue hook, before any other call can see it; a lost
// lease counts as an attempt: pending again, or timed_out on the last attempt.

import { assert } from '../assert.ts';
import { NameMap } from '../collections/name_map.ts';
import { CorruptionError, LeaseExpiredError, NotFoundError } from '../errors.ts';
import type { Clock } from '../io/clock.ts';
import type { Prng } from '../io/prng.ts';
import { queueMaxDeliveriesMax } from '../limits.ts';
import type { QueueStore } from '../queue/queue_store.ts';
import type { LeasedMessage, QueueDueEvent } from '../queue/queue_types.ts';
import type { InvokeSpec } from './action_args.ts';
import {
  decodeTicket, encodeIdemEntry, encodeListEntry, encodeRunRecord, encodeTicket,
} from './action_codec.ts';
import { idemKey, listKey, runKey } from './action_keys.ts';
import type { RunStatus } from './action_types.ts';
import type { ActionWriter } from './action_writer.ts';
import type { LabelSet } from './labels.ts';
import { formatRunId, formatTaskId, parseTaskId, type IdCounter } from './run_ids.ts';
import {
  NamespaceState, queueName, runRecordOf, type ActionDef, type ActiveRun, type RunEnd,
  type RunQueue,
} from './run_state.ts';
import type { Assignment, AwaitWaiter, TaskWaiters } from './task_waiters.ts';

/** What the scheduler works with. */
export interface SchedulerHost {
  readonly clock: Clock;
  readonly prng: Prng;
  readonly queues: QueueStore;
  readonly writer: ActionWriter;
  readonly waiters: TaskWaiters;
  readonly backoffMsBase: number;
  readonly backoffMsMax: number;
  /** A write or a queue operation failed: the store fails (every later call throws). */
  fail(error: unknown): void;
}

export class RunScheduler {
  readonly namespaces = new Map<string, NamespaceState>();
  /** Every active run by its sequence (store-wide). */
  readonly runs = new Map<number, ActiveRun>();
  ids!: IdCounter;
  private readonly host: SchedulerHost;
  /** Active runs by (namespace, action, idempotency key). */
  private readonly idempotent = new Map<string, ActiveRun>();
  /** Running runs by (namespace, worker id), for re-offers when a worker turns unhealthy. */
  private readonly byWorker = new NameMap<Set<ActiveRun>>();
  private readonly toServe = new Set<RunQueue>();
  private serving = false;
  private lastNowMs = 0;

  constructor(host: SchedulerHost) {
    this.host = host;
  }

  now(): number {
    this.lastNowMs = Math.max(this.lastNowMs, this.host.clock.nowMs());
    return this.lastNowMs;
  }

  namespace(ns: string): NamespaceState {
    let state = this.namespaces.get(ns);
    if (state === undefined) this.namespaces.set(ns, state = new NamespaceState());
    return state;
  }

  /** The internal queue of (def, labels); created (asynchronously) on first use. */
  queueFor(def: ActionDef, labels: LabelSet): RunQueue {
    let queue = def.queues.get(labels.json);
    if (queue !== undefined) return queue;
    const name = queueName(def.record.actionId, labels);
    queue = { namespace: def.namespace, name, def, labels, open: false, opening: null,
      leased: new Map() };
    def.queues.set(labels.json, queue);
    this.namespace(def.namespace).queuesByName.set(name, queue);
    queue.open = this.host.queues.isOpen(def.namespace, name);
    if (!queue.open) {
      // The store decides every end of an attempt: the queue never dead-letters.
      const opened = queue;
      opened.opening = this.host.queues.configure(def.namespace, name,
        { maxDeliveries: queueMaxDeliveriesMax }).then(() => {
        opened.open = true;
        opened.opening = null;
      });
      opened.opening.catch((error: unknown) => this.host.fail(error));
    }
    return queue;
  }

  // ---- runs ----

  /** The active run of an idempotency key, if any. */
  idempotentRun(def: ActionDef, key: string): ActiveRun | undefined {
    return this.idempotent.get(idemMapKey(def.namespace, def.name, key));
  }

  /** Creates a pending run; resolves once its message (and its id) is durable. */
  invoke(def: ActionDef, input: Uint8Array, spec: InvokeSpec) {
    const nowMs = this.now();
    const seq = this.ids.take();
    const queue = this.queueFor(def, spec.labels);
    const run = this.newRun(seq, queue, nowMs, spec.priority, spec.idempotencyKey, spec.caller);
    run.eligibleAtMs = spec.delayMs > 0 ? nowMs + spec.delayMs : 0;
    const ticket = encodeTicket({ runSeq: seq, createdAtMs: nowMs,
      idempotencyKey: spec.idempotencyKey, caller: spec.caller, input });
    this.track(run);
    const enqueue = (): Promise<void> => {
      const enqueued = this.host.queues.enqueue(def.namespace, queue.name, ticket,
        { priority: spec.priority, delayMs: spec.delayMs });
      if (spec.delayMs === 0) this.serve(queue);
      return enqueued.then(() => undefined);
    };
    const enqueued = queue.open ? enqueue() : queue.opening!.then(enqueue);
    enqueued.catch((error: unknown) => this.host.fail(error));
    const reveal = this.ids.whenRevealable(seq);
    run.lastChange = reveal === null ? enqueued : Promise.all([enqueued, reveal]).then(noop);
    return { runSeq: seq, durable: run.lastChange };
  }

  /** Assigns the best ready run of `queues` (wire §7.6.6) to `workerId`, or null. */
  takeAny(namespace: string, queues: readonly RunQueue[], workerId: string): Assignment | null {
    const candidates = queues.filter((queue) => queue.open)
      .map((queue) => ({ queue: queue.name, leaseMs: queue.def.record.timeoutMs }));
    if (candidates.length === 0) return null;
    for (;;) {
      const leased = this.host.queues.leaseFirst(namespace, candidates);
      if (leased === null) return null;
      const assignment = this.assign(namespace, leased, workerId);
      if (assignment !== null) return assignment;
    }
  }

  /**
   * The running run of `taskId` in `namespace`.
   * @throws NotFoundError `unknown task` (no such task, a stale attempt, a finished run, or
   * another action), LeaseExpiredError when its lease ran out
   */
  findTask(namespace: string, taskId: string, action: string | undefined): ActiveRun {
    const parsed = parseTaskId(taskId);
    const run = parsed === null ? undefined : this.runs.get(parsed.runSeq);
    if (run === undefined || run.queue.namespace !== namespace || run.end !== null ||
      run.status !== 'running' || run.taskSeq !== parsed!.taskSeq ||
      (action !== undefined && action !== run.queue.def.name)) {
      throw new NotFoundError(`unknown task "${taskId}"`);
    }
    if (this.now() >= run.deadlineMs) {
      throw new LeaseExpiredError(`unknown task "${taskId}": its lease ran out at ` +
        `${run.deadlineMs}`);
    }
    return run;
  }

  complete(run: ActiveRun, output: Uint8Array, outcome: string): Promise<void> {
    return this.finish(run, { status: 'completed', output, outcome, error: null }, true);
  }

  /** Ends an attempt that failed: pending again (after a backoff) or failed. */
  fail(run: ActiveRun, error: string, retry: boolean, backoff: boolean) {
    assert(run.status === 'running' && run.end === null, 'only a running task fails');
    if (!retry || run.attempts >= run.queue.def.record.maxRetries + 1) {
      return { status: 'failed' as RunStatus, durable: this.finish(run,
        { status: 'failed', output: null, outcome: null, error }, true) };
    }
    const delayMs = backoff ? this.backoffMs(run.attempts) : 0;
    this.unlease(run);
    run.eligibleAtMs = delayMs > 0 ? this.now() + delayMs : 0;
    const { namespace, name } = run.queue;
    const nacked = this.host.queues.nack(namespace, name, [run.messageSeq], { delayMs });
    run.lastChange = this.watch(nacked);
    if (delayMs === 0) this.serve(run.queue);
    return { status: 'pending' as RunStatus, durable: run.lastChange };
  }

  /** Moves a running task's deadline to now + extendMs (default: its lease length). */
  touch(run: ActiveRun, extendMs: number | undefined): Promise<number> {
    const nowMs = this.now();
    const { namespace, name } = run.queue;
    const touched = this.host.queues.touch(namespace, name, [run.messageSeq], { extendMs });
    run.deadlineMs = nowMs + (extendMs ?? run.leaseMs);
    run.lastChange = this.watch(touched);
    const deadlineMs = run.deadlineMs;
    return run.lastChange.then(() => deadlineMs);
  }

  /**
   * Cancels every active run of `def` (ACTION_DELETE). Its queues are purged only once the
   * deletion (`after`) and every cancelled record are durable: a crash before leaves the
   * messages, and recovery finds their records final; the records may span several LSM
   * batches (a batch is cut at 4 MiB). Returns the count and that durability.
   */
  cancelAll(def: ActionDef, after: Promise<void>) {
    const state = this.namespace(def.namespace);
    const runs = [...state.runsByAction.get(def.name) ?? []]
      .filter((run) => run.queue.def === def && run.end === null);
    const records = runs.map((run) => this.finish(run,
      { status: 'cancelled', output: null, outcome: null, error: 'cancelled' }, false));
    for (const queue of def.queues.values()) state.queuesByName.delete(queue.name);
    const durable = Promise.all([after, ...records]).then(noop);
    durable.then(() => {
      for (const queue of def.queues.values()) {
        if (!queue.open) continue;
        this.watch(this.host.queues.purge(def.namespace, queue.name));
      }
    }, () => undefined);
    assert(records.length === runs.length, 'one final record per cancelled run');
    return { cancelled: runs.length, durable };
  }

  /** The queue's onDue hook: expired leases end, and ready runs go to parked awaits. */
  onDue(event: QueueDueEvent): void {
    const queue = this.namespaces.get(event.namespace)?.queuesByName.get(event.queue);
    if (queue === undefined) return;
    for (const expired of event.expired) {
      const run = queue.leased.get(expired.seq);
      // None: a ghost lease of a finishing run (its ack follows its final record).
      if (run === undefined) continue;
      assert(run.attempts === expired.deliveryCount, 'the queue counts the run\'s attempts');
      this.leaseLost(run);
    }
    this.serve(queue);
  }

  /** A worker turned unhealthy: its running tasks are re-offered (as if their leases ran out). */
  releaseWorker(namespace: string, workerId: string): void {
    const runs = [...this.byWorker.get(namespace, workerId) ?? []];
    const queues = new Set<RunQueue>();
    for (const run of runs) {
      // A nack ticks its queue first, and an expiry heard in that tick (onDue) may already
      // have ended this lease, or a later one of the list: each is checked when reached.
      if (run.end !== null || run.status !== 'running') continue;
      this.watch(this.host.queues.nack(namespace, run.queue.name, [run.messageSeq],
        { strict: false }));
      if (run.end === null && run.status === 'running') this.leaseLost(run);
      assert(run.queue.leased.get(run.messageSeq) !== run, 'the worker holds the run no more');
      queues.add(run.queue);
    }
    for (const queue of queues) this.serve(queue);
  }

  /** Hands ready runs of `queue` to parked awaits, first parked first (not reentrant). */
  serve(queue: RunQueue): void {
    if (!this.host.waiters.has(queue.namespace, queue.def.name)) return;
    this.toServe.add(queue);
    if (this.serving) return;
    this.serving = true;
    try {
      for (const next of this.toServe) {
        this.toServe.delete(next);
        this.host.waiters.serve(next, (waiter) => this.takeFor(next, waiter));
      }
    } finally {
      this.serving = false;
    }
  }

  /** Forgets every run and action of `namespace` (forced deletion; nothing is recorded). */
  forgetNamespace(namespace: string): void {
    const state = this.namespaces.get(namespace);
    if (state === undefined) return;
    for (const runs of state.runsByAction.values()) {
      for (const run of runs) {
        if (run.status === 'running' && run.end === null) this.unlease(run);
        this.runs.delete(run.seq);
        if (run.idempotencyKey !== null) {
          this.idempotent.delete(idemMapKey(namespace, run.queue.def.name, run.idempotencyKey));
        }
        for (const wake of run.resultWaiters ?? []) wake();
        run.resultWaiters = null;
      }
    }
    this.namespaces.delete(namespace);
  }

  /** Ends every result wait (close, failure): they answer with the status then. */
  wakeAllResults(): void {
    for (const run of this.runs.values()) {
      for (const wake of run.resultWaiters ?? []) wake();
      run.resultWaiters = null;
    }
  }

  /** Memory agrees with the queues: one message per active run, leases where running. */
  checkInvariants(queues: QueueStore): void {
    const depths = new Map(queues.depths().map((depth) =>
      [`${depth.namespace}\u0000${depth.name}`, depth]));
    for (const [namespace, state] of this.namespaces) {
      for (const queue of state.queuesByName.values()) {
        if (!queue.open) continue;
        const depth = depths.get(`${namespace}\u0000${queue.name}`);
        assert(depth !== undefined, `queue "${queue.name}" is open`);
        const runs = [...state.runsByAction.get(queue.def.name) ?? []]
          .filter((run) => run.queue === queue);
        const running = runs.filter((run) => run.end === null && run.status === 'running');
        assert(queue.leased.size === running.length, 'every running run is leased');
        assert(depth.ready + depth.delayed + depth.leased === runs.length,
          `queue "${queue.name}" holds one message per active run`);
        assert(depth.dlq === 0, 'internal queues never dead-letter');
      }
    }
    for (const run of this.runs.values()) {
      const leased = run.queue.leased.get(run.messageSeq) === run;
      assert(leased === (run.end === null && run.status === 'running'),
        `run ${run.seq} is leased exactly while running`);
    }
  }

  // ---- for recovery ----

  newRun(seq: number, queue: RunQueue, createdAtMs: number, priority: number,
    idempotencyKey: string | null, caller: ActiveRun['caller']): ActiveRun {
    return {
      seq, queue, createdAtMs, priority, idempotencyKey, caller, status: 'pending', attempts: 0,
      eligibleAtMs: 0, startedAtMs: 0, taskSeq: 0, deadlineMs: 0, leaseMs: 0, workerId: '',
      messageSeq: 0, end: null, lastChange: Promise.resolve(), resultWaiters: null,
    };
  }

  /** Indexes an active run (runs, its action, its idempotency key, its worker). */
  track(run: ActiveRun): void {
    assert(!this.runs.has(run.seq), `run ${run.seq} tracked twice`);
    this.runs.set(run.seq, run);
    this.namespace(run.queue.namespace).addRun(run);
    if (run.idempotencyKey !== null) {
      this.idempotent.set(idemMapKey(run.queue.namespace, run.queue.def.name,
        run.idempotencyKey), run);
    }
    if (run.status === 'running') this.lease(run);
  }

  /** A lease recovered or made: indexed by message seq and by worker. */
  lease(run: ActiveRun): void {
    run.queue.leased.set(run.messageSeq, run);
    let runs = this.byWorker.get(run.queue.namespace, run.workerId);
    if (runs === undefined) this.byWorker.set(run.queue.namespace, run.workerId, runs = new Set());
    runs.add(run);
  }

  /**
   * Ends a run: its final record (with its list and idempotency entries) goes to the LSM;
   * once durable, its message is acked (unless `ack` is false: the caller purges the queue)
   * and it leaves memory.
   */
  finish(run: ActiveRun, end: Omit<RunEnd, 'completedAtMs'>, ack: boolean): Promise<void> {
    assert(run.end === null, 'a run finishes once');
    if (run.status === 'running') this.unlease(run);
    const completedAtMs = this.now();
    run.end = { ...end, completedAtMs };
    const { namespace } = run.queue;
    const action = run.queue.def.name;
    const entries: Array<[Uint8Array, Uint8Array]> = [
      [runKey(namespace, run.seq), encodeRunRecord(runRecordOf(run))],
      [listKey(namespace, action, run.seq), encodeListEntry({ status: end.status, completedAtMs })],
    ];
    if (run.idempotencyKey !== null) {
      entries.push([idemKey(namespace, action, run.idempotencyKey),
        encodeIdemEntry({ runSeq: run.seq, createdAtMs: run.createdAtMs, completedAtMs })]);
    }
    const durable = this.host.writer.putAll(entries);
    run.lastChange = durable;
    durable.then(() => this.retire(run, ack && run.messageSeq > 0),
      (error: unknown) => this.host.fail(error));
    return durable;
  }

  /** A lease ended without a report: the attempt counts; pending again or timed out. */
  leaseLost(run: ActiveRun): void {
    assert(run.status === 'running' && run.end === null, 'only a running task loses its lease');
    if (run.attempts >= run.queue.def.record.maxRetries + 1) {
      this.finish(run, { status: 'timed_out', output: null, outcome: null, error: 'timed out' },
        true);
      return;
    }
    this.unlease(run);
    run.eligibleAtMs = 0;
  }

  /** Ties a queue operation's failure to the store's; resolves with nothing. */
  watch(operation: Promise<unknown>): Promise<void> {
    const done = operation.then(noop);
    done.catch((error: unknown) => this.host.fail(error));
    return done;
  }

  // ---- internals ----

  // Leased message → running run: attempt, task, deadline, worker; its running record goes
  // to the LSM. Null for a ghost (the message of a run that finished meanwhile).
  private assign(namespace: string, leased: LeasedMessage, workerId: string): Assignment | null {
    const queue = this.namespaces.get(namespace)?.queuesByName.get(leased.queue);
    assert(queue !== undefined, `leased from an unknown queue "${leased.queue}"`);
    let ticket;
    try {
      ticket = decodeTicket(leased.message.payload);
    } catch (error) {
      throw new CorruptionError(leased.queue, leased.message.seq,
        `Cannot read the ticket of message ${leased.message.seq}: ${String(error)}`);
    }
    const run = this.runs.get(ticket.runSeq);
    assert(run !== undefined && run.queue === queue, 'every message belongs to an active run');
    if (run.end !== null) return null;
    assert(run.status === 'pending', 'a leased message was pending');
    run.status = 'running';
    run.attempts = leased.message.deliveryCount;
    run.taskSeq = this.ids.take();
    run.startedAtMs ||= this.now();
    run.deadlineMs = leased.deadlineMs;
    run.leaseMs = queue.def.record.timeoutMs;
    run.workerId = workerId;
    run.messageSeq = leased.message.seq;
    run.eligibleAtMs = 0;
    this.lease(run);
    const written = this.host.writer.put(runKey(namespace, run.seq),
      encodeRunRecord(runRecordOf(run)));
    const reveal = this.ids.whenRevealable(run.taskSeq);
    const durable = Promise.all([leased.durable, written, reveal]).then(noop);
    run.lastChange = durable;
    return {
      task: {
        taskId: formatTaskId(run.seq, run.taskSeq), runId: formatRunId(run.seq),
        action: queue.def.name, createdAtMs: run.createdAtMs, attempt: run.attempts,
        input: ticket.input, caller: run.caller, deadlineMs: run.deadlineMs,
      },
      durable,
    };
  }

  private takeFor(queue: RunQueue, waiter: AwaitWaiter): Assignment | null {
    return queue.open ? this.takeAny(queue.namespace, [queue], waiter.workerId) : null;
  }

  // Running → pending: out of its queue's leased map and its worker's set.
  private unlease(run: ActiveRun): void {
    assert(run.queue.leased.get(run.messageSeq) === run, 'a running run is leased');
    run.queue.leased.delete(run.messageSeq);
    const runs = this.byWorker.get(run.queue.namespace, run.workerId);
    runs?.delete(run);
    if (runs?.size === 0) this.byWorker.delete(run.queue.namespace, run.workerId);
    run.status = 'pending';
    run.workerId = '';
    run.deadlineMs = 0;
  }

  // The final record is durable: the message goes, and so does the run from memory.
  private retire(run: ActiveRun, ack: boolean): void {
    const { namespace, name } = run.queue;
    if (ack) this.watch(this.host.queues.ack(namespace, name, [run.messageSeq], { strict: false }));
    this.runs.delete(run.seq);
    this.namespace(namespace).removeRun(run);
    if (run.idempotencyKey !== null) {
      const key = idemMapKey(namespace, run.queue.def.name, run.idempotencyKey);
      if (this.idempotent.get(key) === run) this.idempotent.delete(key);
    }
    for (const wake of run.resultWaiters ?? []) wake();
    run.resultWaiters = null;
  }

  // Exponential backoff with jitter: base × 2^(attempt − 1), capped, then a uniform draw
  // from its upper half (so retries of runs that failed together spread out).
  private backoffMs(attempt: number): number {
    const { backoffMsBase, backoffMsMax } = this.host;
    if (backoffMsBase === 0) return 0;
    const capped = Math.min(backoffMsMax, backoffMsBase * 2 ** Math.min(attempt - 1, 40));
    return Math.floor(capped / 2 + this.host.prng.float() * (capped / 2));
  }
}

function idemMapKey(namespace: string, action: string, key: string): string {
  return `${namespace}\u0000${action}\u0000${key}`;
}

function noop(): void {}
