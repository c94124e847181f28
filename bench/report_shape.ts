// The shape of flo-bench's JSON report (--json FILE), as data: every field of `machine` and of
// a result row, its type, and whether it is always there. checkReport() returns what is wrong
// with a parsed report (nothing, for a good one). docs/benchmarks.md documents the same fields
// in tables that bench/report_shape.test.ts compares with these, so the two cannot drift.

/** A field's JSON type: "number | null" is a number, or null where it has no meaning. */
export type FieldType = 'string' | 'number' | 'number | null';

export interface FieldShape {
  type: FieldType;
  required: boolean;
}

const field = (type: FieldType, required = true): FieldShape => ({ type, required });

export const MACHINE_SHAPE: Readonly<Record<string, FieldShape>> = {
  node: field('string'),
  platform: field('string'),
  cpuModel: field('string'),
  cpuCount: field('number'),
  totalMemoryBytes: field('number'),
  freeMemoryBytes: field('number'),
  diskWriteMBps: field('number'),
  fsyncPerSec: field('number'),
};

export const ROW_SHAPE: Readonly<Record<string, FieldShape>> = {
  scenario: field('string'),
  phase: field('string'),
  durability: field('string'),
  batch: field('number'),
  concurrency: field('number'),
  opsPerSec: field('number'),
  mbPerSec: field('number'),
  p50Ms: field('number | null'),
  p99Ms: field('number | null'),
  runs: field('number'),
  minOpsPerSec: field('number'),
  maxOpsPerSec: field('number'),
  peakRssBytes: field('number', false),
  diskBytes: field('number', false),
  writeAmplification: field('number', false),
  spaceAmplification: field('number', false),
  serverCpuUsPerOp: field('number', false),
  clientCpuUsPerOp: field('number', false),
  peer: field('string', false),
  peerDurability: field('string', false),
  ratio: field('number', false),
  note: field('string', false),
};

function fits(value: unknown, type: FieldType): boolean {
  if (value === null) return type === 'number | null';
  if (type === 'string') return typeof value === 'string';
  return typeof value === 'number' && Number.isFinite(value);
}

function checkObject(value: unknown, shape: Readonly<Record<string, FieldShape>>,
  where: string, problems: string[]): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`${where} is not an object`);
    return false;
  }
  const record = value as Record<string, unknown>;
  for (const [name, { type, required }] of Object.entries(shape)) {
    if (!(name in record)) {
      if (required) problems.push(`${where} lacks ${name}`);
    } else if (!fits(record[name], type)) {
      problems.push(`${where}.${name} is ${JSON.stringify(record[name])}, not ${type}`);
    }
  }
  for (const name of Object.keys(record)) {
    if (!(name in shape)) problems.push(`${where} has an undocumented field ${name}`);
  }
  return true;
}

// What holds between a row's fields beyond their types.
function checkRow(row: Record<string, unknown>, where: string, problems: string[]): void {
  const ops = row.opsPerSec as number;
  if (!(ops > 0)) problems.push(`${where}: opsPerSec ${ops} is not positive`);
  if (!((row.minOpsPerSec as number) <= ops && ops <= (row.maxOpsPerSec as number))) {
    problems.push(`${where}: opsPerSec ${ops} is outside min-max`);
  }
  if ('peer' in row && !('peerDurability' in row)) {
    problems.push(`${where}: a peer row without the peer's durability`);
  }
  if ('ratio' in row && !('peer' in row)) problems.push(`${where}: a ratio without a peer`);
}

/** What is wrong with `report` against the documented shape; [] when nothing is. */
export function checkReport(report: unknown): string[] {
  const problems: string[] = [];
  if (typeof report !== 'object' || report === null) return ['the report is not an object'];
  const { machine, results, skipped, ...rest } = report as Record<string, unknown>;
  checkObject(machine, MACHINE_SHAPE, 'machine', problems);
  if (!Array.isArray(results)) {
    problems.push('results is not an array');
  } else {
    results.forEach((row: unknown, index) => {
      const where = `results[${index}]`;
      const before = problems.length;
      if (checkObject(row, ROW_SHAPE, where, problems) && problems.length === before) {
        checkRow(row, where, problems);
      }
    });
  }
  if (!Array.isArray(skipped) || skipped.some((note) => typeof note !== 'string')) {
    problems.push('skipped is not an array of strings');
  }
  for (const name of Object.keys(rest)) problems.push(`undocumented top-level field ${name}`);
  return problems;
}
