// Runs the action crash simulator (engine/testing/action_sim.ts) over many seeds, sync and
// async: after every crash no acknowledged run is lost (sync), a completed run stays
// completed with its own output, and no completed run is handed out again. A failure names
// its seed; replay it with `npm run sim -- --action --seed N`. SIM_SEEDS sets the count.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomSeed } from '../io/prng.ts';
import { runActionSim } from '../testing/action_sim.ts';

const seeds = Number(process.env['SIM_SEEDS'] ?? 60);

test('no run is lost or completed twice across random crashes (sync and async)', async () => {
  const start = randomSeed();
  console.log(`action sim: ${seeds} seeds from ${start}`);
  let crashes = 0;
  let checked = 0;
  const modes = new Set<string>();
  for (let i = 0; i < seeds; i++) {
    const result = await runActionSim(start + i);
    crashes += result.crashes;
    checked += result.runsChecked;
    modes.add(result.durability);
  }
  assert.ok(crashes > seeds, `only ${crashes} crashes over ${seeds} seeds (start ${start})`);
  assert.ok(checked > crashes, `only ${checked} runs checked over ${crashes} crashes`);
  assert.deepEqual([...modes].sort(), ['async', 'sync']);
});
