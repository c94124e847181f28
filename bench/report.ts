// flo-bench reporting: folds repeated runs into one row per phase (the median run, with the
// min and max ops/s beside it) and renders the final table.

import type { ResultRow } from './scenario.ts';

export interface AggregatedRow extends ResultRow {
  runs: number;
  minOpsPerSec: number;
  maxOpsPerSec: number;
}

/** One row per phase: the run with the median ops/s, plus min and max over the runs. */
export function aggregateRuns(runs: ResultRow[][]): AggregatedRow[] {
  if (runs.length === 0) return [];
  const phases = runs[0]!.length;
  for (const run of runs) {
    if (run.length !== phases) throw new Error('runs of one scenario measured different phases');
  }
  const rows: AggregatedRow[] = [];
  for (let phase = 0; phase < phases; phase++) {
    const samples = runs.map((run) => run[phase]!).sort((a, b) => a.opsPerSec - b.opsPerSec);
    const chosen = samples[(samples.length - 1) >> 1]!;
    rows.push({
      ...chosen,
      runs: samples.length,
      minOpsPerSec: samples[0]!.opsPerSec,
      maxOpsPerSec: samples.at(-1)!.opsPerSec,
    });
  }
  return rows;
}

const integer = (value: number): string => Math.round(value).toLocaleString('en-US');
const millis = (value: number | null): string => (value === null ? '-' : value.toFixed(3));

// Server and client CPU per op, where measured: "4.9|5.4".
const cpuCell = (row: ResultRow): string =>
  row.serverCpuUsPerOp === undefined && row.clientCpuUsPerOp === undefined ? '-'
    : `${row.serverCpuUsPerOp?.toFixed(1) ?? '-'}|${row.clientCpuUsPerOp?.toFixed(1) ?? '-'}`;

/** The final text table. */
export function renderTable(rows: readonly ResultRow[]): string {
  const headers = ['scenario', 'phase', 'durability', 'batch', 'conc', 'ops/s', 'min-max',
    'MB/s', 'p50 ms', 'p99 ms', 'peak RSS MiB', 'cpu µs/op s|c', 'peer', 'ratio'];
  const cells = rows.map((row) => {
    const aggregated = row as Partial<AggregatedRow>;
    const range = aggregated.minOpsPerSec === undefined ? '-'
      : `${integer(aggregated.minOpsPerSec)}-${integer(aggregated.maxOpsPerSec!)}`;
    return [
      row.scenario, row.phase, row.durability, String(row.batch), String(row.concurrency),
      integer(row.opsPerSec), range, row.mbPerSec.toFixed(1), millis(row.p50Ms),
      millis(row.p99Ms),
      row.peakRssBytes === undefined ? '-' : (row.peakRssBytes / 2 ** 20).toFixed(0),
      cpuCell(row),
      row.peer === undefined ? '-' : `${row.peer} (${row.peerDurability ?? '?'})`,
      row.ratio === undefined ? '-' : `${row.ratio.toFixed(2)}×`,
    ];
  });
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...cells.map((row) => row[column]!.length)));
  const line = (values: string[]): string =>
    values.map((value, column) => value.padEnd(widths[column]!)).join('  ').trimEnd();
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}
