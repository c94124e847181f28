// Parked dequeues of one queue, first parked first served (wire spec §3.3). A waiter is
// registered only when nothing is ready (JavaScript runs one call at a time, so check and
// register cannot be split by an enqueue), and the transition that makes a message ready
// serves waiters at once (Queue.serveWaiters). A waiter that times out, is aborted, or is
// dropped (namespace deletion, close) resolves with no messages and has taken nothing.
// A served waiter resolves with what it was handed (a promise: the lease must be durable).

import { assert } from '../assert.ts';
import { Fifo } from '../collections/fifo.ts';
import type { Clock, Timer } from '../io/clock.ts';
import type { DequeueBudget, QueueMessage } from './queue_types.ts';

/** What one dequeue asks for: up to `count` messages leased for `leaseMs`, within `budget`. */
export interface LeaseRequest {
  readonly count: number;
  readonly leaseMs: number;
  readonly budget: DequeueBudget | null;
}

/** Whether and how long a dequeue may wait when nothing is ready. */
export interface ParkRequest {
  readonly blockMs: number;
  readonly signal: AbortSignal | undefined;
  /** Asked once, just before parking: false means answer [] now (limit, or a refusal). */
  mayPark(): boolean;
}

export interface DequeueWaiter extends LeaseRequest {
  /** Hands the waiter its result (or [] for the timeout outcome). */
  finish(result: Promise<QueueMessage[]> | QueueMessage[]): void;
  readonly done: boolean;
}

/** Counts parked waiters over a whole store (the parked limit). */
export interface ParkedCounter {
  parked: number;
}

interface Entry extends DequeueWaiter {
  done: boolean;
  /** Still in `entries` (not yet handed out by next()). */
  listed: boolean;
}

export class DequeueWaiters {
  private readonly entries = new Fifo<Entry>();
  /** Entries in the list that finished without being served (timeouts, aborts). */
  private finishedListed = 0;
  private readonly clock: Clock;
  private readonly counter: ParkedCounter;

  constructor(clock: Clock, counter: ParkedCounter) {
    this.clock = clock;
    this.counter = counter;
  }

  /** Waiters still parked. */
  get size(): number {
    return this.entries.length - this.finishedListed;
  }

  /**
   * Parks a dequeue for `blockMs`. Resolves with the messages handed to it, or [] on timeout,
   * abort or drop.
   */
  park(request: LeaseRequest, blockMs: number, signal?: AbortSignal) {
    assert(blockMs > 0, 'park only with a wait');
    assert(request.count >= 1, 'a parked dequeue wants a message');
    return new Promise<QueueMessage[]>((resolve, reject) => {
      let timer: Timer | null = null;
      const onAbort = (): void => entry.finish([]);
      const entry: Entry = {
        count: request.count, leaseMs: request.leaseMs, budget: request.budget,
        done: false, listed: true,
        finish: (result) => {
          if (entry.done) return;
          entry.done = true;
          this.counter.parked -= 1;
          if (entry.listed) this.noteFinishedListed();
          timer?.cancel();
          signal?.removeEventListener('abort', onAbort);
          Promise.resolve(result).then(resolve, reject);
        },
      };
      this.entries.push(entry);
      this.counter.parked += 1;
      timer = this.clock.setTimer(blockMs, () => entry.finish([]));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The first waiter still parked (removed from the list), if any. */
  next(): DequeueWaiter | undefined {
    for (let entry = this.entries.shift(); entry !== undefined; entry = this.entries.shift()) {
      entry.listed = false;
      if (!entry.done) return entry;
      this.finishedListed -= 1;
    }
    assert(this.finishedListed === 0, 'finished entries are counted exactly');
    return undefined;
  }

  /** Resolves every parked waiter with no messages (namespace deletion, close). */
  dropAll(): void {
    const entries = this.entries.values();
    this.entries.clear();
    this.finishedListed = 0;
    for (const entry of entries) {
      entry.listed = false;
      entry.finish([]);
    }
  }

  // Timed-out waiters of an idle queue would pile up until the next message: sweep them
  // once they are most of the list.
  private noteFinishedListed(): void {
    this.finishedListed += 1;
    if (this.finishedListed >= 32 && this.finishedListed * 2 >= this.entries.length) {
      this.entries.retain((entry) => !entry.done);
      this.finishedListed = 0;
    }
  }
}
