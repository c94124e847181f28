// Runs the segmented log's crash simulator (engine/testing/log_sim.ts) over a few hundred
// seeds: random concurrent appends, rolls, retention and syncs with crashes at random
// moments; every acknowledged append must survive. A failure names its seed; replay it with
// `npm run sim -- --seed N`. SIM_SEEDS overrides the number of seeds.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLogSim } from '../testing/log_sim.ts';
import { randomSeed } from '../io/prng.ts';

const seeds = Number(process.env['SIM_SEEDS'] ?? 300);

test('log crash simulation: every acknowledged append survives every crash', async () => {
  const start = randomSeed();
  let crashes = 0;
  let checked = 0;
  for (let i = 0; i < seeds; i++) {
    const result = await runLogSim(start + i);
    crashes += result.crashes;
    checked += result.recordsChecked;
  }
  assert.ok(crashes > seeds, `only ${crashes} crashes over ${seeds} seeds (start seed ${start})`);
  assert.ok(checked > 0);
});
