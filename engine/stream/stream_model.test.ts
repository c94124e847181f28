// Model-based test: seeded random sequences of append (also concurrent), read, group read,
// ack, nack, touch, claim, leave, trim, clock advances and reopen run against the real
// StreamStore (MemFs, ManualClock, small segments) and the reference model
// (engine/testing/stream_model.ts); every answer and the observable state must agree.
// A failure names its seed; STREAM_MODEL_SEED=N replays one, STREAM_MODEL_SEEDS=N runs more.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemFs } from '../io/mem_fs.ts';
import { ManualClock } from '../io/clock.ts';
import { Prng, randomSeed } from '../io/prng.ts';
import type { Durability } from '../log/segmented_log.ts';
import { StreamStore } from './stream_store.ts';
import { StreamModel, type ModelId } from '../testing/stream_model.ts';
import type { GroupRecord, StreamRecord } from './stream_types.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const GROUPS = ['g1', 'g2'];
const CONSUMERS = ['a', 'b', 'c'];

const describe = (records: readonly StreamRecord[]) =>
  records.map((r) => [r.sequence, r.timestampMs, r.partition, decoder.decode(r.payload)]);
const describeModel = (records: ReadonlyArray<{ sequence: number; timestampMs: number;
  partition: number; payload: string }>) =>
  records.map((r) => [r.sequence, r.timestampMs, r.partition, r.payload]);

async function runSeed(seed: number, steps: number): Promise<void> {
  const prng = new Prng(seed);
  const durability: Durability = prng.pick(['sync', 'async', 'memory'] as const);
  const fs = new MemFs();
  const clock = new ManualClock(1_700_000_000_000);
  const open = () => StreamStore.open({ fs, clock, dir: '/m', durability, segmentBytes: 4096 });
  let store = await open();
  const model = new StreamModel();
  const partitions = prng.int(1, 4);
  await store.create('', 's', { partitionCount: partitions });
  model.stream('s', partitions);
  const groupSettings = { ackTimeoutMs: prng.pick([50, 200, 1_000]), maxDeliver: prng.int(0, 4) };
  for (const group of GROUPS) {
    await store.groups.create('', 's', group, groupSettings);
    Object.assign(model.group('s', group)!, groupSettings);
  }
  const check = (what: string, actual: unknown, expected: unknown): void => {
    assert.deepEqual(actual, expected, `seed ${seed} (${durability}), ${what}`);
  };
  const trace = process.env['STREAM_MODEL_TRACE'] === '1';
  for (let step = 0; step < steps; step++) {
    const action = prng.int(0, 100);
    if (trace) console.log(`step ${step}: action ${action} at ${clock.nowMs()}`);
    const nowMs = clock.nowMs();
    const group = prng.pick(GROUPS);
    const consumer = prng.pick(CONSUMERS);
    const known = (): number[] => model.stream('s').records.map((r) => r.sequence);
    const someSequences = (): number[] => Array.from({ length: prng.int(1, 4) }, () =>
      prng.chance(0.8) && known().length > 0 ? prng.pick(known()) : prng.int(1, 200));
    if (action < 25) {
      const batches = prng.chance(0.3) ? prng.int(2, 5) : 1;
      const pending = [];
      for (let b = 0; b < batches; b++) {
        const payloads = Array.from({ length: prng.int(1, 4) }, () =>
          'x'.repeat(prng.int(0, 40)) + String(prng.int(0, 1000)));
        const partition = prng.chance(0.3) ? prng.int(0, partitions) : undefined;
        const expected = model.append('s', payloads, partition, nowMs);
        const options = partition === undefined ? {} : { partition };
        const records = payloads.map((p) => ({ payload: encoder.encode(p) }));
        pending.push(store.append('', 's', records, options).then((result) =>
          check(`append at step ${step}`, result, expected)));
      }
      await Promise.all(pending);
    } else if (action < 35) {
      const start = prng.chance(0.5) ? randomId(prng, model) : undefined;
      const end = prng.chance(0.3) ? randomId(prng, model) : undefined;
      const partition = prng.chance(0.3) ? prng.int(0, partitions) : undefined;
      const count = prng.int(1, 30);
      const options = { count, ...(start && { start }), ...(end && { end }),
        ...(partition !== undefined && { partition }) };
      check(`read ${JSON.stringify(options)} at step ${step}`,
        describe(await store.read('', 's', options)),
        describeModel(model.read('s', start, end, partition, count)));
    } else if (action < 55) {
      const count = prng.int(1, 6);
      const noAck = prng.chance(0.1);
      const records = await store.groups.read('', 's', group, consumer, { count, noAck });
      const expected = model.groupRead('s', group, consumer, count, noAck, nowMs);
      check(`group read ${group}/${consumer} at step ${step}`, deliveries(records),
        expected.map((d) => [d.record.sequence, d.record.payload, d.deliveryCount]));
    } else if (action < 65) {
      const sequences = someSequences();
      check(`ack ${sequences} at step ${step}`, await store.groups.ack('', 's', group, sequences),
        model.ack('s', group, [...new Set(sequences)]));
    } else if (action < 70) {
      const sequences = [...new Set(someSequences())];
      const delayMs = prng.pick([0, 0, 30, 300]);
      check(`nack at step ${step}`, await store.groups.nack('', 's', group, sequences,
        { delayMs }), model.nack('s', group, sequences, delayMs, nowMs));
    } else if (action < 73) {
      const sequences = [...new Set(someSequences())];
      const extendMs = prng.pick([0, 100, 2_000]);
      check(`touch at step ${step}`, await store.groups.touch('', 's', group, sequences,
        { extendMs }), model.touch('s', group, sequences, extendMs, nowMs));
    } else if (action < 78) {
      const minIdleMs = prng.pick([0, 0, 20, 500]);
      const start = prng.chance(0.5) ? 0 : prng.int(0, 150);
      const count = prng.int(1, 5);
      const result = await store.groups.claim('', 's', group, consumer,
        { minIdleMs, start: { timestampMs: 0, sequence: start }, count });
      const expected = model.claim('s', group, consumer, minIdleMs, start, count, nowMs);
      check(`claim at step ${step}`, [deliveries(result.records), result.next?.sequence ?? null],
        [expected.records.map((d) => [d.record.sequence, d.record.payload,
          d.deliveryCount]), expected.next]);
    } else if (action < 80) {
      await store.groups.leave('', 's', group, consumer);
      model.leave('s', group, consumer, nowMs);
    } else if (action < 84) {
      const criteria = randomTrim(prng, model);
      const dryRun = prng.chance(0.3);
      check(`trim ${JSON.stringify(criteria)} at step ${step}`,
        await store.trim('', 's', { ...criteria, dryRun }),
        model.trim('s', criteria, nowMs, dryRun));
    } else if (action < 95) {
      clock.advance(prng.pick([1, 10, 60, 250, 1_200]));
      model.expire(clock.nowMs());
    } else {
      await store.close();
      store = await open();
      model.stream('s').roundRobin = 0; // the round-robin position is not kept across restarts
    }
    await compareState(store, model, check, `step ${step}`);
    store.checkInvariants();
  }
  await store.close();
}

