// The store's one expiry timer (engine model §4): a heap of (due time, stream, group) armed
// on a single clock timer for the earliest due time, never a scan of groups or entries. A
// group registers its earliest due entry (ack deadline or nack delay) when that moves
// earlier; when the timer fires, each due group is handed to `onDue` (promote, dead-letter,
// wake waiters) and registers its next due time. Stale items (an entry acked since, a group
// deleted) cost one pop.

import { assert } from '../assert.ts';
import { MinHeap } from '../collections/min_heap.ts';
import type { Clock, Timer } from '../io/clock.ts';
import type { ConsumerGroup } from './consumer_group.ts';
import type { StreamHandle } from './stream_handle.ts';

interface Item {
  dueMs: number;
  handle: StreamHandle;
  group: ConsumerGroup;
}

export class ExpiryTimer {
  private readonly clock: Clock;
  private readonly onDue: (handle: StreamHandle, group: ConsumerGroup) => void;
  private readonly heap = new MinHeap<Item>((a, b) => a.dueMs < b.dueMs);
  private timer: Timer | null = null;
  private timerDueMs = Infinity;
  private stopped = false;

  constructor(clock: Clock, onDue: (handle: StreamHandle, group: ConsumerGroup) => void) {
    this.clock = clock;
    this.onDue = onDue;
  }

  /** Registers the group's next due time if it is earlier than the one registered. */
  note(handle: StreamHandle, group: ConsumerGroup): void {
    if (this.stopped) return;
    const dueMs = group.nextDueMs();
    if (dueMs >= group.armedMs) return;
    assert(Number.isFinite(dueMs), 'a finite due time');
    group.armedMs = dueMs;
    this.heap.push({ dueMs, handle, group });
    this.arm();
  }

  /** Cancels the timer; later notes do nothing. */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    this.heap.clear();
  }

  private arm(): void {
    const top = this.heap.peek();
    if (top === undefined || top.dueMs >= this.timerDueMs) return;
    this.timer?.cancel();
    this.timerDueMs = top.dueMs;
    const delayMs = Math.max(0, top.dueMs - this.clock.nowMs());
    this.timer = this.clock.setTimer(delayMs, () => this.fire(), { background: true });
  }

  private fire(): void {
    this.timer = null;
    this.timerDueMs = Infinity;
    const nowMs = this.clock.nowMs();
    const due: Item[] = [];
    while (this.heap.size > 0 && this.heap.peek()!.dueMs <= nowMs) due.push(this.heap.pop()!);
    for (const item of due) {
      if (item.group.armedMs !== item.dueMs) continue; // superseded by an earlier item
      item.group.armedMs = Infinity;
      if (item.handle.closed || item.handle.journal.group(item.group.name) !== item.group) {
        continue;
      }
      this.onDue(item.handle, item.group);
      this.note(item.handle, item.group);
    }
    this.arm();
  }
}
