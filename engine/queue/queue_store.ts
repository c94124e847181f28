// QueueStore: every work queue of an engine (wire spec §7.3). A Catalog names the queues
// (namespace, name) → `<dir>/<id>/`, each holding a Queue's journal. A queue comes into
// existence with its first enqueue (or configure); every other call on a queue that does not
// exist behaves as on an empty one. Methods check their arguments (TypeError/RangeError),
// then run synchronously up to the queue's promise: a call applies at submit and resolves
// once durable (queue.ts). While a queue is being created, calls on it wait for the same
// promise, so they still apply in submission order.
//
// Shared by all queues: one DeadlineTimer (one armed clock timer), the payload cache budget
// and the parked-dequeue limit. Parked dequeues of a queue that does not exist yet wait in
// its slot and move with it into the queue its first enqueue creates.

import { assert } from '../assert.ts';
import { NameMap } from '../collections/name_map.ts';
import { ClosedError, NotFoundError } from '../errors.ts';
import { Catalog, type CatalogEntry } from '../catalog/catalog.ts';
import { compareBytes, utf8 } from '../codec/bytes.ts';
import type { Durability } from '../log/segmented_log.ts';
import {
  checkBudget, checkInt, checkIntOr, checkPageLimit, decodeCursorKey, encodeNameCursor,
} from '../args.ts';
import {
  queueCheckpointEventsMin, queueDedupKeysMaxDefault, queueDedupWindowMsDefault,
  queueMaxDeliveriesDefault, queuePageLimitDefault, queuePageLimitMax, queueParkedMaxDefault,
  queuePayloadCacheBytesDefault,
  queueSegmentBytesDefault, queueVisibilityMsDefault, queueVisibilityMsMax, segmentBytesMaxLimit,
  segmentBytesMin, waitMsMax,
} from '../limits.ts';
import { DeadlineTimer } from './deadline_timer.ts';
import { DequeueWaiters, type ParkedCounter, type ParkRequest } from './dequeue_waiters.ts';
import { Queue, type QueueConfig, type QueueContext } from './queue.ts';
import type { Message } from './message.ts';
import {
  checkCount, checkDelayMs, checkEnqueueOptions, checkLeaseMs, checkNamespace, checkPayload,
  checkPayloads, checkQueueName, checkSeqs, checkSettings,
} from './queue_args.ts';
import type {
  DequeueOptions, DlqListOptions, DlqPage, EnqueueOptions, HeldMessage, LeaseCandidate,
  LeasedMessage, NackOptions, QueueDepth, QueueListEntry,
  QueueListOptions, QueueListPage, QueueMessage, QueueSettings, QueueStats, QueueStoreOptions,
  SeqListOptions, TouchOptions,
} from './queue_types.ts';

interface Slot {
  namespace: string;
  name: string;
  queue: Queue | null;
  /** The creation in progress (catalog entry, then journal). */
  opening: Promise<Queue> | null;
  waiters: DequeueWaiters;
}


export class QueueStore {
  private readonly options: QueueStoreOptions;
  private readonly catalog: Catalog<QueueSettings>;
  private readonly slots = new NameMap<Slot>();
  private readonly context: QueueContext;
  private readonly parked: ParkedCounter = { parked: 0 };
  private readonly parkedMax: number;
  private readonly defaults: QueueConfig;
  private closing: Promise<void> | null = null;
  /** META rewrites, one at a time (each is an atomic replace through one temp file). */
  private metaWrites: Promise<void> = Promise.resolve();

  private constructor(options: QueueStoreOptions, catalog: Catalog<QueueSettings>) {
    this.options = options;
    this.catalog = catalog;
    const segmentBytes = checkIntOr(options.segmentBytes, 'segmentBytes', segmentBytesMin,
      segmentBytesMaxLimit, queueSegmentBytesDefault);
    this.context = {
      clock: options.clock, timer: new DeadlineTimer(options.clock), segmentBytes,
      budget: { bytes: 0, limitBytes: checkIntOr(options.payloadCacheBytes,
        'payloadCacheBytes', 0, Number.MAX_SAFE_INTEGER, queuePayloadCacheBytesDefault) },
      checkpointEvents: checkIntOr(options.checkpointEvents, 'checkpointEvents', 1,
        Number.MAX_SAFE_INTEGER, queueCheckpointEventsMin),
      onDue: options.onDue ?? null,
    };
    this.parkedMax = checkIntOr(options.parkedMax, 'parkedMax', 0, Number.MAX_SAFE_INTEGER,
      queueParkedMaxDefault);
    const given = checkSettings(options.defaults ?? {});
    this.defaults = {
      visibilityTimeoutMs: given.visibilityTimeoutMs ?? queueVisibilityMsDefault,
      maxDeliveries: given.maxDeliveries ?? queueMaxDeliveriesDefault,
      dedupWindowMs: given.dedupWindowMs ?? queueDedupWindowMsDefault,
      maxReady: given.maxReady ?? Number.MAX_SAFE_INTEGER,
      dedupKeysMax: given.dedupKeysMax ?? queueDedupKeysMaxDefault,
    };
  }

