// The queue's crash simulator (after log_sim.ts): a seeded produce/consume workload —
// concurrent enqueues and batches, dequeues with short leases, acks, nacks, clock advances,
// small journal segments and frequent checkpoints — with crashes taken at random moments as
// MemFs crash clones. After each crash the clone is reopened and, once every lease has run
// out, drained; then:
// - sync mode: every enqueue acknowledged to its producer is there unless an ack for it was
//   sent; no message whose ack was acknowledged is there (or is ever delivered again);
// - every message recovered carries the payload its producer sent (payload = f(id));
// - every recovered message is delivered again after its lease (the drain sees it);
// - both modes: a new enqueue gets a seq above every seq revealed before the crash.
// The workload then continues on the recovered store. Used by queue_crash.test.ts and
// `npm run sim`.

import { MemFs } from '../io/mem_fs.ts';
import { ManualClock } from '../io/clock.ts';
import { Prng } from '../io/prng.ts';
import type { Durability } from '../log/segmented_log.ts';
import { QueueStore } from '../queue/queue_store.ts';
import type { QueueMessage } from '../queue/queue_types.ts';

export interface QueueSimResult {
  seed: number;
  durability: Durability;
  enqueues: number;
  crashes: number;
  messagesChecked: number;
}

const LEASE_MS = 400;
const QUEUE = 'jobs';
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The payload of message `id`: its id, then a length and bytes derived from it. */
export function simPayload(id: number): Uint8Array {
  const length = 4 + ((id * 7919) % 5 === 0 ? 700 : (id * 31) % 90);
  const payload = new Uint8Array(length);
  new DataView(payload.buffer).setUint32(0, id, true);
  for (let i = 4; i < length; i++) payload[i] = (id + i * 13) & 0xff;
  return payload;
}

/** The id a payload was made from, or -1 when it is not a simPayload. */
export function simPayloadId(payload: Uint8Array): number {
  if (payload.length < 4) return -1;
  const id = new DataView(payload.buffer, payload.byteOffset).getUint32(0, true);
  const expected = simPayload(id);
  if (expected.length !== payload.length) return -1;
  for (let i = 0; i < payload.length; i++) if (expected[i] !== payload[i]) return -1;
  return id;
}

class Tracking {
  /** seq → id, for enqueues acknowledged to the producer (or recovered). */
  confirmed = new Map<number, number>();
  ackSent = new Set<number>();
  /** Acks acknowledged (sync mode: those messages must never come back). */
  acked = new Set<number>();
  held = new Set<number>();
  issuedIds = new Set<number>();
  maxRevealedSeq = 0;
}

/** Runs one seeded simulation; throws an Error naming the seed when an invariant breaks. */
export async function runQueueSim(seed: number, steps = 150): Promise<QueueSimResult> {
  try {
    return await simulate(seed, steps);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('queue sim seed')) throw error;
    throw new Error(`queue sim seed ${seed}: ${String(error)}`, { cause: error });
  }
}

