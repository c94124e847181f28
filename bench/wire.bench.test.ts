// Runs the wire benchmarks at smoke size so they cannot rot. Asserts that each task ran and
// produced numbers, never how fast it was.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runWireBench } from './wire.bench.ts';

test('the wire benchmarks run at smoke size', async () => {
  const results = await runWireBench(true);
  assert.equal(results.length, 4);
  for (const result of results) {
    assert.ok(Number.isFinite(result.perSecond) && result.perSecond > 0, result.name);
  }
});
