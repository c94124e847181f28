// Queue: one queue — its journal (events with payloads, engine/log/journal.ts), its state
// (QueueState, the fold of the events) and its parked dequeues. QueueStore checks arguments
// and calls these methods; every method here runs to completion synchronously up to its
// promise (apply at submit), then resolves once its events are durable (reveal at durable;
// docs/design/20261123_engine_model.md). Reads wait for the queue's latest append, so they
// never reveal state a crash could take back.
//
// Time: every operation first ticks (delays that ended become ready, expired leases end),
// so an expired lease never blocks a call, and the store's DeadlineTimer ticks the queue at
// its earliest deadline. Seqs come from durable reservations (RESERVE events) ahead of use.
// Checkpoints (and compaction) run in the background after appends (queue_checkpoint.ts).

import { assert } from '../assert.ts';
import { ClosedError, OverloadedError } from '../errors.ts';
import type { Clock } from '../io/clock.ts';
import type { CatalogEntry } from '../catalog/catalog.ts';
import { Journal, type JournalOptions } from '../log/journal.ts';
import { queueSeqListMax, queueSeqReserveBlock } from '../limits.ts';
import { DeadlineTimer, type DeadlineTarget } from './deadline_timer.ts';
import { DequeueWaiters, type LeaseRequest, type ParkRequest } from './dequeue_waiters.ts';
import { dedupMapKey } from './dedup_index.ts';
import { MessageState, type Message } from './message.ts';
import { EndCause, EventKind, encodeEvent, type QueueEvent } from './queue_events.ts';
import { encodeQueueSnapshot } from './queue_snapshot.ts';
import { QueueState } from './queue_state.ts';
import { copyPayloads, payloadCopy, type PayloadBudget } from './payload_reader.ts';
import { heldState, selectMessages } from './message_select.ts';
import { checkpointDue, compactionCutoff, keepFromOffset } from './queue_checkpoint.ts';
import { EventBatcher } from './event_batcher.ts';
import { recoverQueueState } from './queue_recovery.ts';
import type {
  ExpiredLease, HeldMessage, QueueDueEvent, QueueMessage, QueueSettings, QueueStats,
} from './queue_types.ts';

/** A queue's settings with every default applied. */
export interface QueueConfig {
  visibilityTimeoutMs: number;
  maxDeliveries: number;
  dedupWindowMs: number;
  maxReady: number;
  dedupKeysMax: number;
}

/** What every queue of a store shares. */
export interface QueueContext {
  clock: Clock;
  timer: DeadlineTimer;
  budget: PayloadBudget;
  checkpointEvents: number;
  segmentBytes: number;
  /** Hears what the passing of time did at the end of each tick (QueueStoreOptions.onDue). */
  onDue: ((event: QueueDueEvent) => void) | null;
}

/** One message leased now (leaseFirstReady), revealed once `durable` resolves. */
export interface LeasedNow {
  message: QueueMessage;
  deadlineMs: number;
  durable: Promise<void>;
}

/** An enqueue's options, checked and resolved by the store. */
export interface EnqueueSpec {
  priority: number;
  delayMs: number;
  dedupKey: Uint8Array | null;
  /** 0: the queue's setting. */
  maxDeliveries: number;
}

export class Queue implements DeadlineTarget {
  readonly entry: CatalogEntry<QueueSettings>;
  readonly journal: Journal;
  readonly state: QueueState;
  readonly waiters: DequeueWaiters;
  config: QueueConfig;
  scheduledMs = Infinity;
  private readonly context: QueueContext;
  private lastNowMs = 0;
  /** This turn's journal batch, and the latest one in flight. */
  private readonly batcher: EventBatcher;
  private failure: Error | null = null;
  private closed = false;
  /** Highest seq whose reservation is known to be on disk, and the sync making more so. */
  private durableReservedSeq: number;
  private reservationSync: Promise<void> | null = null;
  private bytesSinceCheckpoint = 0;
  /** Set while checkpoint() runs its synchronous part (its relocations append). */
  private checkpointStarting = false;

  private constructor(
    entry: CatalogEntry<QueueSettings>,
    journal: Journal,
    state: QueueState,
    waiters: DequeueWaiters,
    config: QueueConfig,
    context: QueueContext,
  ) {
    this.entry = entry;
    this.journal = journal;
    this.state = state;
    this.waiters = waiters;
    this.config = config;
    this.context = context;
    this.durableReservedSeq = state.reservedSeq;
    this.batcher = new EventBatcher(journal.log, (error) => this.fail(error));
  }

