// Smoke test of flo-bench: every scenario runs with --quick sizes (so scenarios cannot rot),
// verifies its own results, and the report has the documented JSON shape (report_shape.ts).
// Also which scenarios a command line selects (`all`, `compare`).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runBench, scenarios, selectScenarios } from './main.ts';
import { checkReport } from './report_shape.ts';

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
  assert.deepEqual(checkReport(JSON.parse(JSON.stringify(report))), []);
  const withoutRss = report.results.filter((row) => !(row.peakRssBytes! > 0));
  assert.deepEqual(withoutRss.map((row) => `${row.scenario}:${row.phase}`), [],
    'every row has its peak RSS (the table\'s column)');
  assert.deepEqual(report.skipped.filter((note) => !note.startsWith('Flo\'s server does not')),
    [], 'nothing but (for now) the KV family of the server is skipped without compare');
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
  assert.ok(phases.has('server:kv put') && phases.has('server:kv get'));
  assert.ok(phases.has('action:invoke→await→complete→result'));
  assert.ok(phases.has('server:queue enqueue→dequeue→ack') &&
    phases.has('server:stream append') && phases.has('server:stream group read + ack'));
});

test('flo-bench refuses an unknown scenario with the list of known ones', async () => {
  await assert.rejects(runBench(['nope'], { runs: 1, valueBytes: 100, quiet: true }),
    /unknown scenario "nope" \(known: log, kv, lsm, queue, stream, action, server/);
});

test('`all` selects every scenario; compare adds the server peers of kv, queue, stream', () => {
  const names = (selected: Array<{ name: string }>) => selected.map((s) => s.name);
  assert.deepEqual(names(selectScenarios(['all'], false)), scenarios.map((s) => s.name));
  assert.deepEqual(names(selectScenarios(['all'], true)), scenarios.map((s) => s.name));
  assert.deepEqual(names(selectScenarios(['log', 'lsm'], true)), ['log', 'lsm']);
  assert.deepEqual(names(selectScenarios(['stream'], false)), ['stream']);
  assert.deepEqual(names(selectScenarios(['stream', 'queue'], true)),
    ['stream', 'queue', 'server']);
  assert.deepEqual(names(selectScenarios(['server', 'stream'], true)), ['server', 'stream']);
});
