// ActionStore: Flo's durable tasks (wire spec §7.6; the actions and workers). An
// action is registered once and invoked many times; each invoke is a run that workers take
// with awaitTask (long polls, FIFO among parked awaits, label routing), extend with touch,
// and end with complete or fail; the store retries, times out and records every run. Exposed
// as flo.action, with its WorkerRegistry as flo.worker.
//
// Built on the queue primitive and the LSM (docs/design/actions.md): scheduling (pending
// runs, priorities, delays, leases, retries) is a private QueueStore under <dir>/queues/,
// one internal queue per (action, label set) — no user op can reach it; run records,
// idempotency keys, actions and workers are in the engine's shared LSM (flo.kv.db) under
// KeySpace.action. Methods check their arguments, then apply at submit and resolve once
// durable (run_scheduler.ts); reads wait for the durability of what they show.

import { assert, invariantsEnabled } from '../assert.ts';
import { ClosedError, NotFoundError, OverloadedError } from '../errors.ts';
import { joinPath } from '../io/file_system.ts';
import { Prng } from '../io/prng.ts';
import { checkIntOr, checkPageLimit, decodeCursorKey, encodeNameCursor } from '../args.ts';
import { compareBytes, utf8 } from '../codec/bytes.ts';
import {
  actionBackoffMsBaseDefault, actionBackoffMsMaxDefault, actionIdempotencyWindowMsDefault,
  actionParkedMaxDefault, actionRunRetentionMsDefault, actionTimeoutMsMax, queueDelayMsMax,
  queueMaxDeliveriesMax, actionPageLimitDefault, actionPageLimitMax, workerTimeoutMsDefault,
} from '../limits.ts';
import type { LsmDb } from '../lsm/db.ts';
import { KeySpace } from '../lsm/key_space.ts';
import { QueueStore } from '../queue/queue_store.ts';
import type { QueueDueEvent } from '../queue/queue_types.ts';
import {
  checkActionName, checkActionSettings, checkBlockMs, checkErrorMessage, checkIdArgument,
  checkInput, checkInvokeOptions, checkNamespace, checkOutcome, checkOutput, checkRunStatus,
  checkWorkerId, decodeRunCursor, encodeRunCursor,
} from './action_args.ts';
import { decodeIdemEntry, decodeRunRecord, encodeActionRecord } from './action_codec.ts';
import { ActionCompactionFilter } from './action_filter.ts';
import { actionKey, idemKey, readValue, runKey } from './action_keys.ts';
import { recoverActionState, type ActionRecoveryReport } from './action_recovery.ts';
import type {
  ActionInfo, ActionListOptions, ActionPage, ActionSettings, ActionStoreOptions,
  AwaitTaskOptions, CompleteOptions, FailOptions, InvokeOptions, RunInfo, RunListOptions,
  RunPage, RunStatus, Task, TouchOptions, WaitOptions,
} from './action_types.ts';
import { ActionWriter } from './action_writer.ts';
import { noWorkerLabels, type WorkerLabels } from './labels.ts';
import { dropNamespaceKeys, namespacesWithRuns, namespaceHasRuns } from './namespace_keys.ts';
import { listRuns } from './run_listing.ts';
import { formatRunId, parseRunId } from './run_ids.ts';
import { RunScheduler } from './run_scheduler.ts';
import { activeRunInfo, recordRunInfo, type ActionDef, type RunQueue } from './run_state.ts';
import { TaskWaiters, type ParkedCount } from './task_waiters.ts';
import { WorkerRegistry } from './worker_registry.ts';

export class ActionStore {
  /** The workers (flo.worker). */
  readonly workers: WorkerRegistry;
  /** What the last open recovered (tests, diagnostics). */
  recovery: ActionRecoveryReport | null = null;
  private readonly options: ActionStoreOptions;
  private readonly db: LsmDb;
  private readonly writer: ActionWriter;
  private readonly waiters: TaskWaiters;
  private readonly scheduler: RunScheduler;
  private readonly parked: ParkedCount = { parked: 0 };
  private readonly parkedMax: number;
  private readonly idempotencyWindowMs: number;
  private queues!: QueueStore;
  private failure: Error | null = null;
  private closing: Promise<void> | null = null;

