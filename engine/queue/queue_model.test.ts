// Model-based test of QueueStore (fast-check): random sequences of enqueue (single, batch,
// delayed, deduplicated, with priorities and max retries), dequeue, peek, ack, nack, touch,
// DLQ list/requeue/delete, purge, stats, clock advances and clean reopens run against the
// store (MemFs, ManualClock) and against the reference model (engine/testing/queue_model.ts);
// every answer must agree, strict errors by class. Replay a failure with FC_SEED/FC_PATH.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MemFs } from '../io/mem_fs.ts';
import { ManualClock } from '../io/clock.ts';
import { fcParams } from '../testing/fc_params.ts';
import { QueueModel } from '../testing/queue_model.ts';
import { QueueStore } from './queue_store.ts';
import type { QueueStoreOptions } from './queue_types.ts';

const QUEUES = ['a', 'b'];
const SETTINGS = {
  visibilityTimeoutMs: 1_000, maxDeliveries: 3, dedupWindowMs: 2_000, maxReady: 40,
};

type Op =
  | { op: 'enqueue'; q: number; size: number; priority: number; delayMs: number;
    dedup: number | null; maxRetries: number | null }
  | { op: 'batch'; q: number; count: number; priority: number; delayMs: number }
  | { op: 'dequeue'; q: number; count: number; leaseMs: number | null }
  | { op: 'peek'; q: number; count: number }
  | { op: 'ack' | 'requeue' | 'delete'; q: number; picks: number[]; strict: boolean }
  | { op: 'nack'; q: number; picks: number[]; toDlq: boolean; delayMs: number; strict: boolean }
  | { op: 'touch'; q: number; picks: number[]; extendMs: number | null; strict: boolean }
  | { op: 'dlqList'; q: number; after: number; limit: number }
  | { op: 'purge' | 'stats'; q: number }
  | { op: 'advance'; ms: number }
  | { op: 'reopen' };

const queueIndex = fc.integer({ min: 0, max: QUEUES.length - 1 });
const picks = fc.array(fc.nat(60), { minLength: 0, maxLength: 4 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('enqueue' as const), q: queueIndex,
    size: fc.nat(40), priority: fc.constantFrom(0, 0, 1, 5, 255),
    delayMs: fc.constantFrom(0, 0, 0, 300, 1500),
    dedup: fc.option(fc.nat(3)), maxRetries: fc.option(fc.nat(2)) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('batch' as const), q: queueIndex,
    count: fc.integer({ min: 1, max: 6 }), priority: fc.nat(3),
    delayMs: fc.constantFrom(0, 0, 700) }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('dequeue' as const), q: queueIndex,
    count: fc.integer({ min: 1, max: 5 }), leaseMs: fc.option(fc.constantFrom(200, 800)) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('peek' as const), q: queueIndex,
    count: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constantFrom('ack' as const, 'requeue' as const,
    'delete' as const), q: queueIndex, picks, strict: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('nack' as const), q: queueIndex, picks,
    toDlq: fc.boolean(), delayMs: fc.constantFrom(0, 0, 400), strict: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('touch' as const), q: queueIndex, picks,
    extendMs: fc.option(fc.constantFrom(100, 2000)), strict: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('dlqList' as const), q: queueIndex,
    after: fc.nat(30), limit: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom('purge' as const, 'stats' as const),
    q: queueIndex }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('advance' as const),
    ms: fc.constantFrom(1, 100, 250, 999, 1000, 2500) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'reopen' as const }) },
);

function payloadOf(seed: number, size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (seed * 13 + i) & 0xff);
}

async function outcome<T>(run: () => Promise<T>): Promise<T | string> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof Error && /NotFound|LeaseExpired|Overloaded/.test(error.name)) {
      return error.name;
    }
    throw error;
  }
}

