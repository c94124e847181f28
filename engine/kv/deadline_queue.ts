// Deadlines on the store's clock with one armed timer (engine model §4): a min-heap of
// (due time, callback) and a single clock timer for the earliest, re-armed as deadlines come
// and go. Cancelling is lazy (the entry is skipped when it surfaces). The KV store uses it
// for blocking gets (timeouts, key expiry) and idle transactions.

import { assert } from '../assert.ts';
import type { Clock, Timer } from '../io/clock.ts';
import { MinHeap } from '../collections/min_heap.ts';

interface Deadline {
  dueMs: number;
  order: number;
  callback: (() => void) | null;
}

/** A scheduled deadline; cancel() is safe after it ran and more than once. */
export interface DeadlineHandle {
  cancel(): void;
}

export class DeadlineQueue {
  private readonly clock: Clock;
  private readonly heap = new MinHeap<Deadline>((a, b) =>
    a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.order < b.order));
  private armed: { dueMs: number; timer: Timer } | null = null;
  private created = 0;
  private closed = false;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** Runs `callback` once the clock reaches `dueMs` (at once when it already has, later). */
  schedule(dueMs: number, callback: () => void): DeadlineHandle {
    assert(!this.closed, 'schedule() on a closed deadline queue');
    assert(Number.isFinite(dueMs), `bad deadline ${dueMs}`);
    const deadline: Deadline = { dueMs, order: this.created++, callback };
    this.heap.push(deadline);
    if (this.armed === null || dueMs < this.armed.dueMs) this.arm();
    return { cancel: () => { deadline.callback = null; } };
  }

  /** Live deadlines (for tests and stats). */
  get size(): number {
    return this.heap.values().filter((deadline) => deadline.callback !== null).length;
  }

  /** Drops every deadline without running it. */
  close(): void {
    this.closed = true;
    this.armed?.timer.cancel();
    this.armed = null;
    this.heap.clear();
  }

  private arm(): void {
    this.armed?.timer.cancel();
    this.armed = null;
    const next = this.heap.peekLive((deadline) => deadline.callback !== null);
    if (next === undefined || this.closed) return;
    const delayMs = Math.max(0, next.dueMs - this.clock.nowMs());
    const timer = this.clock.setTimer(delayMs, () => this.fire());
    this.armed = { dueMs: next.dueMs, timer };
  }

  private fire(): void {
    this.armed = null;
    const nowMs = this.clock.nowMs();
    for (;;) {
      const next = this.heap.peekLive((deadline) => deadline.callback !== null);
      if (next === undefined || next.dueMs > nowMs || this.closed) break;
      this.heap.pop();
      const callback = next.callback!;
      next.callback = null;
      callback();
    }
    if (!this.closed) this.arm();
  }
}
