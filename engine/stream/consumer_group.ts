// A consumer group's state machine (spec §7.5): settings, the cursor (last sequence handed
// out), consumers with their last-seen time, the PEL, and the dead-letter counter. Every
// change goes through an apply*() method fed by a journal event, live or at replay, so the
// state after recovery is the state the events produced (StreamJournal.apply).
//
// Redelivery runs on two heaps whose entries know their positions (IndexedHeap, so acks and
// re-keys leave nothing stale behind): `due`, by the time an entry becomes redeliverable
// (ack deadline or nack delay), and `ready`, by sequence, for entries already due, from
// which reads take redeliveries in StreamID order. promote(now) moves due entries to ready —
// or reports those at max_deliver for dead-lettering — and runs on every read and on the
// store's one expiry timer, so an expired deadline never waits for the timer to matter.

import { assert, invariantsEnabled } from '../assert.ts';
import { IndexedHeap } from '../collections/indexed_heap.ts';
import { PendingEntry, PendingList } from './pending_list.ts';
import type { FreshDelivery } from './stream_events.ts';

/** A record the group gave up on after max_deliver deliveries (spec: dead-lettered). */
export interface DeadLetter {
  sequence: number;
  timestampMs: number;
  partition: number;
  offset: number;
  /** The consumer it was last delivered to. */
  consumer: string;
  deliveryCount: number;
  deadLetteredMs: number;
}

export interface Consumer {
  name: string;
  lastSeenMs: number;
}

