// The reference model of the queue semantics (wire spec §7.3, the queue issue): a plain
// array of messages per queue, scanned on every call, with time given explicitly. No
// indexes, no journal, no laziness — easy to check by eye — so the model-based tests can
// compare QueueStore against it call by call. Errors are reported by class name.

import { queueDequeueCountMax } from '../limits.ts';

export type ModelState = 'ready' | 'delayed' | 'leased' | 'dlq';

export interface ModelMessage {
  seq: number;
  payload: Uint8Array;
  priority: number;
  enqueuedAtMs: number;
  maxDeliveries: number;
  state: ModelState;
  attempts: number;
  dueMs: number;
  leaseMs: number;
}

export interface ModelDelivery {
  seq: number;
  payload: Uint8Array;
  enqueuedAtMs: number;
  deliveryCount: number;
  priority: number;
}

export interface ModelSettings {
  visibilityTimeoutMs: number;
  maxDeliveries: number;
  dedupWindowMs: number;
  maxReady: number;
}

class ModelQueue {
  messages: ModelMessage[] = [];
  nextSeq = 1;
  dedup: Array<{ key: string; seq: number; firstMs: number }> = [];
  counters = { enqueued: 0, dequeued: 0, acked: 0, nacked: 0, dlqTotal: 0, leasesExpired: 0 };
}

export class QueueModel {
  nowMs: number;
  readonly settings: ModelSettings;
  private readonly queues = new Map<string, ModelQueue>();

  constructor(nowMs: number, settings: ModelSettings) {
    this.nowMs = nowMs;
    this.settings = settings;
  }

  enqueue(name: string, payloads: Uint8Array[], priority: number, delayMs: number,
    dedupKey: string | null, maxRetries: number | null): number[] | string {
    const q = this.tick(name);
    if (dedupKey !== null) {
      const hit = q.dedup.filter((entry) => entry.key === dedupKey)
        .find((entry) => this.nowMs - entry.firstMs < this.settings.dedupWindowMs);
      if (hit !== undefined) return [hit.seq];
    }
    const waiting = q.messages.filter((m) => m.state === 'ready' || m.state === 'delayed');
    if (waiting.length + payloads.length > this.settings.maxReady) return 'OverloadedError';
    const seqs: number[] = [];
    for (const payload of payloads) {
      const seq = q.nextSeq++;
      seqs.push(seq);
      q.messages.push({
        seq, payload: payload.slice(), priority, enqueuedAtMs: this.nowMs,
        maxDeliveries: maxRetries === null ? 0 : maxRetries + 1,
        state: delayMs > 0 ? 'delayed' : 'ready', attempts: 0,
        dueMs: delayMs > 0 ? this.nowMs + delayMs : 0, leaseMs: 0,
      });
      q.counters.enqueued += 1;
    }
    if (dedupKey !== null) q.dedup.push({ key: dedupKey, seq: seqs[0]!, firstMs: this.nowMs });
    return seqs;
  }

  dequeue(name: string, count: number, leaseMs: number | null): ModelDelivery[] {
    const q = this.tick(name);
    const taken = this.readyInOrder(q).slice(0, Math.min(count, queueDequeueCountMax));
    const lease = leaseMs ?? this.settings.visibilityTimeoutMs;
    for (const m of taken) {
      m.state = 'leased';
      m.attempts += 1;
      m.dueMs = this.nowMs + lease;
      m.leaseMs = lease;
      q.counters.dequeued += 1;
    }
    return taken.map(delivery);
  }

  peek(name: string, count: number): ModelDelivery[] {
    return this.readyInOrder(this.tick(name)).slice(0, count).map(delivery);
  }

  ack(name: string, seqs: number[], strict: boolean): number | string {
    const q = this.tick(name);
    const targets = this.select(q, seqs, strict, 'lease', (m) => m.state === 'leased' ||
      (!strict && m.attempts > 0 && (m.state === 'ready' || m.state === 'delayed')));
    if (typeof targets === 'string') return targets;
    q.messages = q.messages.filter((m) => !targets.includes(m));
    q.counters.acked += targets.length;
    return targets.length;
  }

  nack(name: string, seqs: number[], toDlq: boolean, delayMs: number, strict: boolean) {
    const q = this.tick(name);
    const targets = this.select(q, seqs, strict, 'lease', (m) => m.state === 'leased');
    if (typeof targets === 'string') return targets;
    for (const m of targets) this.endLease(q, m, toDlq, delayMs);
    q.counters.nacked += targets.length;
    return targets.length;
  }

