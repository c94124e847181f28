// The public shapes of the queue API (QueueStore), exported from engine/mod.ts: options,
// messages as delivered, statistics and pages. The server maps them onto the wire (spec
// §7.3); each field names the wire field it carries where there is one.

import type { StorageOptions } from '../log/log_options.ts';

/** Per-queue settings; every field is optional and falls back to the store's default. */
export interface QueueSettings {
  /** Lease length of a dequeue without visibilityTimeoutMs (default 30 000, max 12 h). */
  visibilityTimeoutMs?: number;
  /** Deliveries before a nack or lease expiry dead-letters a message (default 10). */
  maxDeliveries?: number;
  /** How long a dedup key keeps answering its first seq, ms (default 300 000). */
  dedupWindowMs?: number;
  /** Most ready + delayed messages; an enqueue past it throws OverloadedError (default none). */
  maxReady?: number;
  /** Most dedup keys remembered; a new dedup key past it throws OverloadedError. */
  dedupKeysMax?: number;
}

export interface QueueStoreOptions extends StorageOptions {
  /** Root directory of every queue of this store. */
  dir: string;
  /** Journal segment size (default 16 MiB). */
  segmentBytes?: number;
  /** Defaults for every queue (overridden per queue by configure()). */
  defaults?: QueueSettings;
  /** Most dequeues parked at once over the store (default 100 000). */
  parkedMax?: number;
  /** Payload bytes kept in memory over all queues; the rest is read from disk (256 MiB). */
  payloadCacheBytes?: number;
  /** Events between checkpoints at least (default 50 000; more for big queues). */
  checkpointEvents?: number;
  /** Truncate at corruption in sealed journal segments instead of refusing to open. */
  repair?: boolean;
  /**
   * Hears, synchronously at the end of each tick, what the passing of time did to a queue:
   * delays that ended and leases that expired. The queue's state is consistent then, and
   * the hook may call this store again (an owner such as engine/action acts on expiries
   * before any other call can see them). It must not throw. Also called while opening.
   */
  onDue?: (event: QueueDueEvent) => void;
}

/** What the passing of time did to one queue in one tick (QueueStoreOptions.onDue). */
export interface QueueDueEvent {
  namespace: string;
  queue: string;
  /** Delayed messages that became ready. */
  promoted: number;
  /** Leases that ended by expiry, in deadline order. */
  expired: ExpiredLease[];
}

/** A lease that ended by expiry: the message is ready again, or in the DLQ when `dead`. */
export interface ExpiredLease {
  seq: number;
  /** Deliveries so far (the expired one included). */
  deliveryCount: number;
  dead: boolean;
}

/** A candidate of QueueStore.leaseFirst: a queue and the lease length to use there. */
export interface LeaseCandidate {
  queue: string;
  /** 1 ms … 12 h. */
  leaseMs: number;
}

/** What QueueStore.leaseFirst leased: reveal it only once `durable` resolves. */
export interface LeasedMessage {
  queue: string;
  message: QueueMessage;
  deadlineMs: number;
  durable: Promise<void>;
}

/** A message as QueueStore.forEachHeld shows it, in any state. */
export interface HeldMessage extends QueueMessage {
  state: 'ready' | 'delayed' | 'leased' | 'dlq';
  /** Delayed: when it becomes ready. Leased: the lease deadline. Otherwise 0. */
  dueMs: number;
  /** Length of the current (or last) lease; 0 when never leased. */
  leaseMs: number;
}

export interface EnqueueOptions {
  /** u8; lower values are dequeued first (default 0). */
  priority?: number;
  /** Ready only after this many ms (max 30 days; default 0). */
  delayMs?: number;
  /** An enqueue with a key seen within the dedup window returns the first seq, adds nothing. */
  dedupKey?: string | Uint8Array;
  /** u8: the message is delivered at most maxRetries + 1 times (default: the queue's). */
  maxRetries?: number;
}