  /** Opens (recovering) the queue of `entry`; `waiters` are its parked dequeues so far. */
  static async open(
    entry: CatalogEntry<QueueSettings>,
    journalOptions: JournalOptions,
    waiters: DequeueWaiters,
    config: QueueConfig,
    context: QueueContext,
  ): Promise<Queue> {
    const { journal, state } = await recoverQueueState(journalOptions, context.budget);
    const queue = new Queue(entry, journal, state, waiters, config, context);
    queue.lastNowMs = journal.log.lastTimestamp;
    queue.tick();
    return queue;
  }

  get namespace(): string {
    return this.entry.namespace;
  }

  get name(): string {
    return this.entry.name;
  }

  // ---- operations (the store has checked the arguments) ----

  /** Adds messages (one batch: atomic); resolves with their seqs (or the dedup hit's). */
  enqueue(payloads: readonly Uint8Array[], spec: EnqueueSpec): Promise<number[]> {
    this.begin();
    assert(payloads.length >= 1, 'enqueue at least one message');
    assert(spec.dedupKey === null || payloads.length === 1, 'dedup applies to one message');
    const nowMs = this.now();
    const state = this.state;
    if (spec.dedupKey !== null) {
      state.dedup.prune(nowMs, this.config.dedupWindowMs);
      const seq = state.dedup.find(dedupMapKey(spec.dedupKey), nowMs, this.config.dedupWindowMs);
      if (seq !== undefined) return this.settled().then(() => [seq]);
      if (state.dedup.size >= this.config.dedupKeysMax) {
        throw new OverloadedError(`queue "${this.name}" remembers ${state.dedup.size} dedup ` +
          `keys (the limit); retry once the dedup window has passed`);
      }
    }
    const waiting = state.readyCount + state.delayedCount;
    if (waiting + payloads.length > this.config.maxReady) {
      throw new OverloadedError(`queue "${this.name}" holds ${waiting} ready messages; ` +
        `maxReady is ${this.config.maxReady}`);
    }
    const first = state.nextSeq;
    const last = first + payloads.length - 1;
    const events: QueueEvent[] = [];
    const data: Array<Uint8Array | null> = [];
    const reserving = last > state.reservedSeq - queueSeqReserveBlock / 2;
    if (reserving) {
      events.push({ kind: EventKind.reserve,
        reservedSeq: Math.max(state.reservedSeq, last) + queueSeqReserveBlock });
      data.push(null);
    }
    const dueMs = spec.delayMs > 0 ? nowMs + spec.delayMs : 0;
    payloads.forEach((payload, i) => {
      events.push({ kind: EventKind.enqueue, seq: first + i, priority: spec.priority,
        enqueuedAtMs: nowMs, maxDeliveries: spec.maxDeliveries, dueMs, dedupKey: spec.dedupKey });
      data.push(payload);
    });
    const durable = this.append(events, data);
    if (reserving) this.syncReservation(state.reservedSeq);
    this.afterChange();
    const seqs = Array.from({ length: payloads.length }, (_, i) => first + i);
    const reservation = this.reservationWait(last);
    return (reservation === null ? durable : Promise.all([durable, reservation]))
      .then(() => seqs);
  }

  /**
   * Leases up to `request.count` ready messages, or parks for `wait.blockMs` when none is
   * ready (if `wait.mayPark()` agrees).
   */
  dequeue(request: LeaseRequest, wait: ParkRequest): Promise<QueueMessage[]> {
    this.begin();
    if (this.state.readyCount > 0) return this.leaseNow(request);
    if (wait.blockMs > 0 && wait.mayPark()) {
      return this.waiters.park(request, wait.blockMs, wait.signal);
    }
    return this.settled().then(() => []);
  }

  /** The first `count` ready messages in dequeue order, leasing nothing. */
  peek(count: number): Promise<QueueMessage[]> {
    this.begin();
    const messages = this.state.ready.peek(count).map((message) => this.deliver(message));
    return this.settled().then(() => messages);
  }

