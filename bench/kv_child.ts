// One store's run of the `kv` benchmark, in a process of its own (so each store's peak RSS
// is its own): `node --import tsx bench/kv_child.ts '<json config>'`. Prints one JSON line
// per phase on stdout, or {"error": …} and exits 1. Spawned by bench/kv_scenario.ts.

import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Durability } from '../engine/mod.ts';
import { adapterFor } from './kv_adapters.ts';
import {
  Dataset, getPhase, putBatchedPhase, putSinglePhase, scanPhase, type PhaseResult,
} from './kv_workload.ts';

export interface ChildConfig {
  store: string;
  durability: Durability;
  dir: string;
  records: number;
  valueBytes: number;
  batch: number;
  window: number;
  durationMs: number;
}

function diskBytes(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + diskBytes(join(path, name)), 0);
}

async function run(config: ChildConfig): Promise<PhaseResult[]> {
  const data = new Dataset(config.records, config.valueBytes);
  const results: PhaseResult[] = [];
  const loaded = join(config.dir, 'loaded');
  mkdirSync(loaded, { recursive: true });
  const store = adapterFor(config.store, config.durability);
  await store.open(loaded);
  const put = await putBatchedPhase(store, data, config.batch);
  results.push(put);
  results.push(await getPhase(store, data, config.window));
  results.push(await scanPhase(store, data));
  await store.close();
  put.diskBytes = diskBytes(loaded);
  put.note += `; on disk ${(put.diskBytes / 2 ** 20).toFixed(1)} MiB after close`;
  rmSync(loaded, { recursive: true, force: true });
  const single = join(config.dir, 'single');
  mkdirSync(single, { recursive: true });
  const again = adapterFor(config.store, config.durability);
  await again.open(single);
  results.push(await putSinglePhase(again, data, config.window, config.durationMs));
  await again.close();
  rmSync(single, { recursive: true, force: true });
  return results;
}

if (process.argv[1]?.endsWith('kv_child.ts')) {
  try {
    const results = await run(JSON.parse(process.argv[2]!) as ChildConfig);
    for (const result of results) process.stdout.write(`${JSON.stringify(result)}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ error: error instanceof Error
      ? error.stack ?? error.message : String(error) })}\n`);
    process.exitCode = 1;
  }
}