export interface DequeueOptions {
  /** Most messages to lease: 1 … 100; larger values are clamped to 100 (default 1). */
  count?: number;
  /** Lease length, 1 ms … 12 h (default: the queue's visibilityTimeoutMs). */
  visibilityTimeoutMs?: number;
  /** Wait up to this long (max 300 000 ms) for a message when none is ready (default 0). */
  blockMs?: number;
  /**
   * Aborting a parked dequeue resolves it with no messages; nothing is leased. Read only
   * when the dequeue is about to wait, so a getter may make it on demand (the server does:
   * an AbortController per request is not free, and most dequeues never wait).
   */
  signal?: AbortSignal;
  /**
   * Called once, synchronously, when the dequeue is about to wait (nothing ready, blockMs
   * > 0). Returning false resolves it with [] at once, leasing nothing. The server parks its
   * request here (and learns when its parked limit is reached).
   */
  onPark?: () => boolean;
  /** Bounds the size of what one dequeue leases (a reply size limit). */
  budget?: DequeueBudget;
}

/**
 * A size bound for one dequeue: messages are leased in dequeue order while the sum of
 * sizeOf(payloadBytes) stays within bytesMax. The first message is always leased.
 */
export interface DequeueBudget {
  readonly bytesMax: number;
  sizeOf(payloadBytes: number): number;
}

/**
 * Seq-list options. `strict` (default true) throws NotFoundError for a seq the operation
 * cannot act on and LeaseExpiredError for a lease that ended, before changing anything. With
 * `strict: false` (the wire's semantics) such seqs are ignored, and an ack also removes a
 * message delivered before that is ready or delayed again.
 */
export interface SeqListOptions {
  strict?: boolean;
}

export interface NackOptions extends SeqListOptions {
  /** Move to the DLQ now, whatever the delivery count. */
  toDlq?: boolean;
  /** Ready again only after this many ms (max 30 days; default 0). */
  delayMs?: number;
}

export interface TouchOptions extends SeqListOptions {
  /** New deadline = now + extendMs (1 ms … 12 h; default: the lease's own length). */
  extendMs?: number;
}

/** A message as dequeue, peek and the DLQ listing return it (wire §7.3.2). */
export interface QueueMessage {
  seq: number;
  /** A copy owned by the caller (copy_bytes.ts: a small one is a view on a shared slab). */
  payload: Uint8Array;
  enqueuedAtMs: number;
  /** Deliveries including this one (dequeue), or so far (peek, DLQ listing). */
  deliveryCount: number;
  priority: number;
}

/** Cumulative counters (wire QUEUE_STATS), kept in snapshots so they survive restarts. */
export interface QueueCounters {
  /** Messages added (dedup hits not counted). */
  enqueued: number;
  /** Deliveries made. */
  dequeued: number;
  acked: number;
  /** Messages returned by nack (to ready or to the DLQ). */
  nacked: number;
  /** Messages ever moved into the DLQ. */
  dlqTotal: number;
  leasesExpired: number;
}

/** Counters and gauges of one queue (wire QUEUE_STATS and QUEUE_DLQ_STATS). */
export interface QueueStats extends QueueCounters {
  /** Ready now (the wire's `ready` is ready + delayed). */
  ready: number;
  delayed: number;
  leased: number;
  /** In the DLQ now (the wire's dlq_current). */
  dlq: number;
  /** Age of the longest-waiting ready message (by enqueue time), ms; 0 when none. */
  oldestReadyAgeMs: number;
}

export interface DlqListOptions {
  /** 1 … 1 000; larger values are clamped (default 100). */
  limit?: number;
  /** Resume after this seq (default 0: from the start). */
  afterSeq?: number;
}

export interface DlqPage {
  /** Ascending seq; deliveryCount is the attempts when the message was dead-lettered. */
  messages: QueueMessage[];
  hasMore: boolean;
}

export interface QueueListOptions {
  /** Only names starting with this (default ''). */
  prefix?: string;
  /** 1 … 1 000; 0 or absent means 100; larger values are clamped. */
  limit?: number;
  /** The cursor of the previous page (empty or absent: the first page). */
  cursor?: Uint8Array;
}

/** One queue in a listing (wire QUEUE_LIST). */
export interface QueueListEntry {
  namespace: string;
  name: string;
  /** ready + delayed + leased. */
  pending: number;
  /** Ready only. */
  available: number;
  enqueued: number;
  dequeued: number;
  dlq: number;
}

export interface QueueListPage {
  queues: QueueListEntry[];
  hasMore: boolean;
  /** Opaque: byte 0x01 then the last name's UTF-8 (wire §8); empty when !hasMore. */
  cursor: Uint8Array;
}

/** One queue's message counts by state, as applied now (metrics gauges). */
export interface QueueDepth {
  namespace: string;
  name: string;
  ready: number;
  delayed: number;
  leased: number;
  dlq: number;
}