  /**
   * Opens every queue under `options.dir`, recovering each journal (checkpoint + tail).
   * @throws CorruptionError, StorageIoError, TypeError/RangeError (bad options)
   */
  static async open(options: QueueStoreOptions): Promise<QueueStore> {
    const catalog = await Catalog.open<QueueSettings>(options.fs, options.dir);
    const store = new QueueStore(options, catalog);
    try {
      for (const entry of catalog.entries()) {
        const slot = store.slot(entry.namespace, entry.name);
        slot.queue = await store.openQueue(entry, slot);
      }
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
    return store;
  }

  /** The durability mode of every queue journal. */
  get durability(): Durability {
    return this.options.durability ?? 'sync';
  }

  /**
   * Adds one message; resolves with its seq once durable (or, for a dedup hit within the
   * window, with the first message's seq, adding nothing).
   * @throws OverloadedError (maxReady or the dedup index bound), TypeError, RangeError
   */
  async enqueue(namespace: string, queue: string, payload: Uint8Array,
    options: EnqueueOptions = {}): Promise<number> {
    const [ns, name] = checkQueueName(namespace, queue);
    const spec = checkEnqueueOptions(options, false);
    const data = [checkPayload(payload)];
    const target = this.slotFor(ns, name, true);
    const seqs = await (target instanceof Queue
      ? target.enqueue(data, spec) : target.then((q) => q.enqueue(data, spec)));
    return seqs[0]!;
  }

  /** Adds 1 … 1 000 messages atomically; resolves with their (consecutive) seqs. */
  async enqueueBatch(namespace: string, queue: string, payloads: Uint8Array[],
    options: Omit<EnqueueOptions, 'dedupKey'> = {}): Promise<number[]> {
    const [ns, name] = checkQueueName(namespace, queue);
    const spec = checkEnqueueOptions(options, true);
    const data = checkPayloads(payloads);
    const target = this.slotFor(ns, name, true);
    return target instanceof Queue
      ? target.enqueue(data, spec) : target.then((q) => q.enqueue(data, spec));
  }

  /**
   * Leases up to `count` ready messages (lowest priority value, then seq), within `budget`
   * if given. With `blockMs` and nothing ready, waits for a message (first parked, first
   * served) once `onPark` agrees; a timeout, an abort or a refusal resolves with [] having
   * leased nothing.
   */
  async dequeue(namespace: string, queue: string, options: DequeueOptions = {}) {
    const [ns, name] = checkQueueName(namespace, queue);
    const count = checkCount(options.count);
    const leaseMs = checkLeaseMs(options.visibilityTimeoutMs, 'visibilityTimeoutMs');
    const budget = checkBudget(options.budget);
    const wait = new ParkGate(this.parked, this.parkedMax,
      checkIntOr(options.blockMs, 'blockMs', 0, waitMsMax, 0), options);
    const target = this.slotFor(ns, name, false);
    // No closure on the common path (a queue that exists): tsx names each one it creates.
    if (target instanceof Queue) {
      return target.dequeue(
        { count, leaseMs: leaseMs ?? target.config.visibilityTimeoutMs, budget }, wait);
    }
    if (target !== null) {
      return target.then((q) => q.dequeue(
        { count, leaseMs: leaseMs ?? q.config.visibilityTimeoutMs, budget }, wait));
    }
    if (wait.blockMs === 0 || !wait.mayPark()) return [];
    const slot = this.slot(ns, name);
    const messages = await slot.waiters.park(
      { count, leaseMs: leaseMs ?? this.defaults.visibilityTimeoutMs, budget },
      wait.blockMs, wait.signal);
    // A slot that only held waiters of a queue that never came into existence goes.
    if (slot.queue === null && slot.opening === null && slot.waiters.size === 0 &&
      this.slots.get(ns, name) === slot) this.slots.delete(ns, name);
    return messages;
  }

  /**
   * Leases one message now from the best of several queues of `namespace`: the ready head
   * with the lowest priority value, then the earliest enqueue, then the earlier candidate.
   * Synchronous (for an owner that must know at once what it took, such as engine/action):
   * every candidate is ticked first, then the heads compared; a queue that does not exist
   * (or is still being created) is skipped. Reveal the message only once `durable` resolves.
   * @returns null when no candidate has a ready message
   */
  leaseFirst(namespace: string, candidates: readonly LeaseCandidate[]): LeasedMessage | null {
    const ns = checkNamespace(namespace);
    if (!Array.isArray(candidates)) throw new TypeError('candidates must be an array');
    this.checkOpen();
    const open: Array<{ queue: Queue; leaseMs: number }> = [];
    for (const candidate of candidates) {
      const [, name] = checkQueueName(ns, candidate.queue);
      const leaseMs = checkInt(candidate.leaseMs, 'leaseMs', 1, queueVisibilityMsMax);
      const queue = this.slots.get(ns, name)?.queue;
      if (queue === null || queue === undefined) continue;
      queue.tickNow();
      open.push({ queue, leaseMs });
    }
    // Heads are compared only after every tick: a tick's onDue hook may take messages.
    let best: { queue: Queue; leaseMs: number; head: Message } | null = null;
    for (const { queue, leaseMs } of open) {
      const head = queue.readyHead();
      if (head !== undefined && (best === null || headBefore(head, best.head))) {
        best = { queue, leaseMs, head };
      }
    }
    if (best === null) return null;
    const leased = best.queue.leaseFirstReady(best.leaseMs);
    assert(leased.message.seq === best.head.seq, 'the head compared is the head leased');
    return { queue: best.queue.name, ...leased };
  }

  /**
   * Calls `visit` synchronously for every message a queue holds (ready, delayed, leased or
   * in the DLQ), in seq order, with a copy of its payload; nothing when the queue does not
   * exist. For owners rebuilding their own index at open (engine/action) and for tools.
   */
  forEachHeld(namespace: string, queue: string, visit: (message: HeldMessage) => void): void {
    const [ns, name] = checkQueueName(namespace, queue);
    this.checkOpen();
    this.slots.get(ns, name)?.queue?.forEachHeld(visit);
  }

  /** True when the queue exists and is open (not still being created). */
  isOpen(namespace: string, queue: string): boolean {
    const [ns, name] = checkQueueName(namespace, queue);
    const slot = this.slots.get(ns, name);
    return slot !== undefined && slot.queue !== null;
  }

  /** The first `count` ready messages in dequeue order, leasing nothing. */
  async peek(namespace: string, queue: string, count?: number): Promise<QueueMessage[]> {
    const checked = checkCount(count);
    return this.onQueue(namespace, queue, (q) => q.peek(checked), []);
  }

  /**
   * Acknowledges leased messages: they are removed for good. Strict (default): a seq not
   * leased throws NotFoundError, or LeaseExpiredError when its lease ended; nothing changes.
   * Resolves with the number of messages removed.
   */
  async ack(namespace: string, queue: string, seqs: number[], options: SeqListOptions = {}) {
    const list = checkSeqs(seqs);
    const strict = options.strict ?? true;
    return this.onSeqQueue(namespace, queue, list, strict, 'ack', (q) => q.ack(list, strict));
  }

  /**
   * Removes messages whatever their state (ready, delayed, leased or dead); seqs the queue
   * does not hold are skipped. Not a consumer's operation: for an owner that reconciles a
   * queue with its own records at open (engine/action drops the tickets of finished runs).
   * Resolves with the number of messages removed.
   */
  async remove(namespace: string, queue: string, seqs: number[]): Promise<number> {
    const list = checkSeqs(seqs);
    return this.onSeqQueue(namespace, queue, list, false, 'remove', (q) => q.remove(list));
  }

  /**
   * Returns leased messages: to the DLQ with `toDlq` or when out of deliveries, otherwise
   * ready again (after `delayMs`) with their delivery count kept. Resolves with the count.
   */
  async nack(namespace: string, queue: string, seqs: number[], options: NackOptions = {}) {
    const list = checkSeqs(seqs);
    const delayMs = checkDelayMs(options.delayMs);
    const strict = options.strict ?? true;
    const toDlq = options.toDlq ?? false;
    return this.onSeqQueue(namespace, queue, list, strict, 'nack',
      (q) => q.nack(list, toDlq, delayMs, strict));
  }

  /** Extends leases from now by `extendMs` (default: each lease's own length). */
  async touch(namespace: string, queue: string, seqs: number[], options: TouchOptions = {}) {
    const list = checkSeqs(seqs);
    const extendMs = checkLeaseMs(options.extendMs, 'extendMs');
    const strict = options.strict ?? true;
    return this.onSeqQueue(namespace, queue, list, strict, 'touch',
      (q) => q.touch(list, extendMs, strict));
  }

  /** A page of the DLQ, ascending seq, after `afterSeq`. */
  async dlqList(namespace: string, queue: string, options: DlqListOptions = {}) {
    const limit = checkPageLimit(options.limit, queuePageLimitDefault, queuePageLimitMax);
    const afterSeq = checkIntOr(options.afterSeq, 'afterSeq', 0, Number.MAX_SAFE_INTEGER, 0);
    const empty: DlqPage = { messages: [], hasMore: false };
    return this.onQueue(namespace, queue, (q) => q.dlqPage(afterSeq, limit), empty);
  }

  /** Sends DLQ messages back to ready with their delivery count reset to 0. */
  async dlqRequeue(namespace: string, queue: string, seqs: number[],
    options: SeqListOptions = {}): Promise<number> {
    const list = checkSeqs(seqs);
    const strict = options.strict ?? true;
    return this.onSeqQueue(namespace, queue, list, strict, 'requeue',
      (q) => q.requeue(list, strict));
  }

  /** Deletes DLQ messages. */
  async dlqDelete(namespace: string, queue: string, seqs: number[],
    options: SeqListOptions = {}): Promise<number> {
    const list = checkSeqs(seqs);
    const strict = options.strict ?? true;
    return this.onSeqQueue(namespace, queue, list, strict, 'delete',
      (q) => q.deleteDead(list, strict));
  }

  /** Delayed messages whose time has passed become ready now; resolves with how many. */
  async promoteDue(namespace: string, queue: string): Promise<number> {
    return this.onQueue(namespace, queue, (q) => q.promoteDue(), 0);
  }

  /** Counters (cumulative since the queue was first used) and gauges. */
  async stats(namespace: string, queue: string): Promise<QueueStats> {
    return this.onQueue(namespace, queue, (q) => q.stats(), emptyStats());
  }

  /** Removes every delayed, ready and leased message (the DLQ and seq counter stay). */
  async purge(namespace: string, queue: string): Promise<number> {
    return this.onQueue(namespace, queue, (q) => q.purge(), 0);
  }

  /** Replaces a queue's settings (creating the queue if needed). */
  async configure(namespace: string, queue: string, settings: QueueSettings): Promise<void> {
    const [ns, name] = checkQueueName(namespace, queue);
    const checked = checkSettings(settings);
    const target = this.slotFor(ns, name, true);
    const q = target instanceof Queue ? target : await target;
    q.config = this.resolve(checked);
    const write = this.metaWrites.then(() => this.catalog.update(q.entry, checked));
    this.metaWrites = write.catch(() => undefined);
    await write;
  }

  /** A queue's settings with the store's defaults applied. */
  settings(namespace: string, queue: string): QueueConfig {
    const [ns, name] = checkQueueName(namespace, queue);
    const q = this.slots.get(ns, name)?.queue;
    return { ...(q?.config ?? this.defaults) };
  }

  /**
   * Queues of `namespace` that ever received a message, sorted by name (bytewise UTF-8),
   * a page at a time (wire §8 paging: the cursor resumes strictly after the last name).
   * @throws RangeError for a cursor this store did not make
   */
  async listQueues(namespace: string, options: QueueListOptions = {}): Promise<QueueListPage> {
    const ns = checkNamespace(namespace);
    const limit = checkPageLimit(options.limit, queuePageLimitDefault, queuePageLimitMax);
    const prefix = options.prefix ?? '';
    if (typeof prefix !== 'string') throw new TypeError('prefix must be a string');
    const after = decodeCursorKey(options.cursor);
    this.checkOpen();
    const queues: Queue[] = [];
    let hasMore = false;
    for (const entry of this.catalog.list(ns, prefix)) {
      if (after !== null && compareBytes(utf8(entry.name), after) <= 0) continue;
      const q = this.slots.get(ns, entry.name)?.queue;
      if (q === null || q === undefined || q.state.counters.enqueued === 0) continue;
      if (queues.length === limit) {
        hasMore = true;
        break;
      }
      queues.push(q);
    }
    const entries = queues.map((q) => listEntry(q));
    await Promise.all(queues.map((q) => q.settled()));
    const last = queues.at(-1);
    const cursor = hasMore && last !== undefined ? encodeNameCursor(last.name) : new Uint8Array(0);
    return { queues: entries, hasMore, cursor };
  }

  /**
   * Every open queue's counts by state, as applied now: for metrics, which may run up to one
   * fsync ahead of what calls reveal. Synchronous and O(queues).
   */
  depths(): QueueDepth[] {
    const out: QueueDepth[] = [];
    for (const slot of this.slots.values()) {
      const state = slot.queue?.state;
      if (state === undefined) continue;
      out.push({ namespace: slot.namespace, name: slot.name, ready: state.readyCount,
        delayed: state.delayedCount, leased: state.leasedCount, dlq: state.dlqCount });
    }
    return out;
  }

  /** True when a queue of `namespace` holds a message (ready, delayed, leased or DLQ). */
  namespaceHoldsData(namespace: string): boolean {
    const ns = checkNamespace(namespace);
    for (const slot of this.slots.values()) {
      if (slot.namespace !== ns) continue;
      if (slot.opening !== null) return true;
      if (slot.queue !== null && slot.queue.state.messages.size > 0) return true;
    }
    return false;
  }

  /** Every namespace in which a queue holds a message, sorted (NamespacedStore). */
  namespacesWithData(): string[] {
    const names = new Set<string>();
    for (const slot of this.slots.values()) {
      if (this.namespaceHoldsData(slot.namespace)) names.add(slot.namespace);
    }
    return [...names].sort((a, b) => compareBytes(utf8(a), utf8(b)));
  }

  /**
   * Deletes every queue of `namespace` with its messages, DLQ and counters. Parked
   * dequeues there get their timeout outcome ([]) at once.
   */
  async dropNamespace(namespace: string): Promise<void> {
    const ns = checkNamespace(namespace);
    this.checkOpen();
    const slots = [...this.slots.values()].filter((slot) => slot.namespace === ns);
    for (const slot of slots) slot.waiters.dropAll();
    for (const slot of slots) {
      const q = slot.opening !== null ? await slot.opening.catch(() => null) : slot.queue;
      this.slots.delete(slot.namespace, slot.name);
      if (q === null) continue;
      await q.close();
      await this.catalog.remove(q.entry);
    }
  }

  /** Checks every queue's state against its indexes (tests, INVARIANTS=1). */
  checkInvariants(): void {
    for (const slot of this.slots.values()) slot.queue?.state.checkInvariants();
  }

  /** Parked dequeues over the store (for tests and metrics). */
  get parkedCount(): number {
    return this.parked.parked;
  }

  /** Flushes and closes every queue; parked dequeues resolve with []. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.closeAll();
    return this.closing;
  }

  // ---- internals ----

  private async closeAll(): Promise<void> {
    this.context.timer.close();
    const slots = [...this.slots.values()];
    for (const slot of slots) slot.waiters.dropAll();
    const queues = await Promise.all(slots.map((slot) =>
      slot.opening !== null ? slot.opening.catch(() => null) : slot.queue));
    await Promise.all(queues.map((q) => q?.close()));
  }

  private checkOpen(): void {
    if (this.closing !== null) throw new ClosedError(`queue store "${this.options.dir}" is closed`);
  }

  private slot(namespace: string, name: string): Slot {
    let slot = this.slots.get(namespace, name);
    if (slot === undefined) {
      slot = { namespace, name, queue: null, opening: null,
        waiters: new DequeueWaiters(this.options.clock, this.parked) };
      this.slots.set(namespace, name, slot);
    }
    return slot;
  }

  // The queue (ready now), the promise of its creation, or null (absent, create false).
  private slotFor(ns: string, name: string, create: true): Queue | Promise<Queue>;
  private slotFor(ns: string, name: string, create: false): Queue | Promise<Queue> | null;
  private slotFor(ns: string, name: string, create: boolean): Queue | Promise<Queue> | null {
    this.checkOpen();
    const existing = this.slots.get(ns, name);
    if (existing?.queue) return existing.queue;
    if (existing?.opening) return existing.opening;
    if (!create) return null;
    const slot = this.slot(ns, name);
    const opening = this.createQueue(slot);
    slot.opening = opening;
    opening.then((q) => {
      slot.queue = q;
      slot.opening = null;
    }, () => {
      slot.opening = null;
    });
    return opening;
  }

  private async createQueue(slot: Slot): Promise<Queue> {
    const entry = await this.catalog.create(slot.namespace, slot.name, {},
      this.options.clock.nowMs());
    return this.openQueue(entry, slot);
  }

  private openQueue(entry: CatalogEntry<QueueSettings>, slot: Slot): Promise<Queue> {
    return Queue.open(entry, {
      fs: this.options.fs, clock: this.options.clock, dir: entry.dir,
      durability: this.options.durability, syncIntervalMs: this.options.syncIntervalMs,
      segmentBytes: this.context.segmentBytes, repair: this.options.repair,
    }, slot.waiters, this.resolve(entry.settings), this.context);
  }

  private resolve(settings: QueueSettings): QueueConfig {
    return { ...this.defaults, ...settings };
  }

  // Runs `run` on the queue (waiting for its creation if in progress), or answers
  // `absent` for a queue that does not exist.
  private async onQueue<T>(namespace: string, queue: string, run: (q: Queue) => Promise<T>,
    absent: T): Promise<T> {
    const [ns, name] = checkQueueName(namespace, queue);
    const target = this.slotFor(ns, name, false);
    if (target === null) return absent;
    return target instanceof Queue ? run(target) : target.then(run);
  }

  private async onSeqQueue(namespace: string, queue: string, seqs: number[], strict: boolean,
    op: string, run: (q: Queue) => Promise<number>): Promise<number> {
    const [ns, name] = checkQueueName(namespace, queue);
    const target = this.slotFor(ns, name, false);
    if (target !== null) return target instanceof Queue ? run(target) : target.then(run);
    if (strict && seqs.length > 0) {
      throw new NotFoundError(`Cannot ${op} seq ${seqs[0]} of queue "${name}": no such message`);
    }
    return 0;
  }
}

function headBefore(a: Message, b: Message): boolean {
  return a.priority < b.priority || (a.priority === b.priority && a.enqueuedAtMs < b.enqueuedAtMs);
}

function listEntry(q: Queue): QueueListEntry {
  const state = q.state;
  return {
    namespace: q.namespace, name: q.name,
    pending: state.readyCount + state.delayedCount + state.leasedCount,
    available: state.readyCount, enqueued: state.counters.enqueued,
    dequeued: state.counters.dequeued, dlq: state.dlqCount,
  };
}

function emptyStats(): QueueStats {
  return {
    enqueued: 0, dequeued: 0, acked: 0, nacked: 0, dlqTotal: 0, leasesExpired: 0, ready: 0,
    delayed: 0, leased: 0, dlq: 0, oldestReadyAgeMs: 0,
  };
}

// A dequeue's park request: the store-wide parked limit first (a request refused here is not
// announced as parked), then the signal, then the caller's onPark.
class ParkGate implements ParkRequest {
  readonly blockMs: number;
  private readonly counter: Readonly<ParkedCounter>;
  private readonly parkedMax: number;
  // signal and onPark are read only on the way to parking (DequeueOptions.signal).
  private readonly options: Pick<DequeueOptions, 'signal' | 'onPark'>;

  constructor(counter: Readonly<ParkedCounter>, parkedMax: number, blockMs: number,
    options: Pick<DequeueOptions, 'signal' | 'onPark'>) {
    this.counter = counter;
    this.parkedMax = parkedMax;
    this.blockMs = blockMs;
    this.options = options;
  }

  get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  mayPark(): boolean {
    return this.counter.parked < this.parkedMax && this.signal?.aborted !== true &&
      (this.options.onPark?.() ?? true);
  }
}
