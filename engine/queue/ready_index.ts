// The ready messages of one queue in dequeue order: priority value ascending, then seq
// (wire spec §7.3.1). One lane per priority in use; each lane has a `fresh` FIFO for
// messages enqueued ready (their seqs only grow, so appending keeps it sorted: O(1) in the
// common produce/consume path) and a `back` min-heap by seq for messages that return
// (nack, lease expiry, delay end, DLQ requeue), whose seqs are older. take() merges the two.
//
// Entries leave only by take(); a ready message that is removed otherwise (an ack of a
// ready message, wire semantics) stays as a dead entry, skipped when it surfaces and counted
// in `deadEntries` so the owner can rebuild once they pile up. REQUIRES: a message is in the
// index at most once (the owner inserts only on a transition into ready).

import { assert } from '../assert.ts';
import { Fifo } from '../collections/fifo.ts';
import { MinHeap } from '../collections/min_heap.ts';
import { MessageState, type Message } from './message.ts';

interface Lane {
  fresh: Fifo<Message>;
  back: MinHeap<Message>;
}

const bySeq = (a: Message, b: Message): boolean => a.seq < b.seq;
const PRIORITY_COUNT = 256;

export class ReadyIndex {
  private readonly lanes: Array<Lane | undefined> = new Array(PRIORITY_COUNT);
  /** Priorities whose lane may hold entries, ascending. */
  private priorities: number[] = [];
  /** Entries of messages that left ready without take(). */
  deadEntries = 0;

  /** Adds a message enqueued just now (its seq is above every fresh entry of its lane). */
  insertFresh(message: Message): void {
    assert(message.state === MessageState.ready, 'only ready messages are indexed');
    const lane = this.lane(message.priority);
    const last = lane.fresh.last();
    assert(last === undefined || last.seq < message.seq, 'fresh entries are in seq order');
    lane.fresh.push(message);
  }

  /** Adds a message that became ready again (any seq). */
  insert(message: Message): void {
    assert(message.state === MessageState.ready, 'only ready messages are indexed');
    this.lane(message.priority).back.push(message);
  }

  /** Removes and returns the first ready message in dequeue order, if any. */
  take(): Message | undefined {
    while (this.priorities.length > 0) {
      const priority = this.priorities[0]!;
      const lane = this.lanes[priority]!;
      const fresh = this.freshHead(lane);
      const back = this.backHead(lane);
      if (fresh === undefined && back === undefined) {
        this.lanes[priority] = undefined;
        this.priorities.shift();
        continue;
      }
      if (back === undefined || (fresh !== undefined && fresh.seq < back.seq)) {
        return lane.fresh.shift();
      }
      return lane.back.pop();
    }
    return undefined;
  }

  /** The first `count` ready messages in dequeue order, without removing them. */
  peek(count: number): Message[] {
    assert(count >= 0, 'peek count');
    const out: Message[] = [];
    for (const priority of this.priorities) {
      if (out.length >= count) break;
      const lane = this.lanes[priority]!;
      const backSorted: Message[] = [];
      while (backSorted.length < count - out.length) {
        if (this.backHead(lane) === undefined) break;
        backSorted.push(lane.back.pop()!);
      }
      let f = 0;
      let b = 0;
      while (out.length < count) {
        while (f < lane.fresh.length && !isReady(lane.fresh.at(f)!)) f += 1;
        const fresh = lane.fresh.at(f);
        const back = backSorted[b];
        if (fresh === undefined && back === undefined) break;
        if (back === undefined || (fresh !== undefined && fresh.seq < back.seq)) {
          out.push(fresh!);
          f += 1;
        } else {
          out.push(back);
          b += 1;
        }
      }
      for (const message of backSorted) lane.back.push(message);
    }
    return out;
  }

  /** The ready message with the lowest seq (the longest waiting), if any. */
  oldest(): Message | undefined {
    let oldest: Message | undefined;
    for (const priority of this.priorities) {
      const lane = this.lanes[priority]!;
      for (const candidate of [this.freshHead(lane), this.backHead(lane)]) {
        if (candidate !== undefined && (oldest === undefined || candidate.seq < oldest.seq)) {
          oldest = candidate;
        }
      }
    }
    return oldest;
  }

  /** Drops every entry. */
  clear(): void {
    for (const priority of this.priorities) this.lanes[priority] = undefined;
    this.priorities = [];
    this.deadEntries = 0;
  }

  /** Every live entry, in no particular order (for checks). */
  *live(): Generator<Message> {
    for (const priority of this.priorities) {
      const lane = this.lanes[priority]!;
      for (const message of lane.fresh.values()) if (isReady(message)) yield message;
      for (const message of lane.back.values()) if (isReady(message)) yield message;
    }
  }

  private lane(priority: number): Lane {
    assert(Number.isInteger(priority) && priority >= 0 && priority < PRIORITY_COUNT,
      `priority ${priority} is not a u8`);
    let lane = this.lanes[priority];
    if (lane === undefined) {
      lane = { fresh: new Fifo(), back: new MinHeap(bySeq) };
      this.lanes[priority] = lane;
      let at = this.priorities.length;
      while (at > 0 && this.priorities[at - 1]! > priority) at -= 1;
      this.priorities.splice(at, 0, priority);
    }
    return lane;
  }

  private freshHead(lane: Lane): Message | undefined {
    for (let head = lane.fresh.peek(); head !== undefined; head = lane.fresh.peek()) {
      if (isReady(head)) return head;
      lane.fresh.shift();
      this.deadEntries -= 1;
    }
    return undefined;
  }

  private backHead(lane: Lane): Message | undefined {
    return lane.back.peekLive((message) => {
      if (isReady(message)) return true;
      this.deadEntries -= 1;
      return false;
    });
  }
}

function isReady(message: Message): boolean {
  return message.state === MessageState.ready;
}