  /** Acks: removes leased messages (and, unless strict, delivered ones ready again). */
  ack(seqs: readonly number[], strict: boolean): Promise<number> {
    this.begin();
    const targets = this.select(seqs, strict, 'ack', (message) =>
      message.state === MessageState.leased || (!strict && message.attempts > 0 &&
        (message.state === MessageState.ready || message.state === MessageState.delayed)));
    if (targets.length === 0) return this.settled().then(() => 0);
    const durable = this.append([{ kind: EventKind.ack, seqs: targets.map(seqOf) }]);
    return durable.then(() => targets.length);
  }

  /**
   * Removes messages in any state (ready, delayed, leased, DLQ), journaled as an ack; a seq
   * the queue does not hold is skipped. For an owner reconciling the queue with its own
   * records at open (engine/action), never for consumers.
   */
  remove(seqs: readonly number[]): Promise<number> {
    this.begin();
    const targets = this.select(seqs, false, 'remove', () => true);
    assert(targets.length <= seqs.length, 'each message removed once');
    if (targets.length === 0) return this.settled().then(() => 0);
    // Nothing becomes ready or due: no waiter to serve, no deadline to move.
    const durable = this.append([{ kind: EventKind.ack, seqs: targets.map(seqOf) }]);
    assert(targets.every((message) => this.state.find(message.seq) === undefined),
      'removed messages are no longer held');
    return durable.then(() => targets.length);
  }

  /** Nacks leased messages: to the DLQ (asked, or out of deliveries) or back to ready. */
  nack(seqs: readonly number[], toDlq: boolean, delayMs: number, strict: boolean) {
    this.begin();
    const targets = this.select(seqs, strict, 'nack', isLeased);
    if (targets.length === 0) return this.settled().then(() => 0);
    const dueMs = delayMs > 0 ? this.now() + delayMs : 0;
    const durable = this.endLeases(targets, EndCause.nack, dueMs, toDlq);
    return durable.then(() => targets.length);
  }

  /** Extends leases: new deadline = now + (extendMs ?? each lease's own length). */
  touch(seqs: readonly number[], extendMs: number | undefined, strict: boolean) {
    this.begin();
    const targets = this.select(seqs, strict, 'touch', isLeased);
    if (targets.length === 0) return this.settled().then(() => 0);
    const nowMs = this.now();
    const byDeadline = new Map<number, number[]>();
    for (const message of targets) {
      const deadlineMs = nowMs + (extendMs ?? message.leaseMs);
      const group = byDeadline.get(deadlineMs) ?? [];
      group.push(message.seq);
      byDeadline.set(deadlineMs, group);
    }
    const events: QueueEvent[] = [...byDeadline].map(([deadlineMs, group]) =>
      ({ kind: EventKind.touch, deadlineMs, seqs: group }));
    const durable = this.append(events);
    this.afterChange();
    return durable.then(() => targets.length);
  }

  /** DLQ → ready with attempts 0. */
  requeue(seqs: readonly number[], strict: boolean): Promise<number> {
    return this.dlqOperation(EventKind.requeue, seqs, strict);
  }

  /** DLQ → removed. */
  deleteDead(seqs: readonly number[], strict: boolean): Promise<number> {
    return this.dlqOperation(EventKind.delete, seqs, strict);
  }

  /** Removes every delayed, ready and leased message; the DLQ and the seq counter stay. */
  purge(): Promise<number> {
    this.begin();
    const state = this.state;
    const removed = state.readyCount + state.delayedCount + state.leasedCount;
    if (removed === 0) return this.settled().then(() => 0);
    const durable = this.append([{ kind: EventKind.purge }]);
    return durable.then(() => removed);
  }

  /** Makes delayed messages whose time has come ready now; resolves with how many. */
  promoteDue(): Promise<number> {
    this.checkOpen();
    const promoted = this.tick();
    return this.settled().then(() => promoted);
  }

  /** Applies what fell due now (delays, expired leases), as every operation does first. */
  tickNow(): void {
    this.begin();
  }

  /** The message a dequeue would take first, as applied now (no tick), or undefined. */
  readyHead(): Message | undefined {
    return this.state.readyCount > 0 ? this.state.ready.peek(1)[0] : undefined;
  }

  /**
   * Leases the first ready message for `leaseMs` now, without ticking (the caller ticked).
   * REQUIRES: a message is ready. Reveal it only once `durable` resolves.
   */
  leaseFirstReady(leaseMs: number): LeasedNow {
    this.checkOpen();
    assert(this.state.readyCount > 0, 'lease the first ready message when one is ready');
    const taken = this.leaseTake({ count: 1, leaseMs, budget: null });
    assert(taken.messages.length === 1, 'one message leased');
    return { message: taken.messages[0]!, deadlineMs: taken.deadlineMs, durable: taken.durable };
  }