async function simulate(seed: number, steps: number): Promise<QueueSimResult> {
  const prng = new Prng(seed);
  const durability: Durability = prng.chance(0.8) ? 'sync' : 'async';
  const clock = new ManualClock(1_700_000_000_000);
  let fs = new MemFs();
  const open = (files: MemFs): Promise<QueueStore> => QueueStore.open({
    fs: files, clock, dir: '/sim/queues', durability, segmentBytes: 4096, syncIntervalMs: 50,
    checkpointEvents: prng.pick([5, 20, 100]), payloadCacheBytes: prng.pick([0, 2000, 1 << 20]),
    defaults: { visibilityTimeoutMs: LEASE_MS, maxDeliveries: 1_000_000 },
  });
  let store = await open(fs);
  let epoch = 0;
  let nextId = 1;
  let track = new Tracking();
  const result: QueueSimResult = { seed, durability, enqueues: 0, crashes: 0, messagesChecked: 0 };
  const fail = (message: string): never => {
    throw new Error(`queue sim seed ${seed} (${durability}): ${message}`);
  };
  const current = (at: number) => at === epoch;
  const onDelivered = (messages: QueueMessage[], at: number): void => {
    if (!current(at)) return;
    for (const message of messages) {
      const id = simPayloadId(message.payload);
      if (id < 0 || !track.issuedIds.has(id)) fail(`seq ${message.seq} has a foreign payload`);
      const known = track.confirmed.get(message.seq);
      if (known !== undefined && known !== id) fail(`seq ${message.seq} carries id ${id}`);
      if (durability === 'sync' && track.acked.has(message.seq)) {
        fail(`seq ${message.seq} was acked and is delivered again`);
      }
      track.held.add(message.seq);
    }
  };
  for (let step = 0; step < steps; step++) {
    const action = prng.int(0, 100);
    const at = epoch;
    if (action < 30) {
      const count = prng.chance(0.7) ? 1 : prng.int(2, 8);
      const ids = Array.from({ length: count }, () => nextId++);
      for (const id of ids) track.issuedIds.add(id);
      result.enqueues += count;
      store.enqueueBatch('', QUEUE, ids.map(simPayload),
        { priority: prng.int(0, 3) }).then((seqs) => {
        if (!current(at)) return;
        seqs.forEach((seq, i) => track.confirmed.set(seq, ids[i]!));
        track.maxRevealedSeq = Math.max(track.maxRevealedSeq, ...seqs);
      }, () => undefined);
    } else if (action < 50) {
      store.dequeue('', QUEUE, { count: prng.int(1, 6) })
        .then((messages) => onDelivered(messages, at), () => undefined);
    } else if (action < 68) {
      const seqs = [...track.held].filter(() => prng.chance(0.6));
      for (const seq of seqs) {
        track.ackSent.add(seq);
        track.held.delete(seq);
      }
      store.ack('', QUEUE, seqs, { strict: false }).then(() => {
        if (current(at)) for (const seq of seqs) track.acked.add(seq);
      }, () => undefined);
    } else if (action < 73) {
      const seqs = [...track.held].filter(() => prng.chance(0.3));
      for (const seq of seqs) track.held.delete(seq);
      store.nack('', QUEUE, seqs, { strict: false }).catch(() => undefined);
    } else if (action < 93) {
      for (let i = prng.int(0, 4); i > 0; i--) await turn();
      clock.advance(prng.int(0, 120));
    } else {
      const crashed = fs.crashClone(prng, { zeroFill: prng.chance(0.3) });
      epoch += 1;
      result.crashes += 1;
      const old = store;
      store = await open(crashed).catch((error: unknown) => fail(`reopen: ${String(error)}`));
      await old.close().catch(() => undefined);
      fs = crashed;
      const recovered = await checkRecovered(store, clock, track, durability, fail);
      result.messagesChecked += recovered.confirmed.size;
      track = recovered;
    }
  }
  await store.close();
  return result;
}

// Drains the reopened store (after every lease ran out) and checks it against what the
// clients were told before the crash; returns the tracking to continue with.
async function checkRecovered(store: QueueStore, clock: ManualClock, before: Tracking,
  durability: Durability, fail: (message: string) => never): Promise<Tracking> {
  clock.advance(LEASE_MS + 1);
  const seen = new Map<number, number>();
  for (;;) {
    const messages = await store.dequeue('', QUEUE, { count: 100, visibilityTimeoutMs: LEASE_MS });
    if (messages.length === 0) break;
    for (const message of messages) {
      const id = simPayloadId(message.payload);
      if (id < 0 || !before.issuedIds.has(id)) fail(`recovered seq ${message.seq} is foreign`);
      const known = before.confirmed.get(message.seq);
      if (known !== undefined && known !== id) fail(`recovered seq ${message.seq} changed`);
      if (seen.has(message.seq)) fail(`seq ${message.seq} delivered twice by the drain`);
      seen.set(message.seq, id);
    }
  }
  const stats = await store.stats('', QUEUE);
  if (stats.ready !== 0 || stats.delayed !== 0 || stats.leased !== seen.size) {
    fail(`not drained: ${JSON.stringify(stats)}`);
  }
  if (durability === 'sync') {
    for (const [seq, id] of before.confirmed) {
      if (!before.ackSent.has(seq) && seen.get(seq) !== id) {
        fail(`acknowledged enqueue seq ${seq} (id ${id}) was lost`);
      }
    }
    for (const seq of before.acked) {
      if (seen.has(seq)) fail(`acked seq ${seq} came back`);
    }
  }
  const probe = await store.enqueue('', QUEUE, simPayload(0xffffff));
  seen.set(probe, 0xffffff);
  await store.dequeue('', QUEUE, { count: 100, visibilityTimeoutMs: LEASE_MS });
  if (probe <= before.maxRevealedSeq) {
    fail(`seq ${probe} handed out again (revealed up to ${before.maxRevealedSeq})`);
  }
  const next = new Tracking();
  next.issuedIds = before.issuedIds;
  next.issuedIds.add(0xffffff);
  if (durability === 'sync') next.acked = before.acked;
  next.maxRevealedSeq = Math.max(before.maxRevealedSeq, probe);
  for (const [seq, id] of seen) {
    next.confirmed.set(seq, id);
    next.held.add(seq);
  }
  return next;
}
