// WorkerRegistry: the workers of an action store (wire §7.7), exposed as flo.worker. A
// worker is (namespace, worker id) with its registration (type, processes, metadata whose
// top-level members are its labels, machine id), a draining flag and its contact: every
// call naming the worker (register, heartbeat, await, complete, fail, touch) moves
// `lastSeenMs`. Status: draining after drain() until registered again; otherwise unhealthy
// once not heard from for `timeoutMs`; otherwise idle at load 0, else active.
//
// Registrations live in the LSM (action_keys.ts worker), written by register, heartbeat
// (with the load and last contact) and drain; the contact of awaits and task calls is kept
// in memory only (a restart may report a worker as last seen at its last heartbeat). A
// DeadlineTimer (the queues' one timer over a min-heap) looks at a worker at lastSeen +
// timeout and tells the store when it turned unhealthy (onUnhealthy: its running tasks are
// re-offered); a worker heard from since is scheduled again at its new time (lazy), so
// contact costs no heap work.

import { assert } from '../assert.ts';
import { compareBytes, utf8 } from '../codec/bytes.ts';
import { NotFoundError } from '../errors.ts';
import type { Clock } from '../io/clock.ts';
import { DeadlineTimer, type DeadlineTarget } from '../queue/deadline_timer.ts';
import type { WorkerInfo, WorkerListOptions, WorkerPage, WorkerRegistration, WorkerStatus }
  from './action_types.ts';
import { encodeWorkerRecord, type WorkerRecord } from './action_codec.ts';
import { workerKey } from './action_keys.ts';
import type { ActionWriter } from './action_writer.ts';
import { checkPageLimit, decodeCursorKey, encodeNameCursor } from '../args.ts';
import { actionPageLimitDefault, actionPageLimitMax } from '../limits.ts';
import {
  checkNamespace, checkU32, checkWorkerId, checkWorkerRegistration,
} from './action_args.ts';
import { workerLabels, type WorkerLabels } from './labels.ts';

/**
 * A registered worker as the store keeps it; it is its own DeadlineTarget (its deadline is
 * lastSeen + timeout, in the registry's timer).
 */
export interface WorkerState extends DeadlineTarget {
  readonly namespace: string;
  readonly id: string;
  record: WorkerRecord;
  labels: WorkerLabels;
  /** Names of its action processes (kind 0): what an await with no names waits for. */
  actions: string[];
  /** Told unhealthy already (until its next contact). */
  unhealthy: boolean;
}

/** What the registry needs from its store. */
export interface WorkerRegistryHost {
  readonly clock: Clock;
  readonly writer: ActionWriter;
  readonly timeoutMs: number;
  /** A worker was drained: its parked awaits answer empty. */
  onDrain(worker: WorkerState): void;
  /** A worker turned unhealthy: its running tasks are re-offered. */
  onUnhealthy(worker: WorkerState): void;
  checkOpen(): void;
}

export class WorkerRegistry {
  private readonly host: WorkerRegistryHost;
  private readonly byNamespace = new Map<string, Map<string, WorkerState>>();
  private readonly deadlines: DeadlineTimer;

  constructor(host: WorkerRegistryHost) {
    this.host = host;
    this.deadlines = new DeadlineTimer(host.clock);
  }

  /**
   * Registers (or re-registers) a worker: replaces its registration, clears draining, and
   * counts as contact.
   * @throws TypeError/RangeError for a bad id or registration
   */
  async register(namespace: string, workerId: string, registration: WorkerRegistration = {}) {
    const ns = checkNamespace(namespace);
    const id = checkWorkerId(workerId);
    const checked = checkWorkerRegistration(registration);
    this.host.checkOpen();
    const nowMs = this.host.clock.nowMs();
    const record: WorkerRecord = { ...checked, currentLoad: 0, lastSeenMs: nowMs,
      registeredAtMs: nowMs, draining: false };
    const worker = this.install(ns, id, record);
    this.contact(worker);
    this.schedule(worker);
    await this.persist(worker);
  }

  /**
   * Records the worker's load and contact; resolves with its status.
   * @throws NotFoundError for a worker not registered
   */
  async heartbeat(namespace: string, workerId: string, currentLoad: number) {
    const worker = this.existing(namespace, workerId, 'heartbeat');
    const load = checkU32(currentLoad, 'currentLoad');
    this.contact(worker);
    worker.record.currentLoad = load;
    const status = this.statusOf(worker);
    await this.persist(worker);
    return status;
  }

  /** Puts the worker in the draining state: its awaits answer empty until it registers. */
  async drain(namespace: string, workerId: string): Promise<void> {
    const worker = this.existing(namespace, workerId, 'drain');
    worker.record.draining = true;
    this.host.onDrain(worker);
    await this.persist(worker);
  }

  /** Forgets the worker (its running tasks keep their leases). @returns whether it existed */
  async deregister(namespace: string, workerId: string): Promise<boolean> {
    const ns = checkNamespace(namespace);
    const id = checkWorkerId(workerId);
    this.host.checkOpen();
    const workers = this.byNamespace.get(ns);
    const worker = workers?.get(id);
    if (worker === undefined) {
      await this.host.writer.settled();
      return false;
    }
    workers!.delete(id);
    if (workers!.size === 0) this.byNamespace.delete(ns);
    worker.scheduledMs = Infinity;
    await this.host.writer.delete(workerKey(ns, id));
    return true;
  }