  /** Calls `visit` for every message held (ready, delayed, leased, DLQ), in seq order. */
  forEachHeld(visit: (message: HeldMessage) => void): void {
    this.checkOpen();
    const held = [...this.state.messages.values()].sort((a, b) => a.seq - b.seq);
    for (const message of held) {
      assert(message.state !== MessageState.removed, 'removed messages are not held');
      visit({ ...this.deliver(message), state: heldState(message.state),
        dueMs: message.dueMs, leaseMs: message.leaseMs });
    }
  }

  /** A page of the DLQ in ascending seq. */
  dlqPage(afterSeq: number, limit: number) {
    this.begin();
    const page = this.state.dlqPage(afterSeq, limit);
    const messages = page.messages.map((message) => this.deliver(message));
    return this.settled().then(() => ({ messages, hasMore: page.hasMore }));
  }

  /** Counters and gauges. */
  stats(): Promise<QueueStats> {
    this.begin();
    const stats = this.statsNow();
    return this.settled().then(() => stats);
  }

  /** Counters and gauges as applied (not waiting for durability; for listings). */
  statsNow(): QueueStats {
    const state = this.state;
    const oldest = state.oldestReady();
    return {
      ...state.counters, ready: state.readyCount, delayed: state.delayedCount,
      leased: state.leasedCount, dlq: state.dlqCount,
      oldestReadyAgeMs: oldest === undefined ? 0 : Math.max(0, this.now() - oldest.enqueuedAtMs),
    };
  }

  /** Resolves once everything applied so far is durable (the reveal rule for reads). */
  settled(): Promise<void> {
    return this.batcher.settled();
  }

  /** DeadlineTimer callback: apply what fell due. */
  onDeadline(): void {
    if (this.closed || this.failure !== null) return;
    try {
      this.tick();
    } catch (error) {
      this.fail(error);
    }
  }

  /**
   * Stops the queue: parked dequeues get no messages, then (unless failed) a final
   * checkpoint records the exact seq counter, and the journal closes.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.waiters.dropAll();
    if (this.failure === null) {
      try {
        this.batcher.flush();
        await this.settled();
        await this.checkpoint(true);
      } catch {
        // The failure is the journal's: closing it below reports nothing more.
      }
    }
    await this.journal.close();
  }

  // ---- internals ----

  private begin(): void {
    this.checkOpen();
    this.tick();
  }

  private checkOpen(): void {
    if (this.failure !== null) throw this.failure;
    if (this.closed) throw new ClosedError(`queue "${this.name}" is closed`);
  }

  /** Wall-clock now, never behind a time this queue already used. */
  private now(): number {
    this.lastNowMs = Math.max(this.lastNowMs, this.context.clock.nowMs());
    return this.lastNowMs;
  }

  // Delays that ended become ready; expired leases end; parked dequeues get what is ready.
  // Last, the store's onDue hook hears what time did: the state is consistent by then, so
  // the hook may call back into this queue. Returns how many delayed messages became ready.
  private tick(): number {
    const nowMs = this.now();
    const promoted = this.state.promoteDue(nowMs);
    let expired: ExpiredLease[] | null = null;
    for (;;) {
      const due = this.state.dueLeases(nowMs, queueSeqListMax);
      if (due.length === 0) break;
      this.endLeases(due, EndCause.expiry, 0, false);
      expired ??= [];
      for (const message of due) {
        expired.push({ seq: message.seq, deliveryCount: message.attempts,
          dead: message.state === MessageState.dlq });
      }
    }
    this.afterChange();
    const hook = this.context.onDue;
    if (hook !== null && (promoted > 0 || expired !== null)) {
      hook({ namespace: this.namespace, queue: this.name, promoted, expired: expired ?? [] });
    }
    return promoted;
  }

