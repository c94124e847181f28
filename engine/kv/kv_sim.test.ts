// Runs the KV crash simulator (engine/testing/kv_sim.ts) for a few seeds: crashes at random
// moments and at failpoints (WAL write, flush before its manifest edit, manifest before the
// CURRENT rename, mid-compaction), then checks acknowledged writes, deletions, transaction
// atomicity, versions and orphan files. `npm run sim -- --seeds N` runs many more.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runKvSim } from '../testing/kv_sim.ts';
import { randomSeed } from '../io/prng.ts';

test('the KV store keeps every acknowledged write through random crashes', async () => {
  const start = Number(process.env['KV_SIM_SEED'] ?? randomSeed());
  let crashes = 0;
  let flushes = 0;
  let compactions = 0;
  for (let seed = start; seed < start + 12; seed++) {
    const result = await runKvSim(seed).catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : error} ` +
        `(replay: KV_SIM_SEED=${seed} or npm run sim -- --kv --seed ${seed})`);
    });
    crashes += result.crashes;
    flushes += result.flushes;
    compactions += result.compactions;
  }
  assert.ok(crashes >= 12 * 8, `${crashes} crashes`);
  assert.ok(flushes > 12 && compactions > 0, `${flushes} flushes, ${compactions} compactions`);
});
