// The Clock seam: wall time, monotonic time and timers. Only engine/io reads real time;
// everything else takes a Clock, so leases, delays, TTLs and long polls can run on a
// ManualClock in tests and in the simulator, where time moves only when the test says so.

import { assert } from '../assert.ts';

/** A scheduled callback. */
export interface Timer {
  /** Stops the callback from running. Safe to call more than once, or after it ran. */
  cancel(): void;
}

export interface TimerOptions {
  /** Do not keep the process alive for this timer (housekeeping such as periodic fsync). */
  background?: boolean;
}

export interface Clock {
  /** Wall-clock time, milliseconds since the Unix epoch (integer). */
  nowMs(): number;
  /** Monotonic milliseconds for measuring durations (not related to the epoch). */
  monotonicMs(): number;
  /** Runs `callback` once, after `delayMs` milliseconds. */
  setTimer(delayMs: number, callback: () => void, options?: TimerOptions): Timer;
}

/** The machine's clock. */
export class RealClock implements Clock {
  nowMs(): number {
    return Date.now();
  }

  monotonicMs(): number {
    return performance.now();
  }

  setTimer(delayMs: number, callback: () => void, options: TimerOptions = {}): Timer {
    assert(delayMs >= 0, 'negative timer delay');
    // setTimeout caps delays at 2^31-1 ms; longer timers re-arm in steps.
    const stepMs = Math.min(delayMs, 2 ** 31 - 1);
    const dueMs = performance.now() + delayMs;
    let cancelled = false;
    let handle: ReturnType<typeof setTimeout>;
    const arm = (ms: number): void => {
      handle = setTimeout(() => {
        const leftMs = dueMs - performance.now();
        if (leftMs > 1) arm(Math.min(leftMs, 2 ** 31 - 1));
        else if (!cancelled) callback();
      }, ms);
      if (options.background) handle.unref();
    };
    arm(stepMs);
    return {
      cancel(): void {
        cancelled = true;
        clearTimeout(handle);
      },
    };
  }
}

interface ManualTimer {
  dueMs: number;
  order: number;
  callback: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only when told to. `advance(ms)` runs every timer that falls due, in
 * due order (ties in creation order), with `nowMs()` set to each timer's due time.
 */
export class ManualClock implements Clock {
  private currentMs: number;
  private readonly startMs: number;
  private timers: ManualTimer[] = [];
  private created = 0;

  constructor(startMs = 1_700_000_000_000) {
    assert(Number.isSafeInteger(startMs), 'start time must be an integer');
    this.currentMs = startMs;
    this.startMs = startMs;
  }

  nowMs(): number {
    return this.currentMs;
  }

  monotonicMs(): number {
    return this.currentMs - this.startMs;
  }

  setTimer(delayMs: number, callback: () => void): Timer {
    assert(delayMs >= 0, 'negative timer delay');
    const timer: ManualTimer = {
      dueMs: this.currentMs + Math.ceil(delayMs),
      order: this.created++,
      callback,
      cancelled: false,
    };
    this.timers.push(timer);
    return {
      cancel(): void {
        timer.cancelled = true;
      },
    };
  }

  /** Moves time forward by `ms`, running due timers in order. */
  advance(ms: number): void {
    assert(ms >= 0, 'time only moves forward');
    const targetMs = this.currentMs + ms;
    for (;;) {
      this.timers = this.timers.filter((timer) => !timer.cancelled);
      let next: ManualTimer | undefined;
      for (const timer of this.timers) {
        if (timer.dueMs > targetMs) continue;
        if (next === undefined || timer.dueMs < next.dueMs ||
          (timer.dueMs === next.dueMs && timer.order < next.order)) next = timer;
      }
      if (next === undefined) break;
      next.cancelled = true;
      this.currentMs = Math.max(this.currentMs, next.dueMs);
      next.callback();
    }
    this.currentMs = targetMs;
  }

  /** Number of timers still armed. */
  pendingTimers(): number {
    return this.timers.filter((timer) => !timer.cancelled).length;
  }
}
