// The `queue` scenario of flo-bench: the queue store alone, embedded, on the real disk.
// Phases, in async and sync durability: enqueue of 100-byte payloads (single and batched,
// 1 and 50 concurrent producers), then full enqueue → dequeue → ack cycles with 1 and 50
// concurrent workers. Every phase checks what it did before it reports: the enqueue phase
// drains the queue and checksums every payload; the cycle phase checksums every payload it
// received and checks the queue's counters (all acked, nothing left).

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { NodeFs, QueueStore, RealClock, type Durability } from '../engine/mod.ts';
import type { ResultRow, Scenario, ScenarioOptions } from './scenario.ts';
import { runLoops, type LoopResult } from './loops.ts';

const fs = new NodeFs();
const clock = new RealClock();
const POOL_SIZE = 4096;
const QUEUE = 'bench';

function openStore(dir: string, durability: Durability): Promise<QueueStore> {
  rmSync(dir, { recursive: true, force: true });
  return QueueStore.open({ fs, clock, dir, durability });
}

// Payload i carries i in its first four bytes, so a drain can checksum what it sees.
function makePool(valueBytes: number): Uint8Array[] {
  return Array.from({ length: POOL_SIZE }, (_, index) => {
    const value = new Uint8Array(Math.max(4, valueBytes)).fill(0x71);
    new DataView(value.buffer).setUint32(0, index, true);
    return value;
  });
}

function checksumOf(payload: Uint8Array): number {
  return new DataView(payload.buffer, payload.byteOffset).getUint32(0, true);
}

async function enqueuePhase(options: ScenarioOptions, durability: Durability, batch: number,
  concurrency: number): Promise<ResultRow> {
  const dir = join(options.dir, `queue-enqueue-${durability}-${batch}-${concurrency}`);
  const store = await openStore(dir, durability);
  const pool = makePool(options.valueBytes);
  let expectedSum = 0;
  const label = `queue enqueue ${durability} batch ${batch} × ${concurrency}`;
  const result = await runLoops(options, label, options.records, concurrency, batch,
    async (at) => {
      const payloads = Array.from({ length: batch }, (_, i) => pool[(at + i) % POOL_SIZE]!);
      for (const payload of payloads) {
        expectedSum = (expectedSum + checksumOf(payload)) % 2 ** 32;
      }
      if (batch === 1) await store.enqueue('', QUEUE, payloads[0]!);
      else await store.enqueueBatch('', QUEUE, payloads);
    });
  await verifyDrain(store, result.ops, expectedSum, label);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return row(options, result, 'enqueue', durability, batch, concurrency,
    'ops = messages enqueued; latency per enqueue call');
}

// Dequeues everything (leases of 100) and checks the count and the payload checksum.
async function verifyDrain(store: QueueStore, count: number, sum: number, label: string) {
  const stats = await store.stats('', QUEUE);
  if (stats.enqueued !== count || stats.ready !== count) {
    throw new Error(`${label}: enqueued ${stats.enqueued}, ready ${stats.ready}, want ${count}`);
  }
  let seen = 0;
  let actual = 0;
  for (;;) {
    const messages = await store.dequeue('', QUEUE, { count: 100 });
    if (messages.length === 0) break;
    for (const message of messages) actual = (actual + checksumOf(message.payload)) % 2 ** 32;
    seen += messages.length;
  }
  if (seen !== count || actual !== sum) {
    throw new Error(`${label}: drained ${seen} (checksum ${actual}), want ${count} (${sum})`);
  }
}

async function cyclePhase(options: ScenarioOptions, durability: Durability,
  concurrency: number): Promise<ResultRow> {
  const dir = join(options.dir, `queue-cycle-${durability}-${concurrency}`);
  const store = await openStore(dir, durability);
  const pool = makePool(options.valueBytes);
  let sentSum = 0;
  let receivedSum = 0;
  const label = `queue cycle ${durability} × ${concurrency}`;
  const result = await runLoops(options, label, options.records, concurrency, 1, async (at) => {
    const payload = pool[at % POOL_SIZE]!;
    sentSum = (sentSum + checksumOf(payload)) % 2 ** 32;
    await store.enqueue('', QUEUE, payload);
    const [message] = await store.dequeue('', QUEUE, { blockMs: 1000 });
    if (message === undefined) throw new Error(`${label}: a dequeue found nothing`);
    receivedSum = (receivedSum + checksumOf(message.payload)) % 2 ** 32;
    await store.ack('', QUEUE, [message.seq]);
  });
  const stats = await store.stats('', QUEUE);
  if (stats.acked !== result.ops || stats.ready + stats.leased !== 0 ||
    receivedSum !== sentSum) {
    throw new Error(`${label}: ${result.ops} cycles but ${JSON.stringify(stats)}, ` +
      `checksums ${receivedSum} / ${sentSum}`);
  }
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return row(options, result, 'enqueue→dequeue→ack', durability, 1, concurrency,
    'ops = full cycles (enqueue, dequeue, ack); latency per cycle');
}

function row(options: ScenarioOptions, result: LoopResult, phase: string,
  durability: Durability, batch: number, concurrency: number, note: string): ResultRow {
  const opsPerSec = result.ops / result.seconds;
  options.progress.finish(`${Math.round(opsPerSec).toLocaleString('en-US')} ops/s`);
  return {
    scenario: 'queue', phase, durability, batch, concurrency, opsPerSec,
    mbPerSec: (opsPerSec * options.valueBytes) / 1e6, p50Ms: result.latency.percentile(50),
    p99Ms: result.latency.percentile(99), peakRssBytes: result.peakRssBytes, note,
  };
}

export const queueScenario: Scenario = {
  name: 'queue',
  description: 'work queue: enqueue (single, batch; async/sync), enqueue→dequeue→ack cycles',
  async run(options) {
    const durabilities = options.durabilities ?? ['async', 'sync'];
    const batches = options.batches ?? (options.quick ? [1, 100] : [1, 100, 1000]);
    const concurrencies = options.concurrencies ?? (options.quick ? [1, 8] : [1, 50]);
    const rows: ResultRow[] = [];
    for (const durability of durabilities) {
      for (const batch of batches) {
        for (const concurrency of concurrencies) {
          rows.push(await enqueuePhase(options, durability, batch, concurrency));
        }
      }
      for (const concurrency of concurrencies) {
        rows.push(await cyclePhase(options, durability, concurrency));
      }
    }
    return rows;
  },
};
