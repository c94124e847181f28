// Runs the tinybench micro-benchmarks (bench/*.bench.ts) and prints their tables:
// `node --import tsx bench/run.ts [--smoke]`. --smoke runs a few iterations only; the test
// bench/run.test.ts does that inside npm test so the benchmarks cannot rot.

import type { Bench } from 'tinybench';
import { logBenchmarks } from './log.bench.ts';
import { lsmTableBenchmarks } from './lsm_table.bench.ts';
import { kvBenchmarks } from './kv.bench.ts';
import { wireBenchmarks } from './wire.bench.ts';

/** Every micro-benchmark suite. */
export const suites: Array<(smoke: boolean) => Promise<Bench>> = [
  logBenchmarks, lsmTableBenchmarks, kvBenchmarks, wireBenchmarks,
];

/** Runs every suite; returns the finished benches. */
export async function runSuites(smoke: boolean): Promise<Bench[]> {
  const benches: Bench[] = [];
  for (const suite of suites) {
    const bench = await suite(smoke);
    await bench.run();
    benches.push(bench);
  }
  return benches;
}

if (process.argv[1]?.endsWith('bench/run.ts')) {
  const benches = await runSuites(process.argv.includes('--smoke'));
  for (const bench of benches) console.table(bench.table());
}