  // Ends leases by nack or expiry: to the DLQ when asked or out of deliveries, else back.
  private endLeases(messages: Message[], cause: EndCause, dueMs: number, toDlq: boolean) {
    const dead: number[] = [];
    const back: number[] = [];
    for (const message of messages) {
      const limit = message.maxDeliveries || this.config.maxDeliveries;
      (toDlq || message.attempts >= limit ? dead : back).push(message.seq);
    }
    const events: QueueEvent[] = [];
    if (back.length > 0) events.push({ kind: EventKind.release, cause, dueMs, seqs: back });
    if (dead.length > 0) events.push({ kind: EventKind.dead, cause, seqs: dead });
    const durable = this.append(events);
    this.afterChange();
    return durable;
  }

  private leaseNow(request: LeaseRequest): Promise<QueueMessage[]> {
    const { messages, durable } = this.leaseTake(request);
    return durable.then(() => messages);
  }

  // Leases what is ready (up to the request's count) and returns it with the lease's
  // durability: the caller reveals the messages only once it resolves.
  private leaseTake(request: LeaseRequest) {
    const { leaseMs } = request;
    const taken = this.state.takeReady(request.count, request.budget);
    assert(taken.length > 0, 'lease only what is ready');
    const deadlineMs = this.now() + leaseMs;
    const event: QueueEvent = { kind: EventKind.lease, deadlineMs, leaseMs,
      seqs: taken.map(seqOf) };
    let durable: Promise<void>;
    try {
      durable = this.append([event]);
    } catch (error) {
      this.state.untake(taken);
      throw error;
    }
    const messages = taken.map((message) => this.deliver(message));
    this.reschedule();
    return { messages, deadlineMs, durable };
  }

  // Parked dequeues, first parked first, take what is ready (each up to its count).
  private serveWaiters(): void {
    while (this.state.readyCount > 0) {
      const waiter = this.waiters.next();
      if (waiter === undefined) return;
      try {
        waiter.finish(this.leaseNow(waiter));
      } catch (error) {
        waiter.finish(Promise.reject(error));
        return;
      }
    }
  }

  private afterChange(): void {
    this.serveWaiters();
    this.reschedule();
  }

  private reschedule(): void {
    const dueMs = this.state.nextDeadlineMs();
    if (dueMs !== Infinity) this.context.timer.schedule(this, dueMs);
  }

  private dlqOperation(kind: typeof EventKind.requeue | typeof EventKind.delete,
    seqs: readonly number[], strict: boolean): Promise<number> {
    this.begin();
    const op = kind === EventKind.requeue ? 'requeue' : 'delete';
    const targets = this.select(seqs, strict, op, (message) =>
      message.state === MessageState.dlq);
    if (targets.length === 0) return this.settled().then(() => 0);
    const durable = this.append([{ kind, seqs: targets.map(seqOf) }]);
    this.afterChange();
    return durable.then(() => targets.length);
  }

  private select(seqs: readonly number[], strict: boolean, op: string,
    applies: (message: Message) => boolean): Message[] {
    return selectMessages(this.state, this.name, seqs, strict, op, applies);
  }

  private deliver(message: Message): QueueMessage {
    return {
      seq: message.seq,
      payload: payloadCopy(this.journal.log, this.state, message, this.context.budget),
      enqueuedAtMs: message.enqueuedAtMs, deliveryCount: message.attempts,
      priority: message.priority,
    };
  }

  // Adds events to this turn's journal batch (event_batcher.ts), applies them at once, and
  // returns the batch's durability. Payloads (enqueue, relocate) are cached at first; over
  // the budget they are dropped again once durable (then readable from the journal).
  private append(events: QueueEvent[], data?: ReadonlyArray<Uint8Array | null>): Promise<void> {
    assert(events.length > 0, 'append at least one event');
    // Not checkOpen(): close() itself appends (relocations of its final checkpoint).
    if (this.failure !== null) throw this.failure;
    const records = events.map((event, i) => encodeEvent(event, data?.[i] ?? undefined));
    const copies = data === undefined ? undefined : copyPayloads(data);
    const baseOffset = this.batcher.nextOffset;
    let bytes = 0;
    let carried: number[] | null = null;
    events.forEach((event, i) => {
      const payload = data?.[i] ?? null;
      const length = payload?.length ?? 0;
      bytes += 16 + length;
      this.state.apply(event, copies?.[i] ?? null, length, baseOffset + i);
      if (payload !== null && (event.kind === EventKind.enqueue ||
        event.kind === EventKind.relocate)) (carried ??= []).push(event.seq);
    });
    const durable = this.batcher.add(records, bytes);
    this.state.compactIndexes();
    if (carried !== null) this.evictWhenDurable(durable, carried);
    this.bytesSinceCheckpoint += bytes;
    this.maybeCheckpoint();
    return durable;
  }

