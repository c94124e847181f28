// QueueState: the in-memory state of one queue — its messages, the ready/delay/lease
// indexes, the DLQ, the dedup window and the cumulative counters — as the fold of its
// journal events (queue_events.ts). apply() is the one place state changes by an event, used
// both live (Queue appends an event, then applies it) and at recovery (replay), so the two
// cannot disagree. The only change that is not an event is a delay ending: a delayed message
// whose due time has passed is ready by definition, so promoteDue() needs no record.
//
// While replaying, `indexing` is off and apply() touches no index (a replay moves messages
// through states without take()); rebuildIndexes() then builds them once from the messages.
// Live, a message enters an index only on a transition into that state and leaves it by a
// take (or lazily, as a dead entry, when it is removed), so no message is indexed twice.

import { assert, assertNever, invariantsEnabled } from '../assert.ts';
import { MinHeap } from '../collections/min_heap.ts';
import { DedupIndex, dedupMapKey } from './dedup_index.ts';
import { EndCause, EventKind, type QueueEvent } from './queue_events.ts';
import { MessageState, timedEntryLess, type Message, type TimedEntry } from './message.ts';
import { ReadyIndex } from './ready_index.ts';
import type { QueueSnapshot } from './queue_snapshot.ts';
import type { DequeueBudget, QueueCounters } from './queue_types.ts';

/** Bytes of payloads cached in memory, shared by every queue of a store. */
export interface PayloadCache {
  bytes: number;
}

export class QueueState {
  readonly messages = new Map<number, Message>();
  readonly ready = new ReadyIndex();
  readonly delayed = new MinHeap<TimedEntry>(timedEntryLess);
  readonly leases = new MinHeap<TimedEntry>(timedEntryLess);
  readonly dedup = new DedupIndex();
  readonly counters: QueueCounters = {
    enqueued: 0, dequeued: 0, acked: 0, nacked: 0, dlqTotal: 0, leasesExpired: 0,
  };
  readyCount = 0;
  delayedCount = 0;
  leasedCount = 0;
  /** Next seq to hand out, and the highest seq durably reserved (engine model section 2). */
  nextSeq = 1;
  reservedSeq = 0;
  /** Payload bytes of every message still held (any state but removed). */
  liveBytes = 0;
  /** Off while replaying: apply() then leaves the indexes alone. */
  indexing = true;
  private readonly dlq = new Map<number, Message>();
  private dlqSorted: Message[] | null = [];
  private readonly cache: PayloadCache;

  constructor(cache: PayloadCache) {
    this.cache = cache;
  }

  get dlqCount(): number {
    return this.dlq.size;
  }

  /**
   * Applies one event. `payload` is the cached copy for an enqueue or relocate (null: not
   * cached); `offset` is the event's journal offset (where such a payload lives).
   */
  apply(event: QueueEvent, payload: Uint8Array | null, payloadBytes: number, offset: number) {
    switch (event.kind) {
      case EventKind.enqueue:
        return this.applyEnqueue(event, payload, payloadBytes, offset);
      case EventKind.lease:
        for (const seq of event.seqs) this.applyLease(this.get(seq), event.deadlineMs,
          event.leaseMs);
        this.counters.dequeued += event.seqs.length;
        return;
      case EventKind.ack:
        for (const seq of event.seqs) this.remove(this.get(seq));
        this.counters.acked += event.seqs.length;
        return;
      case EventKind.release:
        for (const seq of event.seqs) this.applyRelease(this.get(seq), event.dueMs);
        this.countEnd(event.cause, event.seqs.length);
        return;
      case EventKind.dead:
        for (const seq of event.seqs) this.applyDead(this.get(seq));
        this.countEnd(event.cause, event.seqs.length);
        this.counters.dlqTotal += event.seqs.length;
        return;
      case EventKind.touch:
        for (const seq of event.seqs) this.applyTouch(this.get(seq), event.deadlineMs);
        return;
      case EventKind.requeue:
        for (const seq of event.seqs) this.applyRequeue(this.get(seq));
        return;
      case EventKind.delete:
        for (const seq of event.seqs) this.remove(this.get(seq));
        return;
      case EventKind.purge:
        return this.applyPurge();
      case EventKind.reserve:
        this.reservedSeq = Math.max(this.reservedSeq, event.reservedSeq);
        return;
      case EventKind.relocate:
        return this.applyRelocate(this.get(event.seq), payload, offset);
      default:
        assertNever(event);
    }
  }

