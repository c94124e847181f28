// Smoke run of every tinybench micro-benchmark (bench/run.ts --smoke): each task must run
// without error, so a benchmark cannot silently rot.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSuites } from './run.ts';

test('every micro-benchmark runs in smoke mode without errors', async () => {
  const benches = await runSuites(true);
  for (const bench of benches) {
    for (const task of bench.tasks) {
      assert.equal(task.result.state, 'completed', task.name);
      assert.ok(task.runs > 0, task.name);
    }
  }
});