export class ConsumerGroup {
  readonly name: string;
  ackTimeoutMs: number;
  maxDeliver: number;
  /** Sequence and timestamp of the last record handed out for the first time (0 = none). */
  cursorSequence: number;
  cursorTimestampMs: number;
  deadLettered = 0;
  readonly consumers = new Map<string, Consumer>();
  /** PEL entries per consumer name, registered or not (a consumer that left keeps its name). */
  private readonly held = new Map<string, number>();
  readonly pel = new PendingList();
  /** Dead-lettered records still in the stream, by sequence (trims remove them). */
  readonly deadLetters: DeadLetter[] = [];
  /** Per partition, an offset from which records above the cursor start (a cache). */
  partitionOffsets: number[] | null = null;
  /** The earliest due time the store's expiry timer knows for this group. */
  armedMs = Infinity;
  private readonly due = new IndexedHeap<PendingEntry>(
    (a, b) => a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.sequence < b.sequence),
    (entry) => entry.dueIndex, (entry, index) => {
      entry.dueIndex = index;
    });
  private readonly ready = new IndexedHeap<PendingEntry>(
    (a, b) => a.sequence < b.sequence,
    (entry) => entry.readyIndex, (entry, index) => {
      entry.readyIndex = index;
    });

  constructor(
    name: string,
    ackTimeoutMs: number,
    maxDeliver: number,
    cursorSequence: number,
    cursorTimestampMs: number,
  ) {
    this.name = name;
    this.ackTimeoutMs = ackTimeoutMs;
    this.maxDeliver = maxDeliver;
    this.cursorSequence = cursorSequence;
    this.cursorTimestampMs = cursorTimestampMs;
  }

  // ---- apply: the only code that changes the state (live and at replay) ----

  applyConfig(ackTimeoutMs: number, maxDeliver: number): void {
    this.ackTimeoutMs = ackTimeoutMs;
    this.maxDeliver = maxDeliver;
  }

  applyJoin(consumer: string, nowMs: number): void {
    this.consumer(consumer, nowMs);
  }

  /** The consumer leaves; its entries become redeliverable at once. */
  applyLeave(consumer: string, nowMs: number): void {
    if (!this.consumers.delete(consumer)) return;
    for (const entry of this.pel.values()) {
      if (entry.consumer !== consumer || entry.released) continue;
      entry.released = true;
      this.reschedule(entry, nowMs);
    }
  }

  applyDeliver(
    consumer: string,
    nowMs: number,
    noAck: boolean,
    redelivered: readonly number[],
    fresh: readonly FreshDelivery[],
  ): void {
    const holder = this.consumer(consumer, nowMs);
    for (const sequence of redelivered) {
      const entry = this.pel.get(sequence);
      assert(entry !== undefined, `redelivered sequence ${sequence} is pending`);
      if (noAck) this.removeEntry(entry);
      else this.assign(entry, holder, nowMs);
    }
    for (const record of fresh) {
      assert(record.sequence > this.cursorSequence, 'fresh records are past the cursor');
      this.cursorSequence = record.sequence;
      this.cursorTimestampMs = record.timestampMs;
      const offsets = this.partitionOffsets;
      if (offsets !== null) {
        offsets[record.partition] = Math.max(offsets[record.partition] ?? 0, record.offset + 1);
      }
      if (noAck) continue;
      const entry = new PendingEntry(record.sequence, record.timestampMs, record.partition,
        record.offset, consumer, 1, nowMs, nowMs + this.ackTimeoutMs);
      this.pel.append(entry);
      this.count(entry.consumer, 1);
      this.due.push(entry);
    }
  }

  /** Removes the listed entries (ack, drop); returns how many were pending. */
  applyRemove(sequences: readonly number[]): number {
    let removed = 0;
    for (const sequence of sequences) {
      const entry = this.pel.get(sequence);
      if (entry === undefined) continue;
      this.removeEntry(entry);
      removed += 1;
    }
    return removed;
  }

  /** Moves the listed entries from the PEL to the dead letters. */
  applyDeadLetter(sequences: readonly number[], nowMs: number): void {
    for (const sequence of sequences) {
      const entry = this.pel.get(sequence);
      if (entry === undefined) continue;
      this.removeEntry(entry);
      this.deadLettered += 1;
      const { timestampMs, partition, offset, consumer, deliveryCount } = entry;
      this.insertDeadLetter({ sequence, timestampMs, partition, offset, consumer, deliveryCount,
        deadLetteredMs: nowMs });
    }
  }

  /** Forgets the listed dead letters (the counter stays). */
  applyDeadLetterDelete(sequences: readonly number[]): void {
    for (const sequence of sequences) {
      const index = this.deadLetterIndex(sequence);
      if (this.deadLetters[index]?.sequence === sequence) this.deadLetters.splice(index, 1);
    }
  }

  /** Adds a dead letter as a snapshot recorded it (ascending sequences). */
  restoreDeadLetter(deadLetter: DeadLetter): void {
    assert((this.deadLetters.at(-1)?.sequence ?? 0) < deadLetter.sequence, 'dead letters ascend');
    this.deadLetters.push(deadLetter);
  }

  /** The index of the first dead letter at or after `sequence`. */
  deadLetterIndex(sequence: number): number {
    let low = 0;
    let high = this.deadLetters.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.deadLetters[middle]!.sequence < sequence) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Nack: each entry becomes redeliverable, to any consumer, at now + delayMs. */
  applyNack(sequences: readonly number[], nowMs: number, delayMs: number): void {
    for (const sequence of sequences) {
      const entry = this.pel.get(sequence);
      if (entry === undefined) continue;
      entry.released = true;
      this.reschedule(entry, nowMs + delayMs);
    }
  }

  /** Touch: each held entry's ack deadline becomes now + extendMs (0: the ack timeout). */
  applyTouch(sequences: readonly number[], nowMs: number, extendMs: number): void {
    const dueMs = nowMs + (extendMs === 0 ? this.ackTimeoutMs : extendMs);
    for (const sequence of sequences) {
      const entry = this.pel.get(sequence);
      if (entry === undefined || entry.released) continue;
      this.reschedule(entry, dueMs);
    }
  }

  /** Records below `sequence` were trimmed: they leave the PEL. */
  applyTrim(sequence: number): void {
    for (const entry of this.pel.removeBelow(sequence)) {
      this.unschedule(entry);
      this.uncount(entry);
    }
    this.deadLetters.splice(0, this.deadLetterIndex(sequence));
  }

  /** Notes that `consumer` did something (ack, nack, touch) without registering it. */
  applySeen(consumer: string, nowMs: number): void {
    const known = this.consumers.get(consumer);
    if (known !== undefined) known.lastSeenMs = Math.max(known.lastSeenMs, nowMs);
  }

  /** PEL entries last delivered to `consumer`. */
  pendingOf(consumer: string): number {
    return this.held.get(consumer) ?? 0;
  }

  /** Adds a consumer as a snapshot recorded it. */
  restoreConsumer(name: string, lastSeenMs: number): void {
    assert(!this.consumers.has(name) && this.pel.size === 0, 'consumers restore first');
    this.consumers.set(name, { name, lastSeenMs });
  }

  /** Adds a pending entry as a snapshot recorded it (ascending sequences). */
  restoreEntry(entry: PendingEntry): void {
    this.pel.append(entry);
    this.count(entry.consumer, 1);
    this.due.push(entry);
  }

  // ---- decisions: read-only, or moves between the derived heaps ----

  /**
   * Moves entries due by `nowMs` to the ready heap. Returns the sequences of those that
   * reached max_deliver: the caller must dead-letter them (an event) at once.
   */
  promote(nowMs: number): number[] {
    const dead: number[] = [];
    for (;;) {
      const entry = this.due.peek();
      if (entry === undefined || entry.dueMs > nowMs) break;
      this.due.remove(entry);
      // An entry at max_deliver stays off both heaps until its dead-letter event removes it.
      if (this.atMaxDeliver(entry)) dead.push(entry.sequence);
      else this.ready.push(entry);
    }
    return dead;
  }

  /**
   * Takes up to `count` ready entries in sequence order. Entries at max_deliver (the setting
   * may have dropped) go to `dead` instead. Taken entries are off the heaps: the caller
   * either delivers them (an event) or hands them back with requeue().
   */
  takeReady(count: number): { taken: PendingEntry[]; dead: number[] } {
    const taken: PendingEntry[] = [];
    const dead: number[] = [];
    while (taken.length < count) {
      const entry = this.ready.pop();
      if (entry === undefined) break;
      if (this.atMaxDeliver(entry)) dead.push(entry.sequence);
      else taken.push(entry);
    }
    return { taken, dead };
  }

  /** Puts an entry taken by takeReady() back. */
  requeue(entry: PendingEntry): void {
    assert(entry.live && entry.dueIndex < 0, 'requeue a taken entry');
    this.ready.push(entry);
  }

  /** True when a read now would find a redeliverable entry (after promote(nowMs)). */
  hasReady(): boolean {
    return this.ready.size > 0;
  }

  /** When the next entry becomes due (Infinity when none). */
  nextDueMs(): number {
    return this.due.peek()?.dueMs ?? Infinity;
  }

  /** Checks the PEL, the heaps and the consumer counts (tests, INVARIANTS=1). */
  checkInvariants(): void {
    if (!invariantsEnabled) return;
    this.pel.checkInvariants();
    this.due.checkInvariants();
    this.ready.checkInvariants();
    const counts = new Map<string, number>();
    for (const entry of this.pel.values()) {
      counts.set(entry.consumer, (counts.get(entry.consumer) ?? 0) + 1);
      assert(entry.sequence <= this.cursorSequence, 'pending entries are at or below the cursor');
      assert(!(this.due.has(entry) && this.ready.has(entry)), 'an entry is due or ready');
    }
    for (const entry of [...this.due.values(), ...this.ready.values()]) {
      assert(entry.live, `heaps hold only pending entries (${entry.sequence})`);
    }
    for (const [name, count] of counts) {
      assert(this.pendingOf(name) === count, `consumer ${name} counts ${this.pendingOf(name)}`);
    }
    assert([...this.held.values()].every((count) => count > 0), 'no empty counters are kept');
  }

  // ---- helpers ----

  private consumer(name: string, nowMs: number): Consumer {
    let consumer = this.consumers.get(name);
    if (consumer === undefined) {
      consumer = { name, lastSeenMs: nowMs };
      this.consumers.set(name, consumer);
    }
    consumer.lastSeenMs = Math.max(consumer.lastSeenMs, nowMs);
    return consumer;
  }

  private assign(entry: PendingEntry, holder: Consumer, nowMs: number): void {
    if (entry.consumer !== holder.name) {
      this.count(entry.consumer, -1);
      entry.consumer = holder.name;
      this.count(entry.consumer, 1);
    }
    entry.deliveryCount += 1;
    entry.lastDeliveryMs = nowMs;
    entry.released = false;
    this.reschedule(entry, nowMs + this.ackTimeoutMs);
  }

  private reschedule(entry: PendingEntry, dueMs: number): void {
    entry.dueMs = dueMs;
    if (this.ready.has(entry)) this.ready.remove(entry);
    if (this.due.has(entry)) this.due.update(entry);
    else this.due.push(entry);
  }

  // Dead-lettering happens in due order, not sequence order: insert where it belongs.
  private insertDeadLetter(deadLetter: DeadLetter): void {
    const index = this.deadLetterIndex(deadLetter.sequence);
    assert(this.deadLetters[index]?.sequence !== deadLetter.sequence, 'dead-lettered once');
    this.deadLetters.splice(index, 0, deadLetter);
  }

  private unschedule(entry: PendingEntry): void {
    if (this.due.has(entry)) this.due.remove(entry);
    if (this.ready.has(entry)) this.ready.remove(entry);
  }

  private removeEntry(entry: PendingEntry): void {
    this.pel.remove(entry);
    this.unschedule(entry);
    this.uncount(entry);
  }

  private uncount(entry: PendingEntry): void {
    this.count(entry.consumer, -1);
  }

  private count(consumer: string, delta: number): void {
    const count = (this.held.get(consumer) ?? 0) + delta;
    assert(count >= 0, 'pending counts stay non-negative');
    if (count === 0) this.held.delete(consumer);
    else this.held.set(consumer, count);
  }

  private atMaxDeliver(entry: PendingEntry): boolean {
    return this.maxDeliver !== 0 && entry.deliveryCount >= this.maxDeliver;
  }

}
