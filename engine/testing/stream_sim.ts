// The stream crash simulator: a seeded produce / consume / ack workload on a StreamStore
// (MemFs, ManualClock, small segments, 1-3 partitions), with operations left in flight
// across event-loop turns and crashes taken at random moments as MemFs crash clones. After
// each crash the clone is reopened and checked:
// - every append acknowledged before the crash (sync mode) is readable, intact, at the
//   sequence it was given (async mode: those covered by a completed sync()); no record
//   exists that was never appended;
// - sequences are never reused, in every mode (reservations ahead of use);
// - draining the group (reading, acking, letting ack timeouts pass) never delivers a record
//   whose ack was acknowledged (sync), and delivers every other readable record again.
// The workload then goes on with the recovered store. Used by engine/stream/crash_sim.test.ts
// and `npm run sim`.

import { MemFs } from '../io/mem_fs.ts';
import { ManualClock } from '../io/clock.ts';
import { Prng } from '../io/prng.ts';
import type { Durability } from '../log/segmented_log.ts';
import { readU32, writeU32 } from '../codec/bytes.ts';
import { StreamStore } from '../stream/stream_store.ts';

export interface StreamSimResult {
  seed: number;
  crashes: number;
  recordsChecked: number;
  redelivered: number;
}

const ACK_TIMEOUT_MS = 100;
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// A payload carries a unique id, so a record can be traced to the append that made it.
function payloadFor(id: number, length: number): Uint8Array {
  const payload = new Uint8Array(Math.max(4, length));
  writeU32(payload, 0, id);
  for (let i = 4; i < payload.length; i++) payload[i] = (id * 13 + i) & 0xff;
  return payload;
}

function payloadOk(payload: Uint8Array): boolean {
  if (payload.length < 4) return false;
  const id = readU32(payload, 0);
  return payload.every((byte, i) => i < 4 || byte === ((id * 13 + i) & 0xff));
}

interface SimState {
  /** Appended payload ids by the sequence their append was acknowledged with. */
  idBySequence: Map<number, number>;
  /** Sequences whose append resolved and is durable (sync mode). */
  durable: Set<number>;
  /** Acks that resolved (durable in sync mode) and acks merely submitted. */
  ackedDurable: Set<number>;
  ackedResolved: Set<number>;
  ackedSubmitted: Set<number>;
  /** Delivered to the workload's consumers and not yet acked by it. */
  outstanding: Set<number>;
  highestSequence: number;
}

/** Runs one seeded simulation; throws an Error naming the seed when an invariant breaks. */
export async function runStreamSim(seed: number, steps = 100): Promise<StreamSimResult> {
  const prng = new Prng(seed);
  const durability: Durability = prng.chance(0.75) ? 'sync' : 'async';
  const partitions = prng.int(1, 4);
  let fs = new MemFs();
  const clock = new ManualClock(1_700_000_000_000);
  const open = (files: MemFs) => StreamStore.open({ fs: files, clock, dir: '/sim', durability,
    segmentBytes: 4096, syncIntervalMs: 20 });
  const store = await open(fs);
  await store.create('', 's', { partitionCount: partitions });
  await store.groups.create('', 's', 'g', { ackTimeoutMs: ACK_TIMEOUT_MS, maxDeliver: 0 });
  await store.sync();
  const result: StreamSimResult = { seed, crashes: 0, recordsChecked: 0, redelivered: 0 };
  const state: SimState = {
    idBySequence: new Map(), durable: new Set(), ackedDurable: new Set(),
    ackedResolved: new Set(), ackedSubmitted: new Set(), outstanding: new Set(),
    highestSequence: 0,
  };
  const fail = (message: string): never => {
    throw new Error(`stream sim seed ${seed} (${durability}, ${partitions} partitions): ` +
      message);
  };
  const work: Workload = { store, prng, state, durability, nextId: 1, epoch: 0 };
  for (let step = 0; step < steps; step++) {
    const action = prng.int(0, 100);
    if (action < 78) {
      startOperation(work, action);
    } else if (action < 92) {
      for (let i = prng.int(0, 4); i > 0; i--) await turn();
      clock.advance(prng.int(0, 40));
    } else {
      const crashed = fs.crashClone(prng, { zeroFill: prng.chance(0.3) });
      work.epoch += 1;
      result.crashes += 1;
      await work.store.close().catch(() => undefined);
      work.store = await open(crashed).catch((error: unknown) => fail(`reopen: ${error}`));
      fs = crashed;
      await checkRecovered(work.store, state, durability, result, fail);
      await drainGroup(work.store, clock, state, durability, result, fail);
      work.store.checkInvariants();
    }
  }
  await work.store.close();
  return result;
}

interface Workload {
  store: StreamStore;
  prng: Prng;
  state: SimState;
  durability: Durability;
  nextId: number;
  /** Bumped at each crash: results that arrive later belong to the lost timeline. */
  epoch: number;
}

