// The `stream` scenario of flo-bench: a StreamStore embedded, on the real disk. Phases:
// append (100-byte records in batches of 1 and 100, async and sync, 1 and 8 appenders),
// group read + ack (1 and 4 consumers of one group, reads of 100 records, each batch acked
// before the next read), and time seek (reads from a timestamp). Every phase checks what it
// wrote or consumed (count and a checksum of payload ids) before it reports.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { NodeFs, RealClock, StreamStore, type Durability } from '../engine/mod.ts';
import type { ResultRow, Scenario, ScenarioOptions } from './scenario.ts';
import { LatencySamples, trackPeakRss } from './stats.ts';
import { appendRow, checksumOf, makePool, POOL_SIZE, runAppendLoop } from './append_loop.ts';

const fs = new NodeFs();
const clock = new RealClock();

function openStore(dir: string, durability: Durability): Promise<StreamStore> {
  rmSync(dir, { recursive: true, force: true });
  return StreamStore.open({ fs, clock, dir, durability });
}

async function appendPhase(
  options: ScenarioOptions,
  durability: Durability,
  batch: number,
  concurrency: number,
): Promise<ResultRow> {
  const dir = join(options.dir, `stream-append-${durability}-${batch}-${concurrency}`);
  const store = await openStore(dir, durability);
  const label = `stream append ${durability} batch ${batch} × ${concurrency}`;
  const result = await runAppendLoop(options, label, batch, concurrency,
    (values) => store.append('', 'bench', values.map((payload) => ({ payload }))));
  await verifyStream(store, result.appended, result.expectedSum, label);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return appendRow('stream', options, durability, batch, concurrency, result);
}

// Reads the whole stream back and checks the count and the checksum of the payload ids.
async function verifyStream(store: StreamStore, count: number, sum: number, label: string) {
  let seen = 0;
  let actualSum = 0;
  let next = 1;
  for (;;) {
    const records = await store.read('', 'bench',
      { start: { timestampMs: 0, sequence: next }, count: 1000 });
    if (records.length === 0) break;
    for (const record of records) actualSum = (actualSum + checksumOf(record.payload)) % 2 ** 32;
    seen += records.length;
    next = records.at(-1)!.sequence + 1;
  }
  if (seen !== count || actualSum !== sum) {
    throw new Error(`${label}: read back ${seen} records (checksum ${actualSum}), ` +
      `wrote ${count} (checksum ${sum})`);
  }
}

// Fills `bench` with `total` records in batches of 100 (optionally with synthetic times).
async function fill(
  store: StreamStore,
  options: ScenarioOptions,
  total: number,
  label: string,
  timestamps: boolean,
): Promise<number> {
  const pool = makePool(options.valueBytes);
  options.progress.start(label, total);
  let sum = 0;
  const inFlight: Array<Promise<unknown>> = [];
  for (let written = 0; written < total; written += 100) {
    const records = [];
    for (let i = 0; i < 100 && written + i < total; i++) {
      const payload = pool[(written + i) % POOL_SIZE]!;
      sum = (sum + checksumOf(payload)) % 2 ** 32;
      records.push({ payload });
    }
    // Synthetic timestamps one ms per batch of 100 make a seek's answer known.
    inFlight.push(store.append('', 'bench', records,
      timestamps ? { timestampMs: 1_000_000 + written / 100 } : {}));
    if (inFlight.length >= 64) await Promise.all(inFlight.splice(0));
    options.progress.update(written);
  }
  await Promise.all(inFlight);
  options.progress.finish(`${total.toLocaleString('en-US')} records written`);
  return sum;
}