  private constructor(options: ActionStoreOptions) {
    this.options = options;
    this.db = options.db;
    const { clock } = options;
    this.parkedMax = checkIntOr(options.parkedMax, 'parkedMax', 0, Number.MAX_SAFE_INTEGER,
      actionParkedMaxDefault);
    this.idempotencyWindowMs = checkIntOr(options.idempotencyWindowMs, 'idempotencyWindowMs', 1,
      Number.MAX_SAFE_INTEGER, actionIdempotencyWindowMsDefault);
    this.writer = new ActionWriter(this.db, (error) => this.failStore(error));
    this.waiters = new TaskWaiters(clock, this.parked);
    const timeoutMs = checkIntOr(options.workerTimeoutMs, 'workerTimeoutMs', 1,
      Number.MAX_SAFE_INTEGER, workerTimeoutMsDefault);
    this.workers = new WorkerRegistry({
      clock, writer: this.writer, timeoutMs,
      onDrain: (worker) => this.waiters.dropWorker(worker.namespace, worker.id),
      onUnhealthy: (worker) => this.scheduler.releaseWorker(worker.namespace, worker.id),
      checkOpen: () => this.checkOpen(),
    });
    const backoffMsBase = checkIntOr(options.backoffMsBase, 'backoffMsBase', 0, queueDelayMsMax,
      actionBackoffMsBaseDefault);
    const store = this;
    this.scheduler = new RunScheduler({
      clock, writer: this.writer, waiters: this.waiters, backoffMsBase,
      prng: options.prng ?? new Prng(clock.nowMs()),
      backoffMsMax: checkIntOr(options.backoffMsMax, 'backoffMsMax', backoffMsBase,
        queueDelayMsMax, Math.max(backoffMsBase, actionBackoffMsMaxDefault)),
      get queues() {
        return store.queues;
      },
      fail: (error) => this.failStore(error),
    });
  }

