// The append loop flo-bench scenarios share (log, stream): a pool of values built before
// timing (value i carries i in its first four bytes, so a read-back can checksum what it
// sees), and `concurrency` workers appending batches until the record or time budget is
// spent, with per-call latency and peak RSS.

import type { ResultRow, ScenarioOptions } from './scenario.ts';
import { LatencySamples, trackPeakRss } from './stats.ts';

export const POOL_SIZE = 4096;

/** POOL_SIZE values of `valueBytes` bytes (at least 4 when they carry their index). */
export function makePool(valueBytes: number): Uint8Array[] {
  return Array.from({ length: POOL_SIZE }, (_, index) => {
    const value = new Uint8Array(valueBytes).fill(0x61);
    if (valueBytes >= 4) new DataView(value.buffer).setUint32(0, index, true);
    return value;
  });
}

/** The index a pool value carries (0 for values under 4 bytes). */
export function checksumOf(value: Uint8Array): number {
  return value.length >= 4 ? new DataView(value.buffer, value.byteOffset).getUint32(0, true) : 0;
}

export interface AppendLoopResult {
  appended: number;
  /** Sum of checksumOf() of every value appended, mod 2^32. */
  expectedSum: number;
  seconds: number;
  latency: LatencySamples;
  peakRssBytes: number;
}

/** Runs `concurrency` workers calling `append` with batches of `batch` pool values. */
export async function runAppendLoop(
  options: ScenarioOptions,
  batch: number,
  concurrency: number,
  append: (values: Uint8Array[]) => Promise<unknown>,
): Promise<AppendLoopResult> {
  const pool = makePool(options.valueBytes);
  const latency = new LatencySamples();
  const rss = trackPeakRss();
  let appended = 0;
  let expectedSum = 0;
  const startMs = performance.now();
  const deadlineMs = startMs + options.durationMs;
  const worker = async (): Promise<void> => {
    while (appended < options.records && performance.now() < deadlineMs) {
      const values: Uint8Array[] = [];
      for (let i = 0; i < batch; i++) {
        const value = pool[(appended + i) % POOL_SIZE]!;
        expectedSum = (expectedSum + checksumOf(value)) % 2 ** 32;
        values.push(value);
      }
      appended += batch;
      const beganMs = performance.now();
      await append(values);
      latency.add(performance.now() - beganMs);
      options.progress.update(appended);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - startMs) / 1000;
  return { appended, expectedSum, seconds, latency, peakRssBytes: rss.stop() };
}

/** Finishes the phase's progress line and makes its result row. */
export function appendRow(
  scenario: string,
  options: ScenarioOptions,
  durability: string,
  batch: number,
  concurrency: number,
  result: AppendLoopResult,
): ResultRow {
  const opsPerSec = result.appended / result.seconds;
  options.progress.finish(`${Math.round(opsPerSec).toLocaleString('en-US')} records/s`);
  return {
    scenario, phase: 'append', durability, batch, concurrency, opsPerSec,
    mbPerSec: (opsPerSec * options.valueBytes) / 1e6, p50Ms: result.latency.percentile(50),
    p99Ms: result.latency.percentile(99), peakRssBytes: result.peakRssBytes,
    note: 'ops = records; latency per append call',
  };
}