async function runOps(ops: Op[]): Promise<void> {
  const fs = new MemFs();
  const clock = new ManualClock();
  const options: QueueStoreOptions = { fs, clock, dir: '/queues', defaults: SETTINGS,
    segmentBytes: 4096, checkpointEvents: 16, payloadCacheBytes: 400 };
  let store = await QueueStore.open(options);
  const model = new QueueModel(clock.nowMs(), SETTINGS);
  let counter = 0;
  try {
    for (const [step, op] of ops.entries()) {
      const where = `step ${step} ${JSON.stringify(op)}`;
      if (op.op === 'advance') {
        clock.advance(op.ms);
        model.nowMs = clock.nowMs();
        continue;
      }
      if (op.op === 'reopen') {
        await store.close();
        store = await QueueStore.open(options);
        continue;
      }
      const name = QUEUES[op.q]!;
      const seqsOf = (chosen: number[]): number[] =>
        chosen.map((pick) => pick % (model.nextSeq(name) + 1));
      let actual: unknown;
      let expected: unknown;
      switch (op.op) {
        case 'enqueue': {
          const payload = payloadOf(counter++, op.size);
          const dedupKey = op.dedup === null ? undefined : `key-${op.dedup}`;
          const maxRetries = op.maxRetries ?? undefined;
          actual = await outcome(async () => [await store.enqueue('', name, payload,
            { priority: op.priority, delayMs: op.delayMs, dedupKey, maxRetries })]);
          expected = model.enqueue(name, [payload], op.priority, op.delayMs,
            dedupKey ?? null, op.maxRetries);
          break;
        }
        case 'batch': {
          const payloads = Array.from({ length: op.count }, () => payloadOf(counter++, 10));
          actual = await outcome(() => store.enqueueBatch('', name, payloads,
            { priority: op.priority, delayMs: op.delayMs }));
          expected = model.enqueue(name, payloads, op.priority, op.delayMs, null, null);
          break;
        }
        case 'dequeue':
          actual = await store.dequeue('', name,
            { count: op.count, visibilityTimeoutMs: op.leaseMs ?? undefined });
          expected = model.dequeue(name, op.count, op.leaseMs);
          break;
        case 'peek':
          actual = await store.peek('', name, op.count);
          expected = model.peek(name, op.count);
          break;
        case 'ack':
          actual = await outcome(() => store.ack('', name, seqsOf(op.picks),
            { strict: op.strict }));
          expected = model.ack(name, seqsOf(op.picks), op.strict);
          break;
        case 'requeue':
          actual = await outcome(() => store.dlqRequeue('', name, seqsOf(op.picks),
            { strict: op.strict }));
          expected = model.requeue(name, seqsOf(op.picks), op.strict);
          break;
        case 'delete':
          actual = await outcome(() => store.dlqDelete('', name, seqsOf(op.picks),
            { strict: op.strict }));
          expected = model.deleteDead(name, seqsOf(op.picks), op.strict);
          break;
        case 'nack':
          actual = await outcome(() => store.nack('', name, seqsOf(op.picks),
            { toDlq: op.toDlq, delayMs: op.delayMs, strict: op.strict }));
          expected = model.nack(name, seqsOf(op.picks), op.toDlq, op.delayMs, op.strict);
          break;
        case 'touch':
          actual = await outcome(() => store.touch('', name, seqsOf(op.picks),
            { extendMs: op.extendMs ?? undefined, strict: op.strict }));
          expected = model.touch(name, seqsOf(op.picks), op.extendMs, op.strict);
          break;
        case 'dlqList':
          actual = await store.dlqList('', name, { afterSeq: op.after, limit: op.limit });
          expected = model.dlqList(name, op.after, op.limit);
          break;
        case 'purge':
          actual = await store.purge('', name);
          expected = model.purge(name);
          break;
        case 'stats':
          actual = await store.stats('', name);
          expected = model.stats(name);
          break;
      }
      assert.deepEqual(actual, expected, where);
      store.checkInvariants();
    }
    for (const name of QUEUES) {
      assert.deepEqual(await store.stats('', name), model.stats(name), `final stats ${name}`);
    }
  } finally {
    await store.close();
  }
}

test('QueueStore agrees with the reference model on random operation sequences', async () => {
  const ops = fc.array(opArb, { minLength: 1, maxLength: 200, size: 'max' });
  await fc.assert(fc.asyncProperty(ops, runOps), fcParams(150));
});
