// Who is waiting for a log to reach an offset. Two kinds, both woken by reach(offset), never
// by polling:
// - whenReached(end): an appender waiting for its batch (offsets below `end`) to be durable
//   and readable. Appends are queued in offset order, so these form a FIFO.
// - waitPast(offset): a reader long-polling for a record at `offset` (a min-heap by offset),
//   with a timeout and an AbortSignal; a timed-out or aborted wait resolves false.
// A failed log rejects appenders with its error; failed or closed, readers resolve false.

import { assert } from '../assert.ts';
import { MinHeap } from '../collections/min_heap.ts';
import type { Clock, Timer } from '../io/clock.ts';

interface Appender {
  end: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

interface Reader {
  offset: number;
  done: boolean;
  finish: (result: boolean) => void;
}

export class OffsetWaiters {
  private readonly clock: Clock;
  private appenders: Appender[] = [];
  private appenderHead = 0;
  private readonly readers = new MinHeap<Reader>((a, b) => a.offset < b.offset);
  private reached: number;
  private failure: Error | null = null;
  private closedError: Error | null = null;

  /** @param reached the log's readable offset at open. */
  constructor(clock: Clock, reached: number) {
    this.clock = clock;
    this.reached = reached;
  }

  /** Resolves once reach(x) was called with x >= end; rejects if the log fails first. */
  whenReached(end: number): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.closedError !== null) return Promise.reject(this.closedError);
    if (end <= this.reached) return Promise.resolve();
    const last = this.appenders.at(-1);
    assert(last === undefined || last.end <= end || this.appenderHead === this.appenders.length,
      'appenders wait in offset order');
    return new Promise<void>((resolve, reject) => {
      this.appenders.push({ end, resolve, reject });
    });
  }

  /**
   * Resolves true once reach(x) was called with x > offset (`current` is the log's readable
   * offset now), or false after `timeoutMs`, on abort, or on close.
   */
  waitPast(offset: number, current: number, timeoutMs: number, signal?: AbortSignal) {
    return new Promise<boolean>((resolve, reject) => {
      if (this.failure !== null) return reject(this.failure);
      if (current > offset) return resolve(true);
      if (timeoutMs === 0 || signal?.aborted || this.closedError !== null) return resolve(false);
      let timer: Timer | null = null;
      const onAbort = (): void => reader.finish(false);
      const reader: Reader = {
        offset,
        done: false,
        finish: (result) => {
          if (reader.done) return;
          reader.done = true;
          timer?.cancel();
          signal?.removeEventListener('abort', onAbort);
          resolve(result);
        },
      };
      this.readers.push(reader);
      timer = this.clock.setTimer(timeoutMs, () => reader.finish(false));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The log's readable offset is now `offset`: wake whoever that satisfies. */
  reach(offset: number): void {
    assert(offset >= this.reached, 'reached offsets only grow');
    this.reached = offset;
    while (this.appenderHead < this.appenders.length) {
      const appender = this.appenders[this.appenderHead]!;
      if (appender.end > offset) break;
      this.appenderHead += 1;
      appender.resolve();
    }
    if (this.appenderHead > 1024 && this.appenderHead * 2 > this.appenders.length) {
      this.appenders = this.appenders.slice(this.appenderHead);
      this.appenderHead = 0;
    }
    for (;;) {
      const reader = this.readers.peekLive((candidate) => !candidate.done);
      if (reader === undefined || reader.offset >= offset) break;
      this.readers.pop();
      reader.finish(true);
    }
  }

  /** The log was truncated back to `offset`. REQUIRES: no appender is waiting. */
  rewind(offset: number): void {
    assert(this.appenderHead === this.appenders.length, 'rewind with appenders waiting');
    assert(offset <= this.reached, 'rewind only goes back');
    this.reached = offset;
  }

  /** The log failed: reject every appender now and later; readers resolve false. */
  fail(error: Error): void {
    this.failure = error;
    this.drainAppenders(error);
    for (const reader of this.readers.values()) reader.finish(false);
    this.readers.clear();
  }

  /** The log closed: reject pending appenders, resolve readers with false. */
  close(error: Error): void {
    this.closedError = error;
    this.drainAppenders(error);
    for (const reader of this.readers.values()) reader.finish(false);
    this.readers.clear();
  }

  /** Readers still parked (for tests and metrics). */
  get parkedReaders(): number {
    return this.readers.values().filter((reader) => !reader.done).length;
  }

  private drainAppenders(error: Error): void {
    for (let i = this.appenderHead; i < this.appenders.length; i++) {
      this.appenders[i]!.reject(error);
    }
    this.appenders = [];
    this.appenderHead = 0;
  }
}
