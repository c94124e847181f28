// Runs the stream crash simulator (engine/testing/stream_sim.ts) over a few dozen seeds: a
// produce / consume / ack workload with crashes at random moments; after each, acknowledged
// appends are intact, sequences are not reused, durably acked records never come back and
// every other record is delivered again. A failure names its seed; replay it with
// `npm run sim -- --seed N --stream`. SIM_SEEDS overrides the number of seeds.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runStreamSim } from '../testing/stream_sim.ts';
import { randomSeed } from '../io/prng.ts';

const seeds = Number(process.env['SIM_SEEDS'] ?? 60);

test('stream crash simulation: acked appends survive, acked records never return', async () => {
  const start = randomSeed();
  let crashes = 0;
  let checked = 0;
  let redelivered = 0;
  for (let i = 0; i < seeds; i++) {
    const result = await runStreamSim(start + i);
    crashes += result.crashes;
    checked += result.recordsChecked;
    redelivered += result.redelivered;
  }
  assert.ok(crashes >= seeds / 2, `only ${crashes} crashes over ${seeds} seeds (from ${start})`);
  assert.ok(checked > 0 && redelivered > 0, `checked ${checked}, redelivered ${redelivered}`);
});
