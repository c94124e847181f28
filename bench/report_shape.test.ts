// Tests of flo-bench's JSON report shape: the field tables of docs/benchmarks.md match
// bench/report_shape.ts field for field (name, type, optional), checkReport() finds what is
// wrong with a bad report, and a report written by `flo-bench … --json FILE` passes it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from './main.ts';
import { checkReport, MACHINE_SHAPE, ROW_SHAPE, type FieldShape } from './report_shape.ts';

const DOC = join(import.meta.dirname, '..', 'docs', 'benchmarks.md');

// The table after `heading` in the doc: field → shape, from rows like
// | `p50Ms` | number \| null | … |   and   | `peer` | string, optional | … |
function documentedFields(heading: string): Record<string, FieldShape> {
  const text = readFileSync(DOC, 'utf8');
  const at = text.indexOf(heading);
  assert.ok(at >= 0, `docs/benchmarks.md has "${heading}"`);
  const fields: Record<string, FieldShape> = {};
  const lines = text.slice(at).split('\n').slice(1);
  const first = lines.findIndex((line) => line.startsWith('|'));
  for (const line of lines.slice(first)) {
    if (!line.startsWith('|')) break;
    const match = /^\| `(\w+)` \| ((?:[^|\\]|\\\|)+) \|/.exec(line);
    if (match === null) continue; // the header and its rule
    const cell = match[2]!.replaceAll('\\|', '|').trim();
    const required = !cell.endsWith(', optional');
    const type = cell.replace(/, optional$/, '') as FieldShape['type'];
    fields[match[1]!] = { type, required };
  }
  return fields;
}

test('the documented machine and row fields are exactly those checkReport knows', () => {
  assert.deepEqual(documentedFields('Machine fields:'), MACHINE_SHAPE);
  assert.deepEqual(documentedFields('Row fields'), ROW_SHAPE);
});

const machine = {
  node: 'v20', platform: 'linux', cpuModel: 'x', cpuCount: 2, totalMemoryBytes: 1,
  freeMemoryBytes: 1, diskWriteMBps: 1, fsyncPerSec: 1,
};
const row = {
  scenario: 'server', phase: 'ping', durability: 'sync', batch: 1, concurrency: 16,
  opsPerSec: 10, mbPerSec: 0.1, p50Ms: 1, p99Ms: null, runs: 3, minOpsPerSec: 9,
  maxOpsPerSec: 11,
};

test('checkReport accepts a good report and names every problem of a bad one', () => {
  const peerRow = { ...row, peer: 'redis', peerDurability: 'AOF', ratio: 0.5 };
  assert.deepEqual(checkReport({ machine, results: [row, peerRow], skipped: ['x'] }), []);
  assert.deepEqual(checkReport({ machine: { ...machine, cpuCount: '2' }, results: [
    { ...row, p50Ms: undefined, opsPerSec: 12 },
    { ...row, extra: 1 },
    { ...row, peer: 'redis' },
    { ...row, ratio: 2 },
  ], skipped: [], more: true }), [
    'machine.cpuCount is "2", not number',
    'results[0].p50Ms is undefined, not number | null',
    'results[1] has an undocumented field extra',
    'results[2]: a peer row without the peer\'s durability',
    'results[3]: a ratio without a peer',
    'undocumented top-level field more',
  ]);
  assert.deepEqual(checkReport({ machine, results: [{ ...row, opsPerSec: 12 }] }), [
    'results[0]: opsPerSec 12 is outside min-max', 'skipped is not an array of strings',
  ]);
});

test('flo-bench --json writes a report that passes checkReport', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flo-bench-json-'));
  try {
    const file = join(dir, 'report.json');
    let table = '';
    const code = await main(['node', 'flo-bench', 'log', '--quick', '--quiet', '--runs', '2',
      '--dir', dir, '--json', file], { write: (text: string) => (table += text) });
    assert.equal(code, 0);
    assert.match(table, /^machine: Node v\d+/);
    assert.match(table, /\nscenario +phase +durability +batch +conc +ops\/s +min-max +MB\/s/);
    const report = JSON.parse(readFileSync(file, 'utf8')) as { results: Array<{ runs: number }> };
    assert.deepEqual(checkReport(report), []);
    assert.ok(report.results.length > 0 && report.results.every((r) => r.runs === 2));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
