// What a flo-bench scenario is: a name, a description, and a run function that measures
// phases and returns result rows. The row shape is the JSON contract documented in
// docs/benchmarks.md; every scenario (log, kv, stream, queue, action, server) reuses it.

import type { Progress } from './progress.ts';

/** One measured phase (the median run when --runs > 1). Part of the JSON output. */
export interface ResultRow {
  scenario: string;
  phase: string;
  durability: 'sync' | 'async' | 'memory' | 'none' | string;
  batch: number;
  concurrency: number;
  opsPerSec: number;
  mbPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Peak resident set size during the phase, bytes. */
  peakRssBytes?: number;
  /** Bytes on disk after the phase (stores that report it). */
  diskBytes?: number;
  /** LSM phases: bytes written to disk ÷ key and value bytes written. */
  writeAmplification?: number;
  /** LSM phases: bytes on disk ÷ bytes of live data. */
  spaceAmplification?: number;
  /**
   * Server phases: CPU time (user + system, all threads) per op of the server process and
   * of the bench process (the client), µs. Steadier than ops/s on a shared machine.
   */
  serverCpuUsPerOp?: number;
  clientCpuUsPerOp?: number;
  /** For compare rows: the peer measured, its durability setting, and Flo ÷ peer. */
  peer?: string;
  peerDurability?: string;
  ratio?: number;
  /** Free-form notes, e.g. which ops count as one. */
  note?: string;
}

/** Options every scenario receives (from the command line, with defaults applied). */
export interface ScenarioOptions {
  records: number;
  durationMs: number;
  valueBytes: number;
  batches: number[] | null;
  concurrencies: number[] | null;
  durabilities: Array<'sync' | 'async'> | null;
  /** A scratch directory the scenario may fill; removed by the caller afterwards. */
  dir: string;
  quick: boolean;
  /** `flo-bench compare`: also measure the peer stores and report Flo ÷ peer. */
  compare: boolean;
  progress: Progress;
  /**
   * Says why something was not measured (a peer not installed, a durability a peer cannot
   * match). Printed at once and again under the table, and kept in the JSON's `skipped`.
   */
  skip(note: string): void;
}

export interface Scenario {
  name: string;
  description: string;
  run(options: ScenarioOptions): Promise<ResultRow[]>;
}
