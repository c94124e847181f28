// The `action` scenario of flo-bench: actions embedded (openFlo on the real disk), full run
// round trips invoke → awaitTask → complete → awaitResult, with 1 and 16 concurrent loops
// (each loop is one client and one worker), in async and sync durability. A worker takes
// whichever task is first in line (not necessarily its own loop's), so the loops also test
// FIFO hand-out under contention. Every result is checked: each run's awaitResult must be
// completed with exactly the output its worker computed from its input, and at the end the
// store must hold no pending or running run.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openFlo, type Durability, type Flo } from '../engine/mod.ts';
import type { ResultRow, Scenario, ScenarioOptions } from './scenario.ts';
import { runLoops, type LoopResult } from './loops.ts';

const ACTION = 'bench';

// Input i carries i in its first four bytes; the worker's output is the input with its first
// byte complemented, so a result can be checked against the run that produced it.
function inputFor(index: number, valueBytes: number): Uint8Array {
  const value = new Uint8Array(Math.max(4, valueBytes)).fill(0x61);
  new DataView(value.buffer).setUint32(0, index, true);
  return value;
}

function outputFor(input: Uint8Array): Uint8Array {
  const output = input.slice();
  output[0] = ~output[0]! & 0xff;
  return output;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

// One round trip of loop `worker`: invoke a run, take a task (any run's), complete it, then
// wait for this loop's own run to finish and check its output.
async function roundTrip(flo: Flo, worker: string, index: number, valueBytes: number,
  label: string): Promise<void> {
  const input = inputFor(index, valueBytes);
  const runId = await flo.action.invoke('', ACTION, input);
  const task = await flo.action.awaitTask('', worker, [ACTION], { blockMs: 5000 });
  if (task === null) throw new Error(`${label}: an await found no task`);
  await flo.action.complete('', task.taskId, outputFor(task.input));
  const run = await flo.action.awaitResult('', runId, { blockMs: 5000 });
  if (run.status !== 'completed' || run.output === null ||
    !sameBytes(run.output, outputFor(input)) || run.attempts !== 1) {
    throw new Error(`${label}: run ${runId} ended ${run.status} after ${run.attempts} ` +
      'attempts with a wrong output');
  }
}

async function roundTripPhase(options: ScenarioOptions, durability: Durability,
  concurrency: number): Promise<ResultRow> {
  const dir = join(options.dir, `action-${durability}-${concurrency}`);
  rmSync(dir, { recursive: true, force: true });
  const flo = await openFlo({ dir, durability });
  await flo.action.register('', ACTION, { timeoutMs: 60_000 });
  const label = `action round trip ${durability} × ${concurrency}`;
  const result = await runLoops(options, label, options.records, concurrency, 1,
    (index, loop) => roundTrip(flo, `worker-${loop}`, index, options.valueBytes, label));
  await verifyNothingLeft(flo, result.ops, label);
  await flo.close();
  rmSync(dir, { recursive: true, force: true });
  return row(options, result, durability, concurrency);
}

// Every run of the phase is completed: the run list holds `count` runs, none active.
async function verifyNothingLeft(flo: Flo, count: number, label: string): Promise<void> {
  let runs = 0;
  let cursor: Uint8Array | undefined;
  for (;;) {
    const page = await flo.action.listRuns('', ACTION, { limit: 1000, cursor });
    for (const run of page.runs) {
      if (run.status !== 'completed') throw new Error(`${label}: run ${run.runId} ${run.status}`);
    }
    runs += page.runs.length;
    if (!page.hasMore) break;
    cursor = page.cursor;
  }
  if (runs !== count) throw new Error(`${label}: ${runs} runs listed, want ${count}`);
}

function row(options: ScenarioOptions, result: LoopResult, durability: Durability,
  concurrency: number): ResultRow {
  const opsPerSec = result.ops / result.seconds;
  options.progress.finish(`${Math.round(opsPerSec).toLocaleString('en-US')} runs/s`);
  return {
    scenario: 'action', phase: 'invoke→await→complete→result', durability, batch: 1,
    concurrency, opsPerSec, mbPerSec: (opsPerSec * options.valueBytes) / 1e6,
    p50Ms: result.latency.percentile(50), p99Ms: result.latency.percentile(99),
    peakRssBytes: result.peakRssBytes,
    note: 'ops = completed runs (invoke, awaitTask, complete, awaitResult); latency per run',
  };
}

export const actionScenario: Scenario = {
  name: 'action',
  description: 'actions: invoke→awaitTask→complete→awaitResult round trips (async/sync)',
  async run(options) {
    const durabilities = options.durabilities ?? ['async', 'sync'];
    const concurrencies = options.concurrencies ?? [1, 16];
    const rows: ResultRow[] = [];
    for (const durability of durabilities) {
      for (const concurrency of concurrencies) {
        rows.push(await roundTripPhase(options, durability, concurrency));
      }
    }
    return rows;
  },
};