  private fail(error: unknown): void {
    if (this.failure !== null) return;
    this.failure = error instanceof Error ? error : new Error(String(error));
    this.waiters.dropAll();
  }

  // Async mode: a seq above the fsynced reservation may be revealed only once the new
  // reservation is fsynced too (sync mode: it rode the same group commit).
  private syncReservation(reservedSeq: number): void {
    if (this.journal.log.durability !== 'async') {
      this.durableReservedSeq = reservedSeq;
      return;
    }
    this.batcher.flush();
    const sync = this.journal.log.sync().then(() => {
      this.durableReservedSeq = Math.max(this.durableReservedSeq, reservedSeq);
      if (this.reservationSync === sync) this.reservationSync = null;
    });
    sync.catch((error: unknown) => this.fail(error));
    this.reservationSync = sync;
  }

  private reservationWait(lastSeq: number): Promise<void> | null {
    if (lastSeq <= this.durableReservedSeq) return null;
    assert(this.reservationSync !== null, 'a reservation covers every seq handed out');
    return this.reservationSync;
  }

  // Over the cache budget, the payloads just appended are dropped once their records are
  // readable (a message relocated again meanwhile keeps its newer, unreadable one).
  private evictWhenDurable(durable: Promise<void>, seqs: readonly number[]): void {
    const budget = this.context.budget;
    if (budget.bytes <= budget.limitBytes) return;
    durable.then(() => {
      const readable = this.journal.log.readableOffset;
      for (const seq of seqs) {
        if (budget.bytes <= budget.limitBytes) return;
        const message = this.state.find(seq);
        if (message !== undefined && message.payloadOffset < readable) {
          this.state.dropPayload(message);
        }
      }
    }, () => undefined);
  }

  private maybeCheckpoint(): void {
    if (this.journal.checkpointInProgress || this.checkpointStarting || this.closed) return;
    const due = checkpointDue({
      eventsSinceCheckpoint: this.journal.eventsSinceCheckpoint,
      bytesSinceCheckpoint: this.bytesSinceCheckpoint,
      messagesHeld: this.state.messages.size,
      checkpointEvents: this.context.checkpointEvents,
      segmentBytes: this.context.segmentBytes,
    });
    if (due) this.checkpoint(false).catch((error: unknown) => this.fail(error));
  }

  // Compacts if the kept journal is mostly garbage, then snapshots the state at the
  // journal's end and hands it to the journal (which drops segments below keepFrom).
  private checkpoint(closing: boolean): Promise<void> {
    this.bytesSinceCheckpoint = 0;
    const log = this.journal.log;
    const state = this.state;
    const cutoff = compactionCutoff(log.segmentInfo(),
      keepFromOffset(state.messages.values(), log.nextOffset), state.liveBytes,
      state.messages.size, this.context.segmentBytes);
    if (cutoff !== null) {
      this.checkpointStarting = true;
      try {
        this.relocateBelow(cutoff);
      } finally {
        this.checkpointStarting = false;
      }
    }
    state.dedup.prune(this.now(), this.config.dedupWindowMs);
    const snapshot = state.snapshot();
    // On close everything handed out is durable: the reservation can shrink to the exact
    // counter, so a clean restart continues at nextSeq.
    if (closing) snapshot.reservedSeq = state.nextSeq - 1;
    this.batcher.flush();
    const offset = log.nextOffset;
    const keepFrom = keepFromOffset(state.messages.values(), offset);
    return this.journal.checkpoint(encodeQueueSnapshot(snapshot), offset, keepFrom);
  }

  private relocateBelow(cutoff: number): void {
    const moving = [...this.state.messages.values()]
      .filter((message) => message.payloadOffset < cutoff)
      .sort((a, b) => a.payloadOffset - b.payloadOffset);
    for (let i = 0; i < moving.length; i += 1000) {
      const group = moving.slice(i, i + 1000);
      const payloads = group.map((message) =>
        payloadCopy(this.journal.log, this.state, message, this.context.budget));
      this.append(group.map((message) => ({ kind: EventKind.relocate, seq: message.seq })),
        payloads);
    }
  }
}

function seqOf(message: Message): number {
  return message.seq;
}

function isLeased(message: Message): boolean {
  return message.state === MessageState.leased;
}