  /** One worker. @throws NotFoundError */
  async info(namespace: string, workerId: string): Promise<WorkerInfo> {
    const worker = this.existing(namespace, workerId, 'describe');
    const info = this.infoOf(worker);
    await this.host.writer.settled();
    return info;
  }

  /** The workers of a namespace sorted by id (bytewise UTF-8), a page at a time (wire §8). */
  async list(namespace: string, options: WorkerListOptions = {}): Promise<WorkerPage> {
    const ns = checkNamespace(namespace);
    const limit = checkPageLimit(options.limit, actionPageLimitDefault, actionPageLimitMax);
    const after = decodeCursorKey(options.cursor);
    this.host.checkOpen();
    const sorted = [...this.byNamespace.get(ns)?.values() ?? []]
      .map((worker) => ({ worker, key: utf8(worker.id) }))
      .filter(({ key }) => after === null || compareBytes(key, after) > 0)
      .sort((a, b) => compareBytes(a.key, b.key));
    const page = sorted.slice(0, limit).map(({ worker }) => this.infoOf(worker));
    const hasMore = sorted.length > limit;
    await this.host.writer.settled();
    return { workers: page, hasMore,
      cursor: hasMore ? encodeNameCursor(page.at(-1)!.workerId) : new Uint8Array(0) };
  }

  // ---- for the store ----

  /** Counts a call naming the worker as contact. */
  contact(worker: WorkerState): void {
    worker.record.lastSeenMs = Math.max(worker.record.lastSeenMs, this.host.clock.nowMs());
    if (worker.unhealthy) {
      worker.unhealthy = false;
      this.schedule(worker);
    }
  }

  /** The registered worker, if any (no contact counted). */
  find(namespace: string, workerId: string): WorkerState | undefined {
    return this.byNamespace.get(namespace)?.get(workerId);
  }

  statusOf(worker: WorkerState): WorkerStatus {
    if (worker.record.draining) return 'draining';
    if (this.host.clock.nowMs() - worker.record.lastSeenMs >= this.host.timeoutMs) {
      return 'unhealthy';
    }
    return worker.record.currentLoad === 0 ? 'idle' : 'active';
  }

  /** Adds a worker recovered from the LSM (open). */
  load(namespace: string, workerId: string, record: WorkerRecord): void {
    this.schedule(this.install(namespace, workerId, record));
  }

  namespaceHoldsData(namespace: string): boolean {
    return this.byNamespace.has(namespace);
  }

  namespaces(): string[] {
    return [...this.byNamespace.keys()];
  }

  /** Forgets every worker of `namespace` (forced namespace deletion). */
  dropNamespace(namespace: string): void {
    for (const worker of this.byNamespace.get(namespace)?.values() ?? []) {
      worker.scheduledMs = Infinity;
      void this.host.writer.delete(workerKey(namespace, worker.id));
    }
    this.byNamespace.delete(namespace);
  }

  close(): void {
    this.deadlines.close();
  }

  // ---- internals ----

  private existing(namespace: string, workerId: string, what: string): WorkerState {
    const ns = checkNamespace(namespace);
    const id = checkWorkerId(workerId);
    this.host.checkOpen();
    const worker = this.find(ns, id);
    if (worker === undefined) {
      throw new NotFoundError(`Cannot ${what} worker "${id}": not registered`);
    }
    return worker;
  }

  // Adds the worker, or replaces the registration of the one there (same object: its heap
  // entry stays valid).
  private install(namespace: string, id: string, record: WorkerRecord): WorkerState {
    let workers = this.byNamespace.get(namespace);
    if (workers === undefined) this.byNamespace.set(namespace, workers = new Map());
    const metadata = record.metadata === null
      ? null : JSON.parse(record.metadata) as Record<string, unknown>;
    const labels = workerLabels(metadata);
    const actions = record.processes.filter((process) => process.kind === 0)
      .map((process) => process.name);
    const worker = workers.get(id);
    if (worker !== undefined) {
      Object.assign(worker, { record, labels, actions });
      return worker;
    }
    const added: WorkerState = {
      namespace, id, record, labels, actions, scheduledMs: Infinity, unhealthy: false,
      onDeadline: () => this.check(added),
    };
    workers.set(id, added);
    return added;
  }

  private infoOf(worker: WorkerState): WorkerInfo {
    const record = worker.record;
    return {
      workerId: worker.id, type: record.type, status: this.statusOf(worker),
      maxConcurrency: record.maxConcurrency, currentLoad: record.currentLoad,
      lastSeenMs: record.lastSeenMs, processes: record.processes.map((p) => ({ ...p })),
      metadata: record.metadata === null
        ? null : JSON.parse(record.metadata) as Record<string, unknown>,
      machineId: record.machineId, registeredAtMs: record.registeredAtMs,
    };
  }

  private persist(worker: WorkerState): Promise<void> {
    return this.host.writer.put(workerKey(worker.namespace, worker.id),
      encodeWorkerRecord(worker.record));
  }

  // Asks the timer to look at `worker` when it would turn unhealthy.
  private schedule(worker: WorkerState): void {
    this.deadlines.schedule(worker, worker.record.lastSeenMs + this.host.timeoutMs);
  }

  // The worker's deadline came: unhealthy if still silent, else looked at again later.
  private check(worker: WorkerState): void {
    if (this.host.clock.nowMs() - worker.record.lastSeenMs >= this.host.timeoutMs) {
      assert(!worker.unhealthy, 'a worker turns unhealthy once per silence');
      worker.unhealthy = true;
      this.host.onUnhealthy(worker);
    } else {
      this.schedule(worker);
    }
  }

}
