// Smoke test of flo-bench: every scenario runs with --quick sizes (so scenarios cannot rot),
// verifies its own results, and the report has the documented JSON shape.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runBench, scenarios } from './main.ts';

const rowKeys = ['scenario', 'phase', 'durability', 'batch', 'concurrency', 'opsPerSec',
  'mbPerSec', 'p50Ms', 'p99Ms'];

test('flo-bench --quick runs every scenario and reports the documented shape', async () => {
  const report = await runBench(scenarios.map((scenario) => scenario.name),
    { quick: true, runs: 1, valueBytes: 100, quiet: true });
  assert.equal(typeof report.machine.node, 'string');
  assert.ok(report.machine.cpuCount >= 1);
  assert.ok(report.machine.diskWriteMBps > 0);
  assert.ok(report.machine.fsyncPerSec > 0);
  for (const scenario of scenarios) {
    assert.ok(report.results.some((row) => row.scenario === scenario.name), scenario.name);
  }
  for (const row of report.results) {
    for (const key of rowKeys) assert.ok(key in row, `${row.scenario}/${row.phase} lacks ${key}`);
    assert.ok(Number.isFinite(row.opsPerSec) && row.opsPerSec > 0, `${row.phase} ops/s`);
  }
  const phases = new Set(report.results.map((row) => `${row.scenario}:${row.phase}`));
  assert.ok(phases.has('log:append') && phases.has('log:sequential read') &&
    phases.has('log:time seek'));
  for (const phase of ['put batch 1000', 'random get', 'prefix scan', 'put one at a time']) {
    assert.ok(phases.has(`kv:${phase}`), phase);
  }
  assert.ok(phases.has('lsm:writes (leveled)') && phases.has('lsm:writes (tiered)'));
  const kvPut = report.results.find((row) => row.scenario === 'kv')!;
  assert.ok(kvPut.diskBytes! > 0, 'the kv scenario reports its size on disk');
  const lsm = report.results.filter((row) => row.phase.startsWith('writes'));
  assert.ok(lsm.every((row) => row.writeAmplification! >= 1), 'write amplification >= 1');
  assert.ok(phases.has('queue:enqueue') && phases.has('queue:enqueue→dequeue→ack'));
  assert.ok(phases.has('stream:append') && phases.has('stream:group read + ack') &&
    phases.has('stream:time seek'));
  assert.ok(phases.has('action:invoke→await→complete→result'));
  assert.ok(phases.has('server:queue enqueue→dequeue→ack') &&
    phases.has('server:stream append') && phases.has('server:stream group read + ack'));
});

test('flo-bench refuses an unknown scenario with the list of known ones', async () => {
  await assert.rejects(runBench(['nope'], { runs: 1, valueBytes: 100, quiet: true }),
    /unknown scenario "nope" \(known: log, kv, lsm, queue, stream, action, server/);
});
