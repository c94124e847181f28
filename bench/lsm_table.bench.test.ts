// Runs the LSM table benchmarks at smoke sizes so they cannot rot: every task must run and
// pass its result checks. Speed is never asserted here.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLsmBench, runLsmTableBench } from './lsm_table.bench.ts';

test('the LSM table benchmarks run at smoke sizes and check their results', async () => {
  const rows = await runLsmTableBench({ smoke: true });
  assert.deepEqual(rows.map((row) => row.name.split(' (')[0]), [
    'memtable insert', 'table build', 'table get, block cache hot', 'table get, no block cache',
    'table get, absent key', 'table scan', 'merged snapshot scan of 4 tables',
  ]);
  for (const row of rows) {
    assert.ok(row.opsPerSecond > 0, row.name);
    assert.ok(row.samples >= 1, row.name);
  }
  assert.match(formatLsmBench(rows), /^Node v\d+/);
});