  /** The state as a checkpoint stores it (the owner prunes the dedup window first). */
  snapshot(): QueueSnapshot {
    return {
      nextSeq: this.nextSeq, reservedSeq: this.reservedSeq, counters: { ...this.counters },
      // The map holds messages in insertion order, which is seq order (enqueue, restore).
      messages: [...this.messages.values()],
      dedup: this.dedup.entries(),
    };
  }

  /** Loads a snapshot into this (empty) state. Indexes are built by rebuildIndexes(). */
  restore(snapshot: QueueSnapshot): void {
    assert(this.messages.size === 0 && this.counters.enqueued === 0, 'restore into empty state');
    this.nextSeq = snapshot.nextSeq;
    this.reservedSeq = snapshot.reservedSeq;
    Object.assign(this.counters, snapshot.counters);
    for (const message of snapshot.messages) {
      const state = message.state;
      message.state = MessageState.removed;
      this.messages.set(message.seq, message);
      this.setState(message, state);
      this.liveBytes += message.payloadBytes;
    }
    for (const entry of snapshot.dedup) this.dedup.add(entry.key, entry.seq, entry.firstMs);
  }

  /** The message `seq`, if the queue holds it (any state). */
  find(seq: number): Message | undefined {
    return this.messages.get(seq);
  }

  /**
   * Removes and returns up to `count` ready messages in dequeue order (they stay ready),
   * stopping before the one that would take the sizes past `budget` (the first always goes).
   */
  takeReady(count: number, budget: DequeueBudget | null = null): Message[] {
    assert(this.indexing, 'takes happen live');
    assert(count >= 1, 'take at least one');
    const taken: Message[] = [];
    let bytes = 0;
    while (taken.length < count) {
      const message = this.ready.take();
      if (message === undefined) break;
      if (budget !== null) {
        bytes += budget.sizeOf(message.payloadBytes);
        if (taken.length > 0 && bytes > budget.bytesMax) {
          this.ready.insert(message); // over the budget: it stays first in line
          break;
        }
      }
      taken.push(message);
    }
    return taken;
  }

  /** Puts messages taken by takeReady back (the event could not be appended). */
  untake(messages: readonly Message[]): void {
    for (const message of messages) this.ready.insert(message);
  }

  /** Makes every delayed message due at or before `nowMs` ready. Returns how many. */
  promoteDue(nowMs: number): number {
    let promoted = 0;
    for (;;) {
      const entry = this.delayed.peekLive(isLiveDelay);
      if (entry === undefined || entry.dueMs > nowMs) break;
      this.delayed.pop();
      const message = entry.message;
      this.setState(message, MessageState.ready);
      message.dueMs = 0;
      this.ready.insert(message);
      promoted += 1;
    }
    return promoted;
  }

  /** Leased messages whose deadline is at or before `nowMs`, in deadline order (unchanged). */
  dueLeases(nowMs: number, max: number): Message[] {
    const due: Message[] = [];
    while (due.length < max) {
      const entry = this.leases.peekLive(isLiveLease);
      if (entry === undefined || entry.dueMs > nowMs) break;
      this.leases.pop();
      due.push(entry.message);
    }
    return due;
  }

  /** The earliest delay end or lease deadline still pending (Infinity when none). */
  nextDeadlineMs(): number {
    const delay = this.delayed.peekLive(isLiveDelay)?.dueMs ?? Infinity;
    const lease = this.leases.peekLive(isLiveLease)?.dueMs ?? Infinity;
    return Math.min(delay, lease);
  }

