// The append loop flo-bench scenarios share (log, stream): a pool of values built before
// timing (value i carries i in its first four bytes, so a read-back can checksum what it
// sees), and `concurrency` workers appending batches until the record or time budget is
// spent, with per-call latency and peak RSS.

import type { ResultRow, ScenarioOptions } from './scenario.ts';
import { runLoops } from './loops.ts';
import type { LatencySamples } from './stats.ts';

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

/**
 * Runs `concurrency` loops calling `append` with batches of `batch` pool values (runLoops,
 * which starts the progress line `label`).
 */
export async function runAppendLoop(
  options: ScenarioOptions,
  label: string,
  batch: number,
  concurrency: number,
  append: (values: Uint8Array[]) => Promise<unknown>,
): Promise<AppendLoopResult> {
  const pool = makePool(options.valueBytes);
  let expectedSum = 0;
  const result = await runLoops(options, label, options.records, concurrency, batch,
    async (at) => {
      const values: Uint8Array[] = [];
      for (let i = 0; i < batch; i++) {
        const value = pool[(at + i) % POOL_SIZE]!;
        expectedSum = (expectedSum + checksumOf(value)) % 2 ** 32;
        values.push(value);
      }
      await append(values);
    });
  return { appended: result.ops, expectedSum, seconds: result.seconds, latency: result.latency,
    peakRssBytes: result.peakRssBytes };
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