function deliveries(records: readonly GroupRecord[]) {
  return records.map((r) => [r.sequence, decoder.decode(r.payload), r.deliveryCount]);
}

function randomId(prng: Prng, model: StreamModel): ModelId {
  const records = model.stream('s').records;
  if (records.length === 0 || prng.chance(0.2)) {
    return { timestampMs: 0, sequence: prng.int(0, 60) };
  }
  const record = prng.pick(records);
  if (prng.chance(0.5)) return { timestampMs: 0, sequence: record.sequence };
  return { timestampMs: record.timestampMs + prng.int(-1, 2), sequence: prng.int(0, 100) };
}

function randomTrim(prng: Prng, model: StreamModel) {
  switch (prng.int(0, 4)) {
    case 0: return { before: randomId(prng, model) };
    case 1: return { maxRecords: prng.int(0, 40) };
    case 2: return { maxAgeMs: prng.int(0, 3_000) };
    default: return { maxBytes: prng.int(0, 600) };
  }
}

async function compareState(
  store: StreamStore,
  model: StreamModel,
  check: (what: string, actual: unknown, expected: unknown) => void,
  where: string,
): Promise<void> {
  const stream = model.stream('s');
  const info = await store.info('', 's');
  const first = stream.records[0];
  const last = stream.records.at(-1);
  check(`info at ${where}`, [info.count, info.bytes, info.first.sequence, info.last.sequence],
    [stream.records.length, stream.records.reduce((sum, r) => sum + r.payload.length, 0),
      first?.sequence ?? 0, last?.sequence ?? 0]);
  for (const name of GROUPS) {
    const group = model.group('s', name, false)!;
    const actual = await store.groups.info('', 's', name);
    const consumers = [...group.consumers].sort().map((consumer) =>
      [consumer, group.pel.filter((entry) => entry.consumer === consumer).length]);
    check(`group ${name} at ${where}`,
      [actual.cursor.sequence, actual.pending, actual.deadLettered, actual.lag,
        actual.consumers.map((c) => [c.name, c.pending]).sort()],
      [group.cursor, group.pel.length, group.deadLettered, model.lag('s', name), consumers]);
    const dead = await store.groups.deadLetters('', 's', name, { limit: 1000 });
    check(`dead letters ${name} at ${where}`, dead.entries.map((d) => d.id.sequence),
      group.deadLetters);
    const pending = await store.groups.pending('', 's', name);
    if (process.env['STREAM_MODEL_TRACE'] === '1') {
      console.log(name, JSON.stringify(pending.map((p) => [p.id.sequence, p.consumer,
        p.deliveryCount, p.dueMs, p.released])), JSON.stringify(group.pel), actual.deadLettered,
      group.deadLettered, group.maxDeliver);
    }
    check(`pending ${name} at ${where}`,
      pending.map((p) => [p.id.sequence, p.consumer, p.deliveryCount, p.dueMs, p.released]),
      group.pel.map((e) => [e.sequence, e.consumer, e.deliveryCount, e.dueMs, e.released]));
  }
}

const seeds = Number(process.env['STREAM_MODEL_SEEDS'] ?? 40);
const single = process.env['STREAM_MODEL_SEED'];

test('StreamStore agrees with the reference model over random operation sequences', async () => {
  const start = single === undefined ? randomSeed() : Number(single);
  const count = single === undefined ? seeds : 1;
  for (let i = 0; i < count; i++) await runSeed(start + i, 150);
});
