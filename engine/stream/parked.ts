// A parked (blocking) request: resolves with a value when the event it waits for comes, or
// with its timeout value after `blockMs`, on AbortSignal abort, or when the resource goes
// away. Ids grow in park order, so competing waiters are served first parked, first served.
// A waiter is finished exactly once; the registries holding it drop finished ones lazily.

import { assert } from '../assert.ts';
import type { Clock, Timer } from '../io/clock.ts';

let nextParkedId = 1;

export class Parked<T> {
  readonly id = nextParkedId++;
  readonly promise: Promise<T>;
  done = false;
  private resolvePromise!: (value: T | Promise<T>) => void;
  private readonly timeoutValue: T;
  private timer: Timer | null = null;
  private signal: AbortSignal | undefined;
  private readonly onGone: () => void;
  private readonly abort = (): void => {
    this.finish(this.timeoutValue);
    this.onGone();
  };

  /** @param onGone called after a timeout or abort (the owner drops the waiter). */
  constructor(
    clock: Clock,
    blockMs: number,
    signal: AbortSignal | undefined,
    timeoutValue: T,
    onGone: () => void = () => undefined,
  ) {
    assert(blockMs > 0, 'only a positive block parks');
    this.timeoutValue = timeoutValue;
    this.onGone = onGone;
    this.promise = new Promise<T>((resolve) => {
      this.resolvePromise = resolve;
    });
    if (signal?.aborted === true) {
      this.finish(timeoutValue);
      return;
    }
    this.timer = clock.setTimer(blockMs, this.abort);
    this.signal = signal;
    signal?.addEventListener('abort', this.abort, { once: true });
  }

  /** Answers the waiter (once; later calls do nothing). */
  finish(value: T | Promise<T>): void {
    if (this.done) return;
    this.done = true;
    this.timer?.cancel();
    this.timer = null;
    this.signal?.removeEventListener('abort', this.abort);
    this.signal = undefined;
    this.resolvePromise(value);
  }

  /** Answers with the timeout outcome (deletion, shutdown). */
  expire(): void {
    this.finish(this.timeoutValue);
  }
}