// Starts one operation without waiting for it: an append, a group read, an ack, a nack or
// a sync (action < 78); its result updates the state when it arrives.
function startOperation(work: Workload, action: number): void {
  const { store, prng, state, durability } = work;
  const epoch = work.epoch;
  const live = (): boolean => epoch === work.epoch;
  if (action < 35) {
    const ids = Array.from({ length: prng.int(1, 5) }, () => work.nextId++);
    const records = ids.map((id) => ({ payload: payloadFor(id, prng.pick([4, 30, 300])) }));
    store.append('', 's', records).then((appended) => {
      if (!live()) return;
      ids.forEach((id, i) => state.idBySequence.set(appended.sequence + i, id));
      state.highestSequence = Math.max(state.highestSequence, appended.sequence + ids.length - 1);
      if (durability === 'sync') ids.forEach((_, i) => state.durable.add(appended.sequence + i));
    }, () => undefined);
  } else if (action < 55) {
    store.groups.read('', 's', 'g', prng.pick(['a', 'b']), { count: prng.int(1, 8) })
      .then((records) => {
        if (live()) records.forEach((r) => state.outstanding.add(r.sequence));
      }, () => undefined);
  } else if (action < 70) {
    const sequences = [...state.outstanding].filter(() => prng.chance(0.6));
    for (const sequence of sequences) {
      state.outstanding.delete(sequence);
      state.ackedSubmitted.add(sequence);
    }
    if (sequences.length === 0) return;
    store.groups.ack('', 's', 'g', sequences).then(() => {
      if (!live()) return;
      sequences.forEach((sequence) => state.ackedResolved.add(sequence));
      if (durability === 'sync') sequences.forEach((s) => state.ackedDurable.add(s));
    }, () => undefined);
  } else if (action < 75) {
    const sequences = [...state.outstanding].filter(() => prng.chance(0.5));
    sequences.forEach((sequence) => state.outstanding.delete(sequence));
    if (sequences.length > 0) store.groups.nack('', 's', 'g', sequences).catch(() => undefined);
  } else {
    // In async mode a completed sync() makes everything acknowledged before it durable.
    const appended = [...state.idBySequence.keys()];
    const acked = [...state.ackedResolved];
    store.sync().then(() => {
      if (!live()) return;
      appended.forEach((sequence) => state.durable.add(sequence));
      acked.forEach((sequence) => state.ackedDurable.add(sequence));
    }, () => undefined);
  }
}

// Every durable append is there, every record is one we appended, and numbering goes on.
async function checkRecovered(
  store: StreamStore,
  state: SimState,
  durability: Durability,
  result: StreamSimResult,
  fail: (message: string) => never,
): Promise<void> {
  const seen = new Set<number>();
  for (let start = 0; ;) {
    const records = await store.read('', 's', { start: { timestampMs: 0, sequence: start },
      count: 1000 });
    if (records.length === 0) break;
    for (const record of records) {
      if (!payloadOk(record.payload)) fail(`record ${record.sequence} is damaged`);
      const expected = state.idBySequence.get(record.sequence);
      const id = readU32(record.payload, 0);
      if (expected !== undefined && expected !== id) {
        fail(`record ${record.sequence} holds payload ${id}, appended as ${expected}`);
      }
      seen.add(record.sequence);
    }
    start = records.at(-1)!.sequence + 1;
  }
  for (const sequence of state.durable) {
    if (!seen.has(sequence)) fail(`acknowledged record ${sequence} is missing`);
  }
  // What was not durable may be gone: forget it (sync-mode entries are all durable).
  for (const sequence of state.ackedResolved) {
    if (!state.ackedDurable.has(sequence)) state.ackedResolved.delete(sequence);
  }
  result.recordsChecked += seen.size;
  const probe = await store.append('', 's', [{ payload: payloadFor(0, 4) }]);
  if (probe.sequence <= state.highestSequence) {
    fail(`sequence ${probe.sequence} reused (highest handed out ${state.highestSequence})`);
  }
  state.highestSequence = probe.sequence;
  state.idBySequence.set(probe.sequence, 0);
  if (durability === 'sync') state.durable.add(probe.sequence);
  // Records appended but lost in the crash (async) are forgotten by the workload too.
  for (const sequence of state.idBySequence.keys()) {
    if (!seen.has(sequence) && sequence !== probe.sequence) state.idBySequence.delete(sequence);
  }
}

// Reads and acks until nothing is left, letting ack timeouts pass: no durably acked record
// may come back, and every readable record not acked must.
async function drainGroup(
  store: StreamStore,
  clock: ManualClock,
  state: SimState,
  durability: Durability,
  result: StreamSimResult,
  fail: (message: string) => never,
): Promise<void> {
  const delivered = new Set<number>();
  for (let idle = 0; idle < 2;) {
    const records = await store.groups.read('', 's', 'g', 'drain', { count: 1000 });
    if (records.length === 0) {
      clock.advance(ACK_TIMEOUT_MS);
      idle += 1;
      continue;
    }
    idle = 0;
    for (const record of records) {
      if (state.ackedDurable.has(record.sequence)) {
        fail(`record ${record.sequence} was acked (durably) but is delivered again`);
      }
      delivered.add(record.sequence);
    }
    await store.groups.ack('', 's', 'g', records.map((record) => record.sequence));
  }
  const required = [...state.idBySequence.keys()].filter((sequence) =>
    !state.ackedSubmitted.has(sequence) && !state.ackedDurable.has(sequence));
  for (const sequence of required) {
    if (!delivered.has(sequence)) fail(`unacked record ${sequence} was not delivered again`);
  }
  result.redelivered += delivered.size;
  for (const sequence of delivered) {
    if (durability === 'sync') state.ackedDurable.add(sequence);
    state.ackedResolved.add(sequence);
    state.ackedSubmitted.add(sequence);
  }
  state.outstanding.clear();
}
