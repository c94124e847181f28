// flo-bench: measures Flo's throughput and latency per scenario, prints a table and the
// machine line, and writes JSON ({machine, results}, see docs/benchmarks.md) with --json.
// Every scenario checks what it read back before reporting; a wrong answer fails the run.
// Scenarios register in `scenarios` below; `all` runs every one. `flo-bench compare <s…>` adds
// the peers: embedded stores for kv, Redis and NATS for server (and for kv, queue and stream,
// whose server peers are measured against Flo's server; see selectScenarios).

import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logScenario } from './log_scenario.ts';
import { kvScenario } from './kv_scenario.ts';
import { lsmScenario } from './lsm_scenario.ts';
import { queueScenario } from './queue_scenario.ts';
import { actionScenario } from './action_scenario.ts';
import { FAMILIES, serverScenario, serverScenarioFor } from './server_scenario.ts';
import { streamScenario } from './stream_scenario.ts';
import { describeMachine, probeMachine, type MachineInfo } from './machine.ts';
import { createProgress } from './progress.ts';
import { aggregateRuns, renderTable } from './report.ts';
import type { ResultRow, Scenario, ScenarioOptions } from './scenario.ts';

export const scenarios: Scenario[] = [logScenario, kvScenario, lsmScenario, queueScenario,
  streamScenario, actionScenario, serverScenario];

interface CliOptions {
  records?: number;
  duration?: number;
  valueBytes: number;
  batch?: number[];
  concurrency?: number[];
  durability?: Array<'sync' | 'async'>;
  dir?: string;
  runs: number;
  json?: string;
  quick?: boolean;
  quiet?: boolean;
  /** Measure the peer stores too (`flo-bench compare <scenario>`). */
  compare?: boolean;
}

function positiveInt(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidArgumentError(`expected a positive integer, got "${text}"`);
  }
  return value;
}

function intList(text: string): number[] {
  return text.split(',').map((part) => positiveInt(part.trim()));
}

function durabilityList(text: string): Array<'sync' | 'async'> {
  const values = text.split(',').map((part) => part.trim());
  for (const value of values) {
    if (value !== 'sync' && value !== 'async') {
      throw new InvalidArgumentError(`durability must be sync or async, got "${value}"`);
    }
  }
  return values as Array<'sync' | 'async'>;
}

/** The JSON document --json writes (docs/benchmarks.md; checked by report_shape.ts). */
export interface BenchReport {
  machine: MachineInfo;
  results: ResultRow[];
  /** Why something was not measured (a peer not installed…), each once. */
  skipped: string[];
}

/** The scenarios `names` select; with `compare`, the server peers of kv, queue and stream. */
export function selectScenarios(names: readonly string[], compare: boolean): Scenario[] {
  const selected = names.includes('all') ? [...scenarios] : names.map((name) => {
    const scenario = scenarios.find((candidate) => candidate.name === name);
    if (scenario === undefined) {
      const known = scenarios.map((candidate) => candidate.name).join(', ');
      throw new InvalidArgumentError(`unknown scenario "${name}" (known: ${known}, all)`);
    }
    return scenario;
  });
  // The peers the issue names for queues, streams and KV over the wire (Redis, BullMQ, NATS)
  // are servers: `compare stream` also measures Flo's server against them, that family only.
  // Actions have no peer, so `compare action` adds no server run.
  if (compare && !selected.includes(serverScenario)) {
    const families = FAMILIES.filter((family) => family !== 'action' &&
      selected.some((s) => s.name === family));
    if (families.length > 0) selected.push(serverScenarioFor(families));
  }
  return selected;
}

/** Runs the named scenarios and returns the report (used by the CLI and the smoke test). */
export async function runBench(names: string[], options: CliOptions): Promise<BenchReport> {
  const selected = selectScenarios(names, options.compare ?? false);
  const root = options.dir ?? tmpdir();
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(join(root, 'flo-bench-'));
  const progress = createProgress(process.stderr, options.quiet);
  const skipped: string[] = [];
  try {
    const machine = probeMachine(dir, options.quick ? 100 : 1000);
    progress.note(describeMachine(machine));
    const scenarioOptions: ScenarioOptions = {
      records: options.records ?? (options.quick ? 2000 : 1_000_000),
      durationMs: (options.duration ?? (options.quick ? 0.2 : 3)) * 1000,
      valueBytes: options.valueBytes,
      batches: options.batch ?? null,
      concurrencies: options.concurrency ?? null,
      durabilities: options.durability ?? null,
      dir,
      quick: options.quick ?? false,
      compare: options.compare ?? false,
      progress,
      skip(note) {
        if (skipped.includes(note)) return;
        skipped.push(note);
        progress.note(`NOTE: ${note}`);
      },
    };
    const results: ResultRow[] = [];
    for (const scenario of selected) {
      const runs: ResultRow[][] = [];
      for (let run = 0; run < options.runs; run++) runs.push(await scenario.run(scenarioOptions));
      results.push(...aggregateRuns(runs));
    }
    return { machine, results, skipped };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs flo-bench with `argv` (as process.argv); resolves to the exit code. */
export async function main(argv: string[],
  out: { write(text: string): unknown } = process.stdout): Promise<number> {
  // `flo-bench compare <scenario…>` is the same run with the peer stores measured too.
  const compare = argv[2] === 'compare';
  if (compare) argv = [...argv.slice(0, 2), ...argv.slice(3)];
  const program = new Command(compare ? 'flo-bench compare' : 'flo-bench')
    .description('Measure Flo: scenarios log, kv, lsm, queue, stream, action, server, or ' +
      'all. `flo-bench compare kv` also runs the same workload against lmdb, classic-level ' +
      'and better-sqlite3; `flo-bench compare server` (or queue, stream) runs Flo\'s server ' +
      'against Redis (ioredis, BullMQ) and NATS JetStream when redis-server and nats-server ' +
      'are installed (clients in bench/peers).')
    .argument('<scenario...>', `scenario names: ${scenarios.map((s) => s.name).join(', ')}, all`)
    .option('--records <n>', 'records (or ops) per phase, at most', positiveInt)
    .option('--duration <seconds>', 'time per phase, at most', positiveInt)
    .option('--value-bytes <n>', 'value size in bytes', positiveInt, 100)
    .option('--batch <list>', 'batch sizes, comma-separated (default per scenario)', intList)
    .option('--concurrency <list>', 'concurrent clients, comma-separated', intList)
    .option('--durability <list>', 'sync, async or both (comma-separated)', durabilityList)
    .option('--dir <path>', 'where to put data (a temp dir inside it, removed after)')
    .option('--runs <n>', 'repeat each scenario and report the median', positiveInt, 3)
    .option('--json <file>', 'also write the results as JSON')
    .option('--quick', 'tiny sizes and one run (the smoke test in npm test)')
    .option('--quiet', 'no progress lines or notes on stderr (the table still prints)')
    .exitOverride();
  try {
    program.parse(argv);
    const options = { ...program.opts<CliOptions>(), compare };
    if (options.quick && program.getOptionValueSource('runs') === 'default') options.runs = 1;
    const report = await runBench(program.args, options);
    out.write(`${describeMachine(report.machine)}\n${renderTable(report.results)}`);
    for (const note of report.skipped) out.write(`skipped: ${note}\n`);
    if (options.json !== undefined) {
      writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    process.stderr.write(`flo-bench: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