  touch(name: string, seqs: number[], extendMs: number | null, strict: boolean) {
    const q = this.tick(name);
    const targets = this.select(q, seqs, strict, 'lease', (m) => m.state === 'leased');
    if (typeof targets === 'string') return targets;
    for (const m of targets) m.dueMs = this.nowMs + (extendMs ?? m.leaseMs);
    return targets.length;
  }

  requeue(name: string, seqs: number[], strict: boolean): number | string {
    const q = this.tick(name);
    const targets = this.select(q, seqs, strict, 'dlq', (m) => m.state === 'dlq');
    if (typeof targets === 'string') return targets;
    for (const m of targets) {
      m.state = 'ready';
      m.attempts = 0;
    }
    return targets.length;
  }

  deleteDead(name: string, seqs: number[], strict: boolean): number | string {
    const q = this.tick(name);
    const targets = this.select(q, seqs, strict, 'dlq', (m) => m.state === 'dlq');
    if (typeof targets === 'string') return targets;
    q.messages = q.messages.filter((m) => !targets.includes(m));
    return targets.length;
  }

  purge(name: string): number {
    const q = this.tick(name);
    const before = q.messages.length;
    q.messages = q.messages.filter((m) => m.state === 'dlq');
    return before - q.messages.length;
  }

  dlqList(name: string, afterSeq: number, limit: number) {
    const dead = this.tick(name).messages.filter((m) => m.state === 'dlq' && m.seq > afterSeq)
      .sort((a, b) => a.seq - b.seq);
    return { messages: dead.slice(0, limit).map(delivery), hasMore: dead.length > limit };
  }

  stats(name: string) {
    const q = this.tick(name);
    const count = (state: ModelState): number =>
      q.messages.filter((m) => m.state === state).length;
    const ready = q.messages.filter((m) => m.state === 'ready');
    const oldest = Math.min(...ready.map((m) => m.enqueuedAtMs));
    return {
      ...q.counters, ready: count('ready'), delayed: count('delayed'), leased: count('leased'),
      dlq: count('dlq'), oldestReadyAgeMs: ready.length === 0 ? 0 : this.nowMs - oldest,
    };
  }

  /** Seqs the model ever handed out for `name` (for choosing command arguments). */
  nextSeq(name: string): number {
    return this.queues.get(name)?.nextSeq ?? 1;
  }

  // Applies time: delays that ended become ready, expired leases end (deadline order).
  private tick(name: string): ModelQueue {
    let q = this.queues.get(name);
    if (q === undefined) {
      q = new ModelQueue();
      this.queues.set(name, q);
    }
    for (const m of q.messages) {
      if (m.state === 'delayed' && m.dueMs <= this.nowMs) {
        m.state = 'ready';
        m.dueMs = 0;
      }
    }
    const expired = q.messages.filter((m) => m.state === 'leased' && m.dueMs <= this.nowMs)
      .sort((a, b) => a.dueMs - b.dueMs || a.seq - b.seq);
    for (const m of expired) {
      this.endLease(q, m, false, 0);
      q.counters.leasesExpired += 1;
    }
    return q;
  }

  private endLease(q: ModelQueue, m: ModelMessage, toDlq: boolean, delayMs: number): void {
    const limit = m.maxDeliveries || this.settings.maxDeliveries;
    if (toDlq || m.attempts >= limit) {
      m.state = 'dlq';
      m.dueMs = 0;
      q.counters.dlqTotal += 1;
    } else if (delayMs > 0) {
      m.state = 'delayed';
      m.dueMs = this.nowMs + delayMs;
    } else {
      m.state = 'ready';
      m.dueMs = 0;
    }
  }

  private readyInOrder(q: ModelQueue): ModelMessage[] {
    return q.messages.filter((m) => m.state === 'ready')
      .sort((a, b) => a.priority - b.priority || a.seq - b.seq);
  }

  // The messages of `seqs` (distinct) that `applies` accepts, or the strict error's name.
  private select(q: ModelQueue, seqs: number[], strict: boolean, kind: 'lease' | 'dlq',
    applies: (m: ModelMessage) => boolean): ModelMessage[] | string {
    const targets: ModelMessage[] = [];
    for (const seq of new Set(seqs)) {
      const m = q.messages.find((candidate) => candidate.seq === seq);
      if (m !== undefined && applies(m)) {
        targets.push(m);
      } else if (strict) {
        const expired = kind === 'lease' && m !== undefined && m.attempts > 0;
        return expired ? 'LeaseExpiredError' : 'NotFoundError';
      }
    }
    return targets;
  }
}

function delivery(m: ModelMessage): ModelDelivery {
  return {
    seq: m.seq, payload: m.payload.slice(), enqueuedAtMs: m.enqueuedAtMs,
    deliveryCount: m.attempts, priority: m.priority,
  };
}
