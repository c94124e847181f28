// ActionWorker: runs action handlers the way the official SDK workers do (flo-wire.md §7.7,
// informative part). start() sends ACTION_REGISTER for each handler, then WORKER_REGISTER,
// then loops on ACTION_AWAIT on a connection of its own (the poll blocks it), taking a task
// only while fewer than `concurrency` run. Each task's handler runs with a lease timer that
// sends ACTION_TOUCH every half lease; its result goes back with ACTION_COMPLETE, a throw
// with ACTION_FAIL (retried unless it is a NonRetryableError), on a second connection that
// no poll blocks, which also carries WORKER_HEARTBEAT (every heartbeatMs, with the load).
//
// A heartbeat (or an empty poll followed by one) that answers "draining" stops the worker:
// no new tasks, running ones finish. After a connection error the loop backs off
// (exponentially, with jitter) and registers again before it polls, as after a reconnect.
// stop() ends the poll, waits for running tasks, deregisters and closes both connections.

import { ok as assert } from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ActionApi, type RegisterOptions, type Task } from './action.ts';
import type { Bytes } from './bytes.ts';
import { FloConnection, type ConnectionOptions } from './connection.ts';
import { FloClosedError, FloNotFoundError } from './errors.ts';
import { WorkerApi } from './worker.ts';

export interface ActionWorkerOptions extends ConnectionOptions {
  /** Default `worker-` and 8 random hex digits. */
  readonly workerId?: string;
  readonly namespace?: string;
  /** Tasks run at once (default 10). */
  readonly concurrency?: number;
  /** WORKER_HEARTBEAT period (ms, default 10 000). */
  readonly heartbeatMs?: number;
  /** ACTION_AWAIT block_ms (default 30 000). */
  readonly pollBlockMs?: number;
  /** Labels: runs invoked with labels go only to workers whose metadata holds them. */
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly machineId?: string;
  /** Told about errors the loop survives (a lost connection, a failed complete). */
  readonly onError?: (error: Error) => void;
}

/** What a handler gets: the task, a way to extend its lease, and a signal. */
export interface TaskContext extends Task {
  /** Extends the lease to now + extendMs (default: the action's lease length). */
  touch(extendMs?: number): Promise<void>;
  /** Aborted when the lease is lost (the server no longer knows the task). */
  readonly signal: AbortSignal;
}

/** The handler's result is the run's output; throwing fails the attempt. */
export type ActionHandler = (task: TaskContext) => Promise<Bytes | void> | Bytes | void;

/** Throw this from a handler to fail the run now instead of retrying it. */
export class NonRetryableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonRetryableError';
  }
}

interface Registered {
  readonly handler: ActionHandler;
  readonly options: RegisterOptions;
  readonly leaseMs: number;
}

const LEASE_MS_DEFAULT = 30_000;
const BACKOFF_MS_MIN = 100;
const BACKOFF_MS_MAX = 5_000;

export class ActionWorker {
  readonly workerId: string;
  /** Resolves once the worker has stopped (stop(), or the server drained it). */
  readonly done: Promise<void>;
  private readonly options: ActionWorkerOptions;
  private readonly handlers = new Map<string, Registered>();
  private readonly pollConnection: FloConnection;
  private readonly controlConnection: FloConnection;
  private readonly poll: ActionApi;
  private readonly control: ActionApi;
  private readonly workers: WorkerApi;
  private readonly concurrency: number;
  private readonly running = new Set<Promise<void>>();
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  private needsRegister = true;
  private failures = 0;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private wakeSlot: (() => void) | null = null;
  /** Aborted when stopping: cuts a backoff short. */
  private readonly stopSignal = new AbortController();
  private loop: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | null = null;
  private resolveDone!: () => void;

