// A consumer group's pending entries list (PEL): the records delivered and not yet acked,
// dead-lettered or trimmed, in sequence order. Entries are only ever added at the end (a
// group hands out new records in sequence order, and a redelivery keeps its entry), so the
// list is an array sorted by sequence with lazy deletion: lookups are binary searches,
// removal marks the entry dead, and the array is compacted once dead entries outnumber live
// ones (amortized O(1) per removal). Owned by ConsumerGroup.

import { assert, invariantsEnabled } from '../assert.ts';

/** One delivered, unacknowledged record. Mutable: the group changes it in place. */
export class PendingEntry {
  readonly sequence: number;
  readonly timestampMs: number;
  readonly partition: number;
  readonly offset: number;
  /** The consumer it was last delivered to. */
  consumer: string;
  deliveryCount: number;
  lastDeliveryMs: number;
  /** When it becomes redeliverable: its ack deadline, or the end of a nack's delay. */
  dueMs: number;
  /** Nacked, or its consumer left: not held by anyone (redeliverable at dueMs). */
  released = false;
  /** Position in the group's due heap (waiting for dueMs), -1 when not there. */
  dueIndex = -1;
  /** Position in the group's ready heap (due, waiting for a read), -1 when not there. */
  readyIndex = -1;
  live = true;

  constructor(
    sequence: number,
    timestampMs: number,
    partition: number,
    offset: number,
    consumer: string,
    deliveryCount: number,
    lastDeliveryMs: number,
    dueMs: number,
  ) {
    this.sequence = sequence;
    this.timestampMs = timestampMs;
    this.partition = partition;
    this.offset = offset;
    this.consumer = consumer;
    this.deliveryCount = deliveryCount;
    this.lastDeliveryMs = lastDeliveryMs;
    this.dueMs = dueMs;
  }
}

export class PendingList {
  private entries: PendingEntry[] = [];
  private head = 0;
  private liveCount = 0;

  get size(): number {
    return this.liveCount;
  }

  /** Adds `entry`, whose sequence must be above every entry's so far. */
  append(entry: PendingEntry): void {
    const last = this.entries.at(-1);
    assert(last === undefined || last.sequence < entry.sequence, 'PEL entries ascend');
    assert(entry.live, 'only live entries are added');
    this.entries.push(entry);
    this.liveCount += 1;
  }

  /** The live entry for `sequence`, if any. */
  get(sequence: number): PendingEntry | undefined {
    const index = this.lowerBound(sequence);
    const entry = this.entries[index];
    return entry !== undefined && entry.sequence === sequence && entry.live ? entry : undefined;
  }

  /** Marks `entry` removed. */
  remove(entry: PendingEntry): void {
    assert(entry.live, 'an entry is removed once');
    entry.live = false;
    this.liveCount -= 1;
    const dead = this.entries.length - this.head - this.liveCount;
    if (dead > 64 && dead > this.liveCount) this.compact();
  }

  /** Removes every entry below `sequence`; returns them (for the group's counters). */
  removeBelow(sequence: number): PendingEntry[] {
    const removed: PendingEntry[] = [];
    while (this.head < this.entries.length && this.entries[this.head]!.sequence < sequence) {
      const entry = this.entries[this.head++]!;
      if (!entry.live) continue;
      entry.live = false;
      this.liveCount -= 1;
      removed.push(entry);
    }
    if (this.head > 1024 && this.head > this.entries.length / 2) this.compact();
    return removed;
  }

  /** The oldest live entry. */
  first(): PendingEntry | undefined {
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      if (entry.live) {
        this.head = i;
        return entry;
      }
    }
    this.head = this.entries.length;
    return undefined;
  }

  /**
   * Calls `visit` for live entries not before `from` (`before(entry)` says whether an entry
   * comes before it; entries ascend, so that is a prefix), ascending, until it returns
   * false. Removing entries inside `visit` is fine: a compaction makes a new array and the
   * scan goes on over the old one, whose entries are the same objects.
   */
  scan(before: (entry: PendingEntry) => boolean, visit: (entry: PendingEntry) => boolean) {
    const entries = this.entries;
    let low = this.head;
    let high = entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (before(entries[middle]!)) low = middle + 1;
      else high = middle;
    }
    for (let i = low; i < entries.length; i++) {
      const entry = entries[i]!;
      if (entry.live && !visit(entry)) return;
    }
  }

  /** Every live entry, ascending. */
  *values(): IterableIterator<PendingEntry> {
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      if (entry.live) yield entry;
    }
  }

  /** Checks order and counts (tests, INVARIANTS=1). */
  checkInvariants(): void {
    if (!invariantsEnabled) return;
    let live = 0;
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      if (entry.live) live += 1;
      if (i > this.head) assert(this.entries[i - 1]!.sequence < entry.sequence, 'PEL order');
    }
    assert(live === this.liveCount, `PEL counts ${live} live, believes ${this.liveCount}`);
  }

  private lowerBound(sequence: number): number {
    let low = this.head;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.entries[middle]!.sequence < sequence) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private compact(): void {
    const kept: PendingEntry[] = [];
    for (let i = this.head; i < this.entries.length; i++) {
      if (this.entries[i]!.live) kept.push(this.entries[i]!);
    }
    this.entries = kept;
    this.head = 0;
    assert(kept.length === this.liveCount, 'compaction keeps every live entry');
  }
}
