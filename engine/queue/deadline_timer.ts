// One clock timer for a whole store (engine model section 4): every queue reports its
// earliest deadline (a delay end or a lease end) here; a min-heap orders them and a single
// clock timer is armed for the top. When it fires, every target that is due ticks (which
// applies what fell due and reports its next deadline). Entries are never removed early: a
// target whose deadline moved later just ticks once for nothing (lazy deletion).

import { assert } from '../assert.ts';
import { MinHeap } from '../collections/min_heap.ts';
import type { Clock, Timer } from '../io/clock.ts';

/** Something with deadlines: `scheduledMs` is the earliest deadline it has reported. */
export interface DeadlineTarget {
  scheduledMs: number;
  onDeadline(): void;
}

interface Entry {
  dueMs: number;
  target: DeadlineTarget;
}

export class DeadlineTimer {
  private readonly clock: Clock;
  private readonly heap = new MinHeap<Entry>((a, b) => a.dueMs < b.dueMs);
  private timer: Timer | null = null;
  private armedMs = Infinity;
  private closed = false;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** Asks for target.onDeadline() at `dueMs`, unless an earlier call is already scheduled. */
  schedule(target: DeadlineTarget, dueMs: number): void {
    assert(Number.isFinite(dueMs), 'deadline must be finite');
    if (this.closed || dueMs >= target.scheduledMs) return;
    target.scheduledMs = dueMs;
    this.heap.push({ dueMs, target });
    if (dueMs < this.armedMs) this.arm(dueMs);
  }

  /** Entries waiting (for tests). */
  get size(): number {
    return this.heap.size;
  }

  /** Stops the timer; later schedules do nothing. */
  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = null;
    this.heap.clear();
  }

  private arm(dueMs: number): void {
    this.timer?.cancel();
    this.armedMs = dueMs;
    const delayMs = Math.max(0, dueMs - this.clock.nowMs());
    // Background: expiry alone must not keep a process alive (parked dequeues have their
    // own timers, and close() stops this one).
    this.timer = this.clock.setTimer(delayMs, () => this.fire(), { background: true });
  }

  private fire(): void {
    this.timer = null;
    this.armedMs = Infinity;
    if (this.closed) return;
    const nowMs = this.clock.nowMs();
    const due: DeadlineTarget[] = [];
    for (let top = this.heap.peek(); top !== undefined && top.dueMs <= nowMs;
      top = this.heap.peek()) {
      this.heap.pop();
      // Only the entry matching the target's schedule runs it; older ones were superseded.
      if (top.target.scheduledMs === top.dueMs) {
        top.target.scheduledMs = Infinity;
        due.push(top.target);
      }
    }
    for (const target of due) target.onDeadline();
    const next = this.heap.peek();
    if (next !== undefined && next.dueMs < this.armedMs) this.arm(next.dueMs);
  }
}