  constructor(options: ActionWorkerOptions = {}) {
    this.options = options;
    this.workerId = options.workerId ?? `worker-${randomUUID().slice(0, 8)}`;
    this.concurrency = options.concurrency ?? 10;
    if (!Number.isSafeInteger(this.concurrency) || this.concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, got ${this.concurrency}`);
    }
    const namespace = options.namespace ?? '';
    this.pollConnection = new FloConnection(options);
    this.controlConnection = new FloConnection(options);
    this.poll = new ActionApi(this.pollConnection, namespace);
    this.control = new ActionApi(this.controlConnection, namespace);
    this.workers = new WorkerApi(this.controlConnection, namespace);
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  /** Tasks running now. */
  get activeCount(): number {
    return this.running.size;
  }

  /** Adds a handler for `action` (before start()). */
  register(action: string, handler: ActionHandler, options: RegisterOptions = {}): this {
    if (this.state !== 'new') throw new Error('register handlers before start()');
    if (this.handlers.has(action)) throw new Error(`action ${action} already has a handler`);
    const leaseMs = options.timeoutMs === undefined || options.timeoutMs === 0
      ? LEASE_MS_DEFAULT : options.timeoutMs;
    this.handlers.set(action, { handler, options, leaseMs });
    return this;
  }

  /** Registers the actions and the worker, then starts polling; rejects if registering fails. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error('start() once');
    if (this.handlers.size === 0) throw new Error('register at least one handler first');
    this.state = 'running';
    try {
      await this.registerAll();
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.heartbeatTimer = setInterval(() => void this.heartbeat(),
      this.options.heartbeatMs ?? 10_000);
    this.heartbeatTimer.unref();
    this.loop = this.pollLoop();
  }

  /** Stops polling, waits for running tasks, deregisters and closes. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const wasRunning = this.state === 'running';
    this.state = 'stopping';
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    this.stopSignal.abort();
    this.wakeSlot?.();
    await this.pollConnection.close();
    await this.loop;
    await Promise.all(this.running);
    if (wasRunning) {
      await this.workers.deregister(this.workerId).catch((error) => this.report(error));
    }
    await this.controlConnection.close();
    this.state = 'stopped';
    this.resolveDone();
  }

  private async registerAll(): Promise<void> {
    for (const [name, { options }] of this.handlers) await this.control.register(name, options);
    await this.workers.register(this.workerId, {
      type: 'action',
      maxConcurrency: this.concurrency,
      processes: [...this.handlers.keys()].map((name) => ({ name, kind: 'action' as const })),
      ...(this.options.metadata === undefined ? {} : { metadata: this.options.metadata }),
      ...(this.options.machineId === undefined ? {} : { machineId: this.options.machineId }),
    });
    this.needsRegister = false;
  }

  private async pollLoop(): Promise<void> {
    const names = [...this.handlers.keys()];
    while (this.state === 'running') {
      if (this.running.size >= this.concurrency) {
        await new Promise<void>((resolve) => (this.wakeSlot = resolve));
        this.wakeSlot = null;
        continue;
      }
      let task: Task | null;
      try {
        if (this.needsRegister) await this.registerAll();
        task = await this.poll.awaitTask(this.workerId, names, {
          blockMs: this.options.pollBlockMs ?? 30_000,
        });
      } catch (error) {
        if (this.state !== 'running') break;
        this.report(error);
        this.needsRegister = true;
        await this.backoff();
        continue;
      }
      this.failures = 0;
      if (task === null) await this.heartbeat();
      else this.startTask(task);
    }
  }

  private startTask(task: Task): void {
    // The loop polls only below the bound, and one poll brings one task.
    assert(this.running.size < this.concurrency, 'a task beyond the concurrency bound');
    const registered = this.handlers.get(task.action);
    const run = registered === undefined
      ? this.settle(task, () => Promise.reject(new NonRetryableError(
        `no handler for action ${task.action}`)), LEASE_MS_DEFAULT)
      : this.settle(task, (context) => registered.handler(context), registered.leaseMs);
    this.running.add(run);
    void run.then(() => {
      this.running.delete(run);
      this.wakeSlot?.();
    });
  }

  /** Runs the handler with its lease timer, then completes or fails the task. */
  private async settle(
    task: Task,
    handler: (context: TaskContext) => Promise<Bytes | void> | Bytes | void,
    leaseMs: number,
  ): Promise<void> {
    assert(leaseMs > 0, 'a lease has a length');
    const lease = new AbortController();
    const touch = async (extendMs = leaseMs): Promise<void> => {
      try {
        await this.control.touch(this.workerId, task.action, task.taskId, extendMs);
      } catch (error) {
        if (error instanceof FloNotFoundError) lease.abort(error);
        throw error;
      }
    };
    const timer = setInterval(() => void touch().catch((error) => this.report(error)),
      Math.max(1, Math.floor(leaseMs / 2)));
    let result: Bytes | void;
    try {
      result = await handler({ ...task, touch, signal: lease.signal });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return this.failTask(task, message, !(error instanceof NonRetryableError));
    } finally {
      clearInterval(timer);
    }
    try {
      await this.control.complete(this.workerId, task.action, task.taskId, result ?? '');
    } catch (error) {
      // A result the wire cannot carry fails the run; a lost reply is only reported (the
      // lease then expires and the run is retried: at least once, as the spec promises).
      if (error instanceof RangeError) return this.failTask(task, error.message, false);
      this.report(error);
    }
  }

  private async failTask(task: Task, message: string, retry: boolean): Promise<void> {
    try {
      await this.control.fail(this.workerId, task.action, task.taskId, message, { retry });
    } catch (error) {
      this.report(error);
    }
  }

  private async heartbeat(): Promise<void> {
    if (this.state !== 'running') return;
    try {
      const status = await this.workers.heartbeat(this.workerId, this.running.size);
      if (status === 'draining') void this.stop();
    } catch (error) {
      if (!(error instanceof FloClosedError)) this.report(error);
    }
  }

  private async backoff(): Promise<void> {
    this.failures++;
    const ceilingMs = Math.min(BACKOFF_MS_MAX, BACKOFF_MS_MIN * 2 ** (this.failures - 1));
    const delayMs = ceilingMs / 2 + Math.random() * (ceilingMs / 2);
    const signal = this.stopSignal.signal;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, delayMs);
      signal.addEventListener('abort', done);
    });
  }

  private report(error: unknown): void {
    const failure = error instanceof Error ? error : new Error(String(error));
    (this.options.onError ?? ((e: Error) => console.error(`flo worker: ${e.message}`)))(failure);
  }
}