  /** Up to `limit` DLQ messages with seq > afterSeq, ascending, and whether more follow. */
  dlqPage(afterSeq: number, limit: number): { messages: Message[]; hasMore: boolean } {
    if (this.dlqSorted === null) {
      this.dlqSorted = [...this.dlq.values()].sort((a, b) => a.seq - b.seq);
    }
    const sorted = this.dlqSorted;
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (sorted[middle]!.seq <= afterSeq) low = middle + 1;
      else high = middle;
    }
    return { messages: sorted.slice(low, low + limit), hasMore: low + limit < sorted.length };
  }

  /** The lowest seq that is ready now, for the oldest-ready age (undefined when none). */
  oldestReady(): Message | undefined {
    return this.ready.oldest();
  }

  /** Builds the indexes from the messages (after replay, or to drop dead entries). */
  rebuildIndexes(): void {
    this.indexing = true;
    this.ready.clear();
    this.delayed.clear();
    this.leases.clear();
    for (const message of this.messages.values()) {
      if (message.state === MessageState.ready) this.ready.insertFresh(message);
      else if (message.state === MessageState.delayed) this.pushTimed(this.delayed, message);
      else if (message.state === MessageState.leased) this.pushTimed(this.leases, message);
    }
  }

  /**
   * Drops dead index entries once they outnumber the live ones: an acked or nacked lease
   * leaves its heap entry until its deadline (30 s later by default), and that entry keeps
   * the message object alive; at 100 000 cycles/s that would be millions. Amortized O(1).
   */
  compactIndexes(): void {
    if (!this.indexing) return;
    if (this.leases.size > 2 * this.leasedCount + 1024) retainLive(this.leases, isLiveLease);
    if (this.delayed.size > 2 * this.delayedCount + 1024) retainLive(this.delayed, isLiveDelay);
    if (this.ready.deadEntries > 1024 && this.ready.deadEntries > this.readyCount) {
      this.rebuildIndexes();
    }
  }

  // ---- event application ----

  private applyEnqueue(
    event: Extract<QueueEvent, { kind: typeof EventKind.enqueue }>,
    payload: Uint8Array | null,
    payloadBytes: number,
    offset: number,
  ): void {
    assert(!this.messages.has(event.seq), `seq ${event.seq} enqueued twice`);
    assert(event.seq >= this.nextSeq, 'seqs only grow');
    const delayed = event.dueMs > 0;
    const message: Message = {
      seq: event.seq, priority: event.priority, enqueuedAtMs: event.enqueuedAtMs,
      maxDeliveries: event.maxDeliveries,
      state: delayed ? MessageState.delayed : MessageState.ready, attempts: 0,
      dueMs: event.dueMs, leaseMs: 0, epoch: 0, payloadOffset: offset, payloadBytes,
      payload,
    };
    this.messages.set(message.seq, message);
    this.nextSeq = event.seq + 1;
    this.counters.enqueued += 1;
    this.liveBytes += payloadBytes;
    if (payload !== null) this.cache.bytes += payload.length;
    if (event.dedupKey !== null) {
      this.dedup.add(dedupMapKey(event.dedupKey), event.seq, event.enqueuedAtMs);
    }
    if (delayed) {
      this.delayedCount += 1;
      if (this.indexing) this.pushTimed(this.delayed, message);
    } else {
      this.readyCount += 1;
      if (this.indexing) this.ready.insertFresh(message);
    }
  }

  private applyLease(message: Message, deadlineMs: number, leaseMs: number): void {
    // A delayed message may be leased: its delay ended without a record (promoteDue).
    assert(message.state === MessageState.ready || message.state === MessageState.delayed,
      `lease of seq ${message.seq} in state ${message.state}`);
    this.setState(message, MessageState.leased);
    message.attempts += 1;
    message.dueMs = deadlineMs;
    message.leaseMs = leaseMs;
    if (this.indexing) this.pushTimed(this.leases, message);
  }

  private applyRelease(message: Message, dueMs: number): void {
    assert(message.state === MessageState.leased, `release of seq ${message.seq} not leased`);
    message.dueMs = dueMs;
    if (dueMs > 0) {
      this.setState(message, MessageState.delayed);
      if (this.indexing) this.pushTimed(this.delayed, message);
    } else {
      this.setState(message, MessageState.ready);
      if (this.indexing) this.ready.insert(message);
    }
  }

  private applyDead(message: Message): void {
    assert(message.state === MessageState.leased, `dead-letter of seq ${message.seq} not leased`);
    this.setState(message, MessageState.dlq);
    message.dueMs = 0;
  }

  private applyTouch(message: Message, deadlineMs: number): void {
    assert(message.state === MessageState.leased, `touch of seq ${message.seq} not leased`);
    message.dueMs = deadlineMs;
    message.epoch += 1;
    if (this.indexing) this.pushTimed(this.leases, message);
  }

  private applyRequeue(message: Message): void {
    assert(message.state === MessageState.dlq, `requeue of seq ${message.seq} not in the DLQ`);
    this.setState(message, MessageState.ready);
    message.attempts = 0;
    if (this.indexing) this.ready.insert(message);
  }

  private applyPurge(): void {
    for (const message of [...this.messages.values()]) {
      if (message.state !== MessageState.dlq) this.remove(message);
    }
    assert(this.readyCount + this.delayedCount + this.leasedCount === 0, 'purge empties');
    this.ready.clear();
    this.delayed.clear();
    this.leases.clear();
  }

  private applyRelocate(message: Message, payload: Uint8Array | null, offset: number): void {
    assert(offset > message.payloadOffset, 'payloads move forward');
    message.payloadOffset = offset;
    if (message.payload === null && payload !== null) {
      message.payload = payload;
      this.cache.bytes += payload.length;
    }
    // Live, the payload must stay readable until the relocation is durable.
    assert(!this.indexing || message.payload !== null, 'a relocated payload is cached');
  }

  private remove(message: Message): void {
    assert(message.state !== MessageState.removed, `seq ${message.seq} removed twice`);
    if (message.state === MessageState.ready && this.indexing) this.ready.deadEntries += 1;
    this.setState(message, MessageState.removed);
    this.messages.delete(message.seq);
    this.liveBytes -= message.payloadBytes;
    this.dropPayload(message);
  }

  /** Forgets a cached payload (it stays in the journal). */
  dropPayload(message: Message): void {
    if (message.payload === null) return;
    this.cache.bytes -= message.payload.length;
    message.payload = null;
  }

  private countEnd(cause: EndCause, count: number): void {
    if (cause === EndCause.nack) this.counters.nacked += count;
    else this.counters.leasesExpired += count;
  }

  private setState(message: Message, state: MessageState): void {
    this.adjust(message, message.state, -1);
    message.state = state;
    message.epoch += 1;
    this.adjust(message, state, 1);
  }

  private adjust(message: Message, state: MessageState, delta: 1 | -1): void {
    switch (state) {
      case MessageState.ready: this.readyCount += delta; break;
      case MessageState.delayed: this.delayedCount += delta; break;
      case MessageState.leased: this.leasedCount += delta; break;
      case MessageState.dlq:
        if (delta > 0) this.dlq.set(message.seq, message);
        else this.dlq.delete(message.seq);
        this.dlqSorted = null;
        break;
      case MessageState.removed: break;
      default: assertNever(state);
    }
  }

  private pushTimed(heap: MinHeap<TimedEntry>, message: Message): void {
    heap.push({ message, dueMs: message.dueMs, epoch: message.epoch });
  }

  private get(seq: number): Message {
    const message = this.messages.get(seq);
    assert(message !== undefined, `event names seq ${seq}, which the queue does not hold`);
    return message;
  }

  /** Checks every count and index against the messages (tests, INVARIANTS=1). */
  checkInvariants(): void {
    if (!invariantsEnabled) return;
    const counts = new Map<MessageState, number>();
    let bytes = 0;
    for (const message of this.messages.values()) {
      counts.set(message.state, (counts.get(message.state) ?? 0) + 1);
      bytes += message.payloadBytes;
      assert(message.seq < this.nextSeq, `seq ${message.seq} at or above nextSeq`);
      assert(message.state !== MessageState.removed, 'removed messages are not held');
    }
    assert((counts.get(MessageState.ready) ?? 0) === this.readyCount, 'ready count');
    assert((counts.get(MessageState.delayed) ?? 0) === this.delayedCount, 'delayed count');
    assert((counts.get(MessageState.leased) ?? 0) === this.leasedCount, 'leased count');
    assert((counts.get(MessageState.dlq) ?? 0) === this.dlq.size, 'dlq count');
    assert(bytes === this.liveBytes, 'live bytes');
    if (!this.indexing) return;
    assert(this.leases.size <= 2 * this.leasedCount + 1024, 'dead lease entries are bounded');
    assert(this.delayed.size <= 2 * this.delayedCount + 1024, 'dead delay entries are bounded');
    const indexed = new Set<number>();
    for (const message of this.ready.live()) {
      assert(!indexed.has(message.seq), `seq ${message.seq} indexed twice as ready`);
      indexed.add(message.seq);
    }
    assert(indexed.size === this.readyCount, 'every ready message is indexed once');
    for (const [heap, live] of [[this.delayed, isLiveDelay], [this.leases, isLiveLease]] as const) {
      const seen = new Set<number>();
      for (const entry of heap.values()) if (live(entry)) seen.add(entry.message.seq);
      const expected = heap === this.delayed ? this.delayedCount : this.leasedCount;
      assert(seen.size === expected, 'every delayed or leased message has a live deadline');
    }
  }
}

function retainLive(heap: MinHeap<TimedEntry>, live: (entry: TimedEntry) => boolean): void {
  const kept = heap.values().filter(live);
  heap.clear();
  for (const entry of kept) heap.push(entry);
}

function isLiveDelay(entry: TimedEntry): boolean {
  return entry.message.state === MessageState.delayed && entry.epoch === entry.message.epoch;
}

function isLiveLease(entry: TimedEntry): boolean {
  return entry.message.state === MessageState.leased && entry.epoch === entry.message.epoch;
}
