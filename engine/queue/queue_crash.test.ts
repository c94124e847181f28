// Runs the queue crash simulator (engine/testing/queue_sim.ts) over many seeds: a
// produce/consume workload with crashes at random moments (MemFs crash clones); no
// acknowledged enqueue is lost, no acknowledged ack comes back (sync mode), every message
// is delivered again after its lease, and seqs are never reused. A failure names its seed;
// replay it with `npm run sim -- --queue --seed N`. SIM_SEEDS overrides the number of seeds.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runQueueSim } from '../testing/queue_sim.ts';
import { randomSeed } from '../io/prng.ts';

const seeds = Number(process.env['SIM_SEEDS'] ?? 120);

test('queue crash simulation: acknowledged work survives every crash', async () => {
  const start = randomSeed();
  let crashes = 0;
  let checked = 0;
  for (let i = 0; i < seeds; i++) {
    const result = await runQueueSim(start + i);
    crashes += result.crashes;
    checked += result.messagesChecked;
  }
  assert.ok(crashes > seeds / 2, `only ${crashes} crashes over ${seeds} seeds (start ${start})`);
  assert.ok(checked > 0, `no message checked (start seed ${start})`);
});
