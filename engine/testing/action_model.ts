// ActionModel: the in-memory reference of the run lifecycle that action_model.test.ts checks
// ActionStore against (wire §7.6, §7.7; the issue). Runs go pending → running → completed |
// failed | cancelled | timed_out; a lease lost to time or to an unhealthy worker counts as an
// attempt; retries wait for a backoff the model knows only as a window (jitter), so a run's
// eligibility is "surely", "maybe" or "not yet". The model never picks which run an await
// gets: it checks the store's pick (eligible, labels held, no surely eligible run of a lower
// priority value) and then follows it. Only tests import this file.

/** Settings of a model action (fixed per name for the whole test). */
export interface ModelActionSettings {
  timeoutMs: number;
  maxRetries: number;
}

export interface ModelRun {
  runId: string;
  action: string;
  labels: Record<string, string | boolean>;
  priority: number;
  status: 'pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'timed_out';
  attempts: number;
  /** Pending: eligible surely from eligibleMaxMs, possibly from eligibleMinMs. */
  eligibleMinMs: number;
  eligibleMaxMs: number;
  /** Running: the current task, worker and lease deadline. */
  taskId: string | null;
  workerId: string | null;
  deadlineMs: number;
  output: Uint8Array | null;
  error: string | null;
}

export interface ModelWorker {
  id: string;
  labels: Record<string, string | boolean>;
  actions: string[];
  draining: boolean;
  unhealthy: boolean;
  lastSeenMs: number;
  /** lastSeenMs as of the last persisted record (register, heartbeat, drain). */
  persistedSeenMs: number;
}

export class ActionModel {
  readonly runs = new Map<string, ModelRun>();
  readonly workers = new Map<string, ModelWorker>();
  /** Registered actions (a deleted one is absent until registered again). */
  readonly actions = new Set<string>();
  /** (action, idempotency key) → run id; kept across delete (the record stays). */
  readonly idempotent = new Map<string, string>();
  nowMs: number;
  private readonly settings: ReadonlyMap<string, ModelActionSettings>;
  private readonly workerTimeoutMs: number;
  private readonly backoffMsBase: number;
  private readonly backoffMsMax: number;

  constructor(nowMs: number, settings: ReadonlyMap<string, ModelActionSettings>,
    workerTimeoutMs: number, backoffMsBase: number, backoffMsMax: number) {
    this.nowMs = nowMs;
    this.settings = settings;
    this.workerTimeoutMs = workerTimeoutMs;
    this.backoffMsBase = backoffMsBase;
    this.backoffMsMax = backoffMsMax;
  }

  settingsOf(action: string): ModelActionSettings {
    const settings = this.settings.get(action);
    if (settings === undefined) throw new Error(`model: no settings for "${action}"`);
    return settings;
  }

  invoke(runId: string, action: string, labels: ModelRun['labels'], priority: number,
    delayMs: number): void {
    if (this.runs.has(runId)) throw new Error(`model: run id ${runId} handed out twice`);
    const eligibleMs = this.nowMs + delayMs;
    this.runs.set(runId, { runId, action, labels, priority, status: 'pending', attempts: 0,
      eligibleMinMs: eligibleMs, eligibleMaxMs: eligibleMs, taskId: null, workerId: null,
      deadlineMs: 0, output: null, error: null });
  }

  /** Runs an await of `worker` over `names` may take: 'sure' or 'maybe' eligible. */
  eligibility(run: ModelRun, names: readonly string[], worker: ModelWorker | undefined) {
    if (run.status !== 'pending' || !names.includes(run.action)) return 'no';
    if (!this.actions.has(run.action)) return 'no';
    for (const [key, value] of Object.entries(run.labels)) {
      if (worker === undefined || worker.labels[key] !== value) return 'no';
    }
    if (this.nowMs >= run.eligibleMaxMs) return 'sure';
    return this.nowMs >= run.eligibleMinMs ? 'maybe' : 'no';
  }

  /** Contact from a worker (await, heartbeat, register, a report naming it). */
  contact(workerId: string): void {
    const worker = this.workers.get(workerId);
    if (worker === undefined) return;
    worker.lastSeenMs = Math.max(worker.lastSeenMs, this.nowMs);
    worker.unhealthy = false;
  }

  assign(run: ModelRun, taskId: string, workerId: string): void {
    run.status = 'running';
    run.attempts += 1;
    run.taskId = taskId;
    run.workerId = workerId;
    run.deadlineMs = this.nowMs + this.settingsOf(run.action).timeoutMs;
  }

  /** The running run of a task whose report the store must accept, or undefined. */
  liveTask(taskId: string): ModelRun | undefined {
    for (const run of this.runs.values()) {
      if (run.status === 'running' && run.taskId === taskId && this.nowMs < run.deadlineMs) {
        return run;
      }
    }
    return undefined;
  }

  finish(run: ModelRun, status: ModelRun['status'], output: Uint8Array | null,
    error: string | null): void {
    run.status = status;
    run.output = output;
    run.error = error;
    run.taskId = null;
    run.workerId = null;
  }

  /** A failed attempt: pending again within the backoff window, or failed. */
  fail(run: ModelRun, message: string, retry: boolean): 'pending' | 'failed' {
    if (!retry || run.attempts >= this.settingsOf(run.action).maxRetries + 1) {
      this.finish(run, 'failed', null, message);
      return 'failed';
    }
    const capMs = this.backoffMsBase === 0 ? 0
      : Math.min(this.backoffMsMax, this.backoffMsBase * 2 ** (run.attempts - 1));
    this.release(run, this.nowMs + Math.floor(capMs / 2), this.nowMs + capMs);
    return 'pending';
  }

  /** Cancels every active run of `action` (delete). */
  deleteAction(action: string): number {
    this.actions.delete(action);
    let cancelled = 0;
    for (const run of this.runs.values()) {
      if (run.action !== action || (run.status !== 'pending' && run.status !== 'running')) {
        continue;
      }
      this.finish(run, 'cancelled', null, 'cancelled');
      cancelled += 1;
    }
    return cancelled;
  }

  /** Time passes: silent workers turn unhealthy, and leases run out (each an attempt). */
  advance(ms: number): void {
    this.nowMs += ms;
    for (const worker of this.workers.values()) {
      if (worker.unhealthy || worker.lastSeenMs + this.workerTimeoutMs > this.nowMs) continue;
      worker.unhealthy = true;
      for (const run of this.runs.values()) {
        if (run.status === 'running' && run.workerId === worker.id) this.leaseLost(run);
      }
    }
    for (const run of this.runs.values()) {
      if (run.status === 'running' && run.deadlineMs <= this.nowMs) this.leaseLost(run);
    }
  }

  /** A clean restart: workers remember what their records held. */
  reopen(): void {
    for (const worker of this.workers.values()) {
      worker.lastSeenMs = worker.persistedSeenMs;
      worker.unhealthy = false;
    }
  }

  private leaseLost(run: ModelRun): void {
    if (run.attempts >= this.settingsOf(run.action).maxRetries + 1) {
      this.finish(run, 'timed_out', null, 'timed out');
      return;
    }
    this.release(run, this.nowMs, this.nowMs);
  }

  private release(run: ModelRun, eligibleMinMs: number, eligibleMaxMs: number): void {
    run.status = 'pending';
    run.taskId = null;
    run.workerId = null;
    run.deadlineMs = 0;
    run.eligibleMinMs = eligibleMinMs;
    run.eligibleMaxMs = eligibleMaxMs;
  }
}
