// Parked awaits (ACTION_AWAIT with block_ms; wire §3.3): a worker's await that found no task
// waits here, listed under every action name it awaits, first parked first served. An
// await parks only when none of its candidate queues has a ready run (JavaScript runs one
// call at a time, so the check and the parking cannot be split), and every change that makes
// a run ready serves the waiters of that run's action at once (serve()); hence, while a
// waiter is parked, none of its queues has a ready run, and the queue that just received
// one is the best it can get. A waiter whose labels the run's queue does not match is
// skipped and keeps its place.
//
// A waiter that times out, is aborted, or is dropped (its worker drains, its namespace is
// deleted, the store closes) resolves with null having taken nothing. A served waiter
// resolves once its task is durable; if its caller is gone by then, the lease expires.

import { assert } from '../assert.ts';
import { Fifo } from '../collections/fifo.ts';
import { NameMap } from '../collections/name_map.ts';
import type { Clock, Timer } from '../io/clock.ts';
import type { Task } from './action_types.ts';
import type { WorkerLabels } from './labels.ts';
import type { RunQueue } from './run_state.ts';

/** A task handed out: revealed once `durable` resolves. */
export interface Assignment {
  task: Task;
  durable: Promise<void>;
}

export interface AwaitWaiter {
  readonly namespace: string;
  readonly workerId: string;
  readonly labels: WorkerLabels;
  done: boolean;
  finish(result: Assignment | null): void;
}

interface WaiterList {
  readonly namespace: string;
  readonly action: string;
  readonly entries: Fifo<AwaitWaiter>;
  /** Entries that are done but still listed. */
  done: number;
}

/** Parked waits over a whole store, against the parked limit. */
export interface ParkedCount {
  parked: number;
}

const SWEEP_MIN = 32;

export class TaskWaiters {
  private readonly lists = new NameMap<WaiterList>();
  private readonly byWorker = new NameMap<Set<AwaitWaiter>>();
  private readonly clock: Clock;
  private readonly count: ParkedCount;
  /** Set while serve() walks a list: its entries must not move until it is done. */
  private serving: WaiterList | null = null;

  constructor(clock: Clock, count: ParkedCount) {
    this.clock = clock;
    this.count = count;
  }

  /**
   * Parks an await of `actions` by `workerId` for `blockMs`. Resolves with the task it is
   * handed (once durable) or null on timeout, abort or drop.
   */
  park(namespace: string, workerId: string, actions: readonly string[], labels: WorkerLabels,
    blockMs: number, signal?: AbortSignal): Promise<Task | null> {
    assert(blockMs > 0 && actions.length > 0, 'a parked await waits for some action');
    return new Promise<Task | null>((resolve, reject) => {
      let timer: Timer | null = null;
      const lists = [...new Set(actions)].map((action) => this.list(namespace, action, true)!);
      const onAbort = (): void => waiter.finish(null);
      const waiter: AwaitWaiter = {
        namespace, workerId, labels, done: false,
        finish: (result) => {
          if (waiter.done) return;
          waiter.done = true;
          this.count.parked -= 1;
          timer?.cancel();
          signal?.removeEventListener('abort', onAbort);
          const mine = this.byWorker.get(namespace, workerId);
          mine?.delete(waiter);
          if (mine?.size === 0) this.byWorker.delete(namespace, workerId);
          for (const list of lists) this.noteDone(list);
          if (result === null) resolve(null);
          else result.durable.then(() => resolve(result.task), reject);
        },
      };
      for (const list of lists) list.entries.push(waiter);
      let mine = this.byWorker.get(namespace, workerId);
      if (mine === undefined) this.byWorker.set(namespace, workerId, mine = new Set());
      mine.add(waiter);
      this.count.parked += 1;
      timer = this.clock.setTimer(blockMs, () => waiter.finish(null));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Serves the waiters of `queue`'s action, first parked first, while `take` hands out
   * tasks from the queue (null: nothing left). Waiters the queue's labels do not match keep
   * their place.
   */
  serve(queue: RunQueue, take: (waiter: AwaitWaiter) => Assignment | null): void {
    const list = this.list(queue.namespace, queue.def.name, false);
    if (list === undefined) return;
    assert(this.serving === null, 'serve() is not reentered');
    this.serving = list;
    try {
      for (let index = 0; index < list.entries.length; index++) {
        const waiter = list.entries.at(index)!;
        if (waiter.done || !queue.labels.matches(waiter.labels)) continue;
        const assignment = take(waiter);
        if (assignment === null) break;
        assert(!waiter.done, 'a waiter is served once');
        waiter.finish(assignment);
      }
    } finally {
      this.serving = null;
      this.tidy(list);
    }
  }

  /** True when some await of `action` is parked (a cheap check before serving). */
  has(namespace: string, action: string): boolean {
    return this.lists.has(namespace, action);
  }

  /** Answers every parked await of a worker with null (it drains). */
  dropWorker(namespace: string, workerId: string): void {
    for (const waiter of [...this.byWorker.get(namespace, workerId) ?? []]) {
      waiter.finish(null);
    }
  }

  /** Answers every parked await of `namespace` (null when undefined: all) with null. */
  dropAll(namespace?: string): void {
    for (const waiters of [...this.byWorker.values()]) {
      for (const waiter of [...waiters]) {
        if (namespace === undefined || waiter.namespace === namespace) waiter.finish(null);
      }
    }
  }

  private list(namespace: string, action: string, create: boolean): WaiterList | undefined {
    let list = this.lists.get(namespace, action);
    if (list === undefined && create) {
      list = { namespace, action, entries: new Fifo(), done: 0 };
      this.lists.set(namespace, action, list);
    }
    return list;
  }

  // One more listed entry is done.
  private noteDone(list: WaiterList): void {
    list.done += 1;
    assert(list.done <= list.entries.length, 'done entries are counted');
    if (this.serving !== list) this.tidy(list);
  }

  // Drops done entries from the head, and sweeps the list once most of it is done (awaits
  // that time out on an idle action would pile up); forgets an empty list.
  private tidy(list: WaiterList): void {
    while (list.entries.peek()?.done === true) {
      list.entries.shift();
      list.done -= 1;
    }
    if (list.done >= SWEEP_MIN && list.done * 2 >= list.entries.length) {
      list.entries.retain((waiter) => !waiter.done);
      list.done = 0;
    }
    if (list.entries.length === 0 && this.lists.get(list.namespace, list.action) === list) {
      this.lists.delete(list.namespace, list.action);
    }
    assert(list.done >= 0, 'done entries are counted');
  }
}
