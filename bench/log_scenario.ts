// The `log` scenario of flo-bench: the segmented log alone, embedded, on the real disk.
// Phases: append (100-byte records by default, in batches of 1/10/100/1000, async and sync,
// with 1 and 64 concurrent appenders), sequential read, and time seek. Every phase checks
// what it wrote or read (record count and a checksum of the values) before it reports.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { NodeFs, RealClock, SegmentedLog, type Durability } from '../engine/mod.ts';
import type { ResultRow, Scenario, ScenarioOptions } from './scenario.ts';
import { LatencySamples, trackPeakRss } from './stats.ts';
import { appendRow, checksumOf, makePool, POOL_SIZE, runAppendLoop } from './append_loop.ts';

const fs = new NodeFs();
const clock = new RealClock();

function openLog(dir: string, durability: Durability): Promise<SegmentedLog> {
  rmSync(dir, { recursive: true, force: true });
  return SegmentedLog.open({ fs, clock, dir, durability });
}

async function appendPhase(
  options: ScenarioOptions,
  durability: Durability,
  batch: number,
  concurrency: number,
): Promise<ResultRow> {
  const dir = join(options.dir, `append-${durability}-${batch}-${concurrency}`);
  const log = await openLog(dir, durability);
  const label = `log append ${durability} batch ${batch} × ${concurrency}`;
  const result = await runAppendLoop(options, label, batch, concurrency,
    (values) => log.append(values.map((value) => ({ value }))));
  await verifyLog(log, result.appended, result.expectedSum, label);
  await log.close();
  rmSync(dir, { recursive: true, force: true });
  return appendRow('log', options, durability, batch, concurrency, result);
}

// Reads the whole log back and checks the count and the checksum of the values.
async function verifyLog(log: SegmentedLog, count: number, sum: number, label: string) {
  let seen = 0;
  let actualSum = 0;
  let from = log.firstOffset;
  for (;;) {
    const records = await log.read(from, { maxRecords: 10_000, maxBytes: 1 << 24 });
    if (records.length === 0) break;
    for (const record of records) actualSum = (actualSum + checksumOf(record.value)) % 2 ** 32;
    seen += records.length;
    from = records.at(-1)!.offset + 1;
  }
  if (seen !== count || actualSum !== sum) {
    throw new Error(`${label}: read back ${seen} records (checksum ${actualSum}), ` +
      `wrote ${count} (checksum ${sum})`);
  }
}

async function readAndSeekPhases(options: ScenarioOptions): Promise<ResultRow[]> {
  const dir = join(options.dir, 'read');
  let log = await openLog(dir, 'async');
  const total = Math.max(1000, options.records);
  options.progress.start('log read: writing the data set', total);
  const pool = makePool(options.valueBytes);
  let expectedSum = 0;
  for (let written = 0; written < total; written += 100) {
    const records = [];
    for (let i = 0; i < 100; i++) {
      const value = pool[(written + i) % POOL_SIZE]!;
      expectedSum = (expectedSum + checksumOf(value)) % 2 ** 32;
      // Synthetic timestamps (1 ms apart) make the expected seek result known.
      records.push({ value, timestampMs: written + i });
    }
    log.appendNow(records);
    if (written % 10_000 === 0) await log.sync();
    options.progress.update(written);
  }
  await log.close();
  options.progress.finish(`${total.toLocaleString('en-US')} records written`);
  log = await SegmentedLog.open({ fs, clock, dir, durability: 'async' });
  const read = await measureRead(options, log, total, expectedSum);
  const seek = measureSeek(options, log, total);
  await log.close();
  rmSync(dir, { recursive: true, force: true });
  return [read, seek];
}

async function measureRead(
  options: ScenarioOptions,
  log: SegmentedLog,
  total: number,
  expectedSum: number,
): Promise<ResultRow> {
  options.progress.start('log sequential read', total);
  const rss = trackPeakRss();
  const startMs = performance.now();
  let seen = 0;
  let sum = 0;
  let bytes = 0;
  let from = 0;
  for (;;) {
    const records = log.readAvailable(from, { maxRecords: 1000 });
    if (records.length === 0) break;
    for (const record of records) {
      sum = (sum + checksumOf(record.value)) % 2 ** 32;
      bytes += record.value.length;
    }
    seen += records.length;
    from = records.at(-1)!.offset + 1;
    options.progress.update(seen);
  }
  const seconds = (performance.now() - startMs) / 1000;
  if (seen !== total || sum !== expectedSum) {
    throw new Error(
      `log read: got ${seen} records (checksum ${sum}), want ${total} (${expectedSum})`);
  }
  const opsPerSec = seen / seconds;
  options.progress.finish(`${Math.round(opsPerSec).toLocaleString('en-US')} records/s`);
  return {
    scenario: 'log', phase: 'sequential read', durability: 'async', batch: 1000, concurrency: 1,
    opsPerSec, mbPerSec: bytes / seconds / 1e6, p50Ms: null, p99Ms: null,
    peakRssBytes: rss.stop(), note: 'readAvailable of 1000 records at a time, page cache warm',
  };
}

function measureSeek(options: ScenarioOptions, log: SegmentedLog, total: number): ResultRow {
  const probes = options.quick ? 200 : 20_000;
  options.progress.start('log time seek', probes);
  const rss = trackPeakRss();
  const latency = new LatencySamples();
  let state = 12345;
  const startMs = performance.now();
  for (let i = 0; i < probes; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const target = state % total;
    const beganMs = performance.now();
    const offset = log.offsetForTimestamp(target);
    latency.add(performance.now() - beganMs);
    if (offset !== target) throw new Error(`time seek to ${target} ms found offset ${offset}`);
    if (i % 1000 === 0) options.progress.update(i);
  }
  const seconds = (performance.now() - startMs) / 1000;
  const opsPerSec = probes / seconds;
  options.progress.finish(`${Math.round(opsPerSec).toLocaleString('en-US')} seeks/s`);
  return {
    scenario: 'log', phase: 'time seek', durability: 'async', batch: 1, concurrency: 1,
    opsPerSec, mbPerSec: 0, p50Ms: latency.percentile(50), p99Ms: latency.percentile(99),
    peakRssBytes: rss.stop(),
    note: `offsetForTimestamp over ${total} records, exact result checked`,
  };
}

export const logScenario: Scenario = {
  name: 'log',
  description: 'segmented log: append (batches, async/sync, concurrency), read, time seek',
  async run(options) {
    const durabilities = options.durabilities ?? ['async', 'sync'];
    const batches = options.batches ?? (options.quick ? [1, 100] : [1, 10, 100, 1000]);
    const concurrencies = options.concurrencies ?? (options.quick ? [1, 8] : [1, 64]);
    const rows: ResultRow[] = [];
    for (const durability of durabilities) {
      for (const batch of batches) {
        for (const concurrency of concurrencies) {
          rows.push(await appendPhase(options, durability, batch, concurrency));
        }
      }
    }
    rows.push(...(await readAndSeekPhases(options)));
    return rows;
  },
};
