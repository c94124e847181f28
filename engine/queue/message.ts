// One queue message as the in-memory state holds it, and the states it moves through
// (wire spec §7.3.1): delayed → ready → leased → (removed | ready | delayed | dlq), dlq →
// (ready | removed). `epoch` changes on every state or deadline change; heap entries carry
// the epoch they were pushed with, so a stale entry (touched lease, nacked message) is
// recognized and skipped when it surfaces (lazy deletion, engine/collections/min_heap.ts).

/** Message states. The numbers are part of the snapshot format; do not change. */
export const MessageState = {
  ready: 1,
  delayed: 2,
  leased: 3,
  dlq: 4,
  removed: 5,
} as const;
export type MessageState = (typeof MessageState)[keyof typeof MessageState];

export interface Message {
  readonly seq: number;
  readonly priority: number;
  readonly enqueuedAtMs: number;
  /** From the enqueue's maxRetries + 1; 0 means the queue's setting. */
  readonly maxDeliveries: number;
  state: MessageState;
  /** Deliveries so far (reset to 0 by a DLQ requeue). */
  attempts: number;
  /** Delayed: when it becomes ready. Leased: the lease deadline. Otherwise 0. */
  dueMs: number;
  /** Length of the current (or last) lease, the default extension of a touch. */
  leaseMs: number;
  epoch: number;
  /** Journal offset of the record holding the payload (enqueue or relocate). */
  payloadOffset: number;
  payloadBytes: number;
  /** The payload when cached in memory; null means read it from the journal. */
  payload: Uint8Array | null;
}

/** A heap entry for a deadline (delay end or lease end); live while the epoch matches. */
export interface TimedEntry {
  readonly message: Message;
  readonly dueMs: number;
  readonly epoch: number;
}

/** Orders timed entries by due time, then seq (deterministic expiry order). */
export function timedEntryLess(a: TimedEntry, b: TimedEntry): boolean {
  return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.message.seq < b.message.seq);
}