async function consumePhase(options: ScenarioOptions, consumers: number): Promise<ResultRow> {
  const dir = join(options.dir, `stream-consume-${consumers}`);
  const store = await openStore(dir, 'async');
  const total = Math.max(1000, options.records);
  const expectedSum = await fill(store, options, total, 'stream group: writing the data set',
    false);
  const label = `stream group read + ack × ${consumers}`;
  options.progress.start(label, total);
  const latency = new LatencySamples();
  const rss = trackPeakRss();
  let consumed = 0;
  let sum = 0;
  const startMs = performance.now();
  const deadlineMs = startMs + options.durationMs;
  const consumer = async (name: string): Promise<void> => {
    while (consumed < total && performance.now() < deadlineMs) {
      const beganMs = performance.now();
      const records = await store.groups.read('', 'bench', 'g', name, { count: 100 });
      if (records.length === 0) break;
      await store.groups.ack('', 'bench', 'g', records.map((record) => record.sequence));
      latency.add(performance.now() - beganMs);
      for (const record of records) sum = (sum + checksumOf(record.payload)) % 2 ** 32;
      consumed += records.length;
      options.progress.update(consumed);
    }
  };
  await Promise.all(Array.from({ length: consumers }, (_, i) => consumer(`c${i}`)));
  const seconds = (performance.now() - startMs) / 1000;
  const peakRssBytes = rss.stop();
  const info = await store.groups.info('', 'bench', 'g');
  if (info.pending !== 0 || info.cursor.sequence !== consumed ||
    (consumed === total && sum !== expectedSum)) {
    throw new Error(`${label}: consumed ${consumed} (checksum ${sum}), pending ` +
      `${info.pending}, cursor ${info.cursor.sequence}; wrote ${total} (checksum ${expectedSum})`);
  }
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  const opsPerSec = consumed / seconds;
  options.progress.finish(`${Math.round(opsPerSec).toLocaleString('en-US')} records/s`);
  return {
    scenario: 'stream', phase: 'group read + ack', durability: 'async', batch: 100,
    concurrency: consumers, opsPerSec, mbPerSec: (opsPerSec * options.valueBytes) / 1e6,
    p50Ms: latency.percentile(50), p99Ms: latency.percentile(99), peakRssBytes,
    note: 'ops = records; latency per read of 100 + its ack',
  };
}

async function seekPhase(options: ScenarioOptions): Promise<ResultRow> {
  const dir = join(options.dir, 'stream-seek');
  const store = await openStore(dir, 'async');
  const total = Math.max(1000, options.records);
  await fill(store, options, total, 'stream seek: writing the data set', true);
  const probes = options.quick ? 200 : 20_000;
  options.progress.start('stream time seek', probes);
  const rss = trackPeakRss();
  const latency = new LatencySamples();
  let state = 12345;
  const startMs = performance.now();
  for (let i = 0; i < probes; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const batchIndex = state % Math.ceil(total / 100);
    const beganMs = performance.now();
    const [record] = await store.read('', 'bench',
      { startTimestampMs: 1_000_000 + batchIndex, count: 1 });
    latency.add(performance.now() - beganMs);
    if (record?.sequence !== batchIndex * 100 + 1) {
      throw new Error(`time seek to batch ${batchIndex} found ${record?.sequence}`);
    }
    if (i % 1000 === 0) options.progress.update(i);
  }
  const seconds = (performance.now() - startMs) / 1000;
  const peakRssBytes = rss.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  const opsPerSec = probes / seconds;
  options.progress.finish(`${Math.round(opsPerSec).toLocaleString('en-US')} seeks/s`);
  return {
    scenario: 'stream', phase: 'time seek', durability: 'async', batch: 1, concurrency: 1,
    opsPerSec, mbPerSec: 0, p50Ms: latency.percentile(50), p99Ms: latency.percentile(99),
    peakRssBytes, note: `read from a timestamp over ${total} records, exact result checked`,
  };
}

export const streamScenario: Scenario = {
  name: 'stream',
  description: 'streams: append (batches, async/sync), group read + ack, time seek',
  async run(options) {
    const durabilities = options.durabilities ?? ['async', 'sync'];
    const batches = options.batches ?? [1, 100];
    const concurrencies = options.concurrencies ?? (options.quick ? [1, 4] : [1, 8]);
    const rows: ResultRow[] = [];
    for (const durability of durabilities) {
      for (const batch of batches) {
        for (const concurrency of concurrencies) {
          rows.push(await appendPhase(options, durability, batch, concurrency));
        }
      }
    }
    for (const consumers of [1, 4]) rows.push(await consumePhase(options, consumers));
    rows.push(await seekPhase(options));
    return rows;
  },
};