  /**
   * Opens the store: its scheduling queues under `options.dir`, and its records in
   * `options.db`, recovering every active run (action_recovery.ts).
   * @throws CorruptionError, StorageIoError, TypeError/RangeError (bad options)
   */
  static async open(options: ActionStoreOptions): Promise<ActionStore> {
    const store = new ActionStore(options);
    const retentionMs = checkIntOr(options.runRetentionMs, 'runRetentionMs', 1,
      Number.MAX_SAFE_INTEGER, actionRunRetentionMsDefault);
    const dueAtOpen: QueueDueEvent[] = [];
    let recovering = true;
    store.queues = await QueueStore.open({
      fs: options.fs, clock: options.clock, dir: joinPath(options.dir, 'queues'),
      durability: options.durability, syncIntervalMs: options.syncIntervalMs,
      segmentBytes: options.segmentBytes, payloadCacheBytes: options.payloadCacheBytes,
      parkedMax: 0, defaults: { maxDeliveries: queueMaxDeliveriesMax },
      onDue: (event) => {
        if (recovering) dueAtOpen.push(event);
        else store.scheduler.onDue(event);
      },
    });
    try {
      store.recovery = await recoverActionState({ db: store.db, writer: store.writer,
        queues: store.queues, scheduler: store.scheduler, registry: store.workers, dueAtOpen });
      recovering = false;
      store.db.registerFilter(KeySpace.action,
        new ActionCompactionFilter(retentionMs, store.idempotencyWindowMs));
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
    return store;
  }

  // ---- actions ----

  /**
   * Registers an action, or replaces an existing one's settings (runs in progress keep
   * their lease). Resolves once durable.
   * @throws RangeError `not supported: action type` for a type other than 0
   */
  async register(namespace: string, name: string, settings: ActionSettings = {}) {
    const ns = checkNamespace(namespace);
    const action = checkActionName(name);
    const checked = checkActionSettings(settings);
    this.checkOpen();
    const state = this.scheduler.namespace(ns);
    const nowMs = this.scheduler.now();
    let def = state.actions.get(action);
    if (def === undefined) {
      def = { namespace: ns, name: action, queues: new Map(), record: { ...checked,
        actionId: this.scheduler.ids.take(), createdAtMs: nowMs, updatedAtMs: nowMs } };
      state.actions.set(action, def);
    } else {
      def.record = { ...def.record, ...checked, updatedAtMs: nowMs };
    }
    const info = actionInfo(def);
    await this.writer.put(actionKey(ns, action), encodeActionRecord(def.record));
    return info;
  }

  /** An action's settings, or null when it is not registered. */
  async get(namespace: string, name: string): Promise<ActionInfo | null> {
    const ns = checkNamespace(namespace);
    const action = checkActionName(name);
    this.checkOpen();
    const def = this.scheduler.namespaces.get(ns)?.actions.get(action);
    const info = def === undefined ? null : actionInfo(def);
    await this.writer.settled();
    return info;
  }

  /** The actions of a namespace sorted by name (bytewise UTF-8), a page at a time. */
  async list(namespace: string, options: ActionListOptions = {}): Promise<ActionPage> {
    const ns = checkNamespace(namespace);
    const limit = checkPageLimit(options.limit, actionPageLimitDefault, actionPageLimitMax);
    const prefix = options.prefix ?? '';
    if (typeof prefix !== 'string') throw new TypeError('prefix must be a string');
    const after = decodeCursorKey(options.cursor);
    this.checkOpen();
    const sorted = [...this.scheduler.namespaces.get(ns)?.actions.values() ?? []]
      .filter((def) => def.name.startsWith(prefix))
      .map((def) => ({ def, key: utf8(def.name) }))
      .filter(({ key }) => after === null || compareBytes(key, after) > 0)
      .sort((a, b) => compareBytes(a.key, b.key));
    const actions = sorted.slice(0, limit).map(({ def }) => actionInfo(def));
    const hasMore = sorted.length > limit;
    await this.writer.settled();
    return { actions, hasMore,
      cursor: hasMore ? encodeNameCursor(actions.at(-1)!.name) : new Uint8Array(0) };
  }

  /**
   * Deletes an action: its pending and running runs become cancelled. Resolves with how
   * many were cancelled. @throws NotFoundError when it is not registered
   */
  async delete(namespace: string, name: string): Promise<number> {
    const ns = checkNamespace(namespace);
    const action = checkActionName(name);
    this.checkOpen();
    const state = this.scheduler.namespaces.get(ns);
    const def = state?.actions.get(action);
    if (def === undefined) throw new NotFoundError(`action not found: "${action}"`);
    state!.actions.delete(action);
    const deleted = this.writer.delete(actionKey(ns, action));
    const { cancelled, durable } = this.scheduler.cancelAll(def, deleted);
    await durable;
    return cancelled;
  }

  // ---- runs ----

  /**
   * Starts a run of an action; resolves with its run id once durable. Within the
   * idempotency window, the same key returns the first run's id and starts nothing.
   * @throws NotFoundError `action not found`, OverloadedError while the LSM is stalled
   */
  async invoke(namespace: string, action: string, input: Uint8Array,
    options: InvokeOptions = {}): Promise<string> {
    const ns = checkNamespace(namespace);
    const name = checkActionName(action);
    const data = checkInput(input);
    const spec = checkInvokeOptions(options);
    this.checkOpen();
    const def = this.scheduler.namespaces.get(ns)?.actions.get(name);
    if (def === undefined) throw new NotFoundError(`action not found: "${name}"`);
    if (spec.idempotencyKey !== null) {
      const seq = this.idempotentRun(def, spec.idempotencyKey);
      if (seq !== null) {
        await (this.scheduler.runs.get(seq)?.lastChange ?? this.writer.settled());
        return formatRunId(seq);
      }
    }
    const stall = this.writer.stalled ? this.db.writeStall() : null;
    if (stall !== null) throw new OverloadedError(`Cannot invoke "${name}": ${stall}`);
    // No copy: invoke() encodes the input into its ticket before it returns.
    const { runSeq, durable } = this.scheduler.invoke(def, data, spec);
    await durable;
    return formatRunId(runSeq);
  }

  /** A run's status. @throws NotFoundError for a run id this namespace does not hold */
  async status(namespace: string, runId: string): Promise<RunInfo> {
    const ns = checkNamespace(namespace);
    const id = checkIdArgument(runId, 'runId');
    this.checkOpen();
    const seq = parseRunId(id);
    const run = seq === null ? undefined : this.scheduler.runs.get(seq);
    if (run !== undefined && run.queue.namespace === ns) {
      const info = activeRunInfo(run);
      await run.lastChange;
      return info;
    }
    const record = seq === null
      ? null : readValue(this.db, runKey(ns, seq), decodeRunRecord, 'run record');
    if (record === null) throw new NotFoundError(`run not found: "${id}"`);
    return recordRunInfo(seq!, record);
  }

  /**
   * Waits (without polling) until the run has finished, at most `blockMs` (default 30 000);
   * resolves with its status then, finished or not.
   */
  async awaitResult(namespace: string, runId: string, options: WaitOptions = {}) {
    const ns = checkNamespace(namespace);
    const id = checkIdArgument(runId, 'runId');
    const blockMs = checkBlockMs(options.blockMs);
    this.checkOpen();
    const seq = parseRunId(id);
    const run = seq === null ? undefined : this.scheduler.runs.get(seq);
    if (run !== undefined && run.queue.namespace === ns && run.end === null && blockMs > 0 &&
      this.parked.parked < this.parkedMax && options.signal?.aborted !== true) {
      await this.waitForEnd(run.resultWaiters ??= [], blockMs, options.signal);
    }
    return this.status(ns, id);
  }

  /**
   * Runs of a namespace (action '') or of one action, newest first, a page at a time.
   * @throws RangeError for a cursor this store did not make
   */
  async listRuns(namespace: string, action: string, options: RunListOptions = {}) {
    const ns = checkNamespace(namespace);
    const name = action === '' ? '' : checkActionName(action);
    const status = checkRunStatus(options.status);
    const limit = checkPageLimit(options.limit, actionPageLimitDefault, actionPageLimitMax);
    const belowSeq = decodeRunCursor(options.cursor) ?? Infinity;
    this.checkOpen();
    const page = listRuns(this.db, this.scheduler, { namespace: ns, action: name, status,
      limit, belowSeq });
    await page.durable;
    const next = page.nextBelowSeq;
    const result: RunPage = { runs: page.runs, hasMore: next !== null,
      cursor: next === null ? new Uint8Array(0) : encodeRunCursor(next, formatRunId(next)) };
    return result;
  }

  // ---- tasks ----

  /**
   * A worker's long poll (wire §7.6.6): hands out one task of the listed actions (none: the
   * worker's registered ones) whose run labels the worker holds — the lowest priority value,
   * then the oldest — leased for the action's timeout. With nothing ready it waits up to
   * `blockMs` (default 30 000), first parked first served; a timeout, an abort or a drain
   * resolves with null having taken nothing. A draining worker gets null at once.
   * @throws RangeError `no actions to await`
   */
  async awaitTask(namespace: string, workerId: string, actions: readonly string[] = [],
    options: AwaitTaskOptions = {}): Promise<Task | null> {
    const ns = checkNamespace(namespace);
    const id = checkWorkerId(workerId);
    if (!Array.isArray(actions)) throw new TypeError('actions must be an array of names');
    const names = actions.map((name, i) => checkActionName(name, `actions[${i}]`));
    const blockMs = checkBlockMs(options.blockMs);
    this.checkOpen();
    const worker = this.workers.find(ns, id);
    if (worker !== undefined) this.workers.contact(worker);
    if (worker?.record.draining === true) return null;
    const wanted = names.length > 0 ? names : worker?.actions ?? [];
    if (wanted.length === 0) throw new RangeError('no actions to await');
    const labels = worker?.labels ?? noWorkerLabels;
    const assignment = this.scheduler.takeAny(ns, this.candidates(ns, wanted, labels), id);
    if (assignment !== null) {
      await assignment.durable;
      return assignment.task;
    }
    const mayPark = blockMs > 0 && this.parked.parked < this.parkedMax &&
      options.signal?.aborted !== true && (options.onPark?.() ?? true);
    if (!mayPark) return null;
    return this.waiters.park(ns, id, wanted, labels, blockMs, options.signal);
  }

  /**
   * Completes the run of a task with `output`. @throws NotFoundError `unknown task` (stale
   * attempt, finished run, other action), LeaseExpiredError (its lease was lost)
   */
  async complete(namespace: string, taskId: string, output: Uint8Array,
    options: CompleteOptions = {}): Promise<void> {
    const ns = checkNamespace(namespace);
    const id = checkIdArgument(taskId, 'taskId');
    const data = checkOutput(output);
    const outcome = checkOutcome(options.outcome);
    const run = this.taskRun(ns, id, options);
    await this.scheduler.complete(run, data.slice(), outcome);
  }

  /**
   * Fails an attempt. With `retry` (default) and attempts left, the run is offered again
   * after a backoff (`backoff: false`: at once); otherwise it fails. Resolves with the run's
   * status then ('pending' or 'failed'). @throws as complete()
   */
  async fail(namespace: string, taskId: string, error: string,
    options: FailOptions = {}): Promise<RunStatus> {
    const ns = checkNamespace(namespace);
    const id = checkIdArgument(taskId, 'taskId');
    const message = checkErrorMessage(error);
    const retry = options.retry ?? true;
    const backoff = options.backoff ?? true;
    if (typeof retry !== 'boolean' || typeof backoff !== 'boolean') {
      throw new TypeError('retry and backoff must be booleans');
    }
    const run = this.taskRun(ns, id, options);
    const result = this.scheduler.fail(run, message, retry, backoff);
    await result.durable;
    return result.status;
  }

  /** Extends a task's lease to now + extendMs; resolves with the new deadline. */
  async touch(namespace: string, taskId: string, options: TouchOptions = {}): Promise<number> {
    const ns = checkNamespace(namespace);
    const id = checkIdArgument(taskId, 'taskId');
    const extendMs = options.extendMs === undefined
      ? undefined : checkIntOr(options.extendMs, 'extendMs', 1, actionTimeoutMsMax, 1);
    const run = this.taskRun(ns, id, options);
    return this.scheduler.touch(run, extendMs);
  }

  // ---- namespaces, life cycle ----

  /** True when the namespace holds an action, a run or a worker. */
  namespaceHoldsData(namespace: string): boolean {
    const ns = checkNamespace(namespace);
    if (this.closing !== null) return false;
    const state = this.scheduler.namespaces.get(ns);
    return (state !== undefined && !state.isEmpty) || this.workers.namespaceHoldsData(ns) ||
      namespaceHasRuns(this.db, ns);
  }

  /** Every namespace holding an action, a run or a worker, sorted bytewise. */
  namespacesWithData(): string[] {
    if (this.closing !== null) return [];
    const names = new Set<string>([...namespacesWithRuns(this.db), ...this.workers.namespaces()]);
    for (const [ns, state] of this.scheduler.namespaces) if (!state.isEmpty) names.add(ns);
    return [...names].sort((a, b) => compareBytes(utf8(a), utf8(b)));
  }

  /**
   * Deletes everything of a namespace: actions, runs (active ones too, without a trace),
   * idempotency keys and workers. Parked awaits there answer null; result waits end.
   */
  async dropNamespace(namespace: string): Promise<void> {
    const ns = checkNamespace(namespace);
    this.checkOpen();
    this.waiters.dropAll(ns);
    this.scheduler.forgetNamespace(ns);
    this.workers.dropNamespace(ns);
    this.writer.flush();
    await dropNamespaceKeys(this.db, this.writer, ns);
    await this.queues.dropNamespace(ns);
  }

  /** Checks memory against the queues (tests, INVARIANTS=1). */
  checkInvariants(): void {
    if (!invariantsEnabled) return;
    this.scheduler.checkInvariants(this.queues);
  }

  /** Parked awaits and result waits (tests, metrics). */
  get parkedCount(): number {
    return this.parked.parked;
  }

  /**
   * Answers parked waits, flushes, records the exact id counter and closes the queues.
   * Idempotent. (The LSM belongs to the KV store, which closes it.)
   */
  close(): Promise<void> {
    this.closing ??= this.closeAll();
    return this.closing;
  }

  // ---- internals ----

  private async closeAll(): Promise<void> {
    this.workers.close();
    this.waiters.dropAll();
    this.scheduler.wakeAllResults();
    try {
      if (this.failure === null) {
        this.writer.flush();
        await this.writer.settled();
      }
    } catch {
      // The failure is the LSM's: the next open recovers from what is on disk.
    }
    await this.queues?.close();
    // Every id handed out is durable now: a clean restart continues at the exact next id.
    if (this.failure === null) await this.scheduler.ids?.closeExact().catch(() => undefined);
  }

  private checkOpen(): void {
    if (this.failure !== null) throw this.failure;
    if (this.closing !== null) {
      throw new ClosedError(`action store "${this.options.dir}" is closed`);
    }
  }

  private failStore(error: unknown): void {
    if (this.failure !== null) return;
    this.failure = error instanceof Error ? error : new Error(String(error));
    this.waiters.dropAll();
    this.scheduler.wakeAllResults();
  }

  private taskRun(ns: string, taskId: string, options: CompleteOptions) {
    const action = options.action === undefined ? undefined : checkActionName(options.action);
    const workerId = options.workerId === undefined ? undefined : checkWorkerId(options.workerId);
    this.checkOpen();
    if (workerId !== undefined) {
      const worker = this.workers.find(ns, workerId);
      if (worker !== undefined) this.workers.contact(worker);
    }
    return this.scheduler.findTask(ns, taskId, action);
  }

  // The run id an idempotency key names: an active run's, or a finished one's within the
  // window (from the LSM), or null.
  private idempotentRun(def: ActionDef, key: string): number | null {
    const active = this.scheduler.idempotentRun(def, key);
    if (active !== undefined) return active.seq;
    const idem = readValue(this.db, idemKey(def.namespace, def.name, key), decodeIdemEntry,
      'idempotency entry');
    if (idem === null) return null;
    return idem.createdAtMs + this.idempotencyWindowMs > this.scheduler.now() ? idem.runSeq : null;
  }

  // The queues an await may take from: those of the listed (registered) actions whose
  // labels the worker holds.
  private candidates(ns: string, names: readonly string[], labels: WorkerLabels): RunQueue[] {
    const state = this.scheduler.namespaces.get(ns);
    if (state === undefined) return [];
    const queues: RunQueue[] = [];
    for (const name of new Set(names)) {
      for (const queue of state.actions.get(name)?.queues.values() ?? []) {
        if (queue.labels.matches(labels)) queues.push(queue);
      }
    }
    return queues;
  }

  private waitForEnd(waiters: Array<() => void>, blockMs: number, signal?: AbortSignal) {
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        this.parked.parked -= 1;
        timer.cancel();
        signal?.removeEventListener('abort', finish);
        resolve();
      };
      this.parked.parked += 1;
      waiters.push(finish);
      const timer = this.options.clock.setTimer(blockMs, finish);
      signal?.addEventListener('abort', finish, { once: true });
    });
  }
}

function actionInfo(def: ActionDef): ActionInfo {
  const { type, timeoutMs, maxRetries, description, createdAtMs, updatedAtMs } = def.record;
  assert(type === 0, 'only worker-hosted actions exist');
  return { name: def.name, type, timeoutMs, maxRetries, description, createdAtMs, updatedAtMs };
}
