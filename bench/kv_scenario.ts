// The `kv` scenario of flo-bench: Flo's KV store embedded, on the real disk, with the
// workload of bench/kv_workload.ts (batched puts, single puts, random gets, a prefix scan),
// in each durability mode. `flo-bench compare kv` runs the same workload, in the same run,
// against lmdb, classic-level and better-sqlite3 (bench/peers, installed on demand) and
// adds one row per peer and phase with Flo ÷ peer, Flo measured in the durability no weaker
// than the peer's default (sync against fsyncing peers, async against classic-level).
// Each store runs in a child process (bench/kv_child.ts), so peak RSS is per store.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { ChildConfig } from './kv_child.ts';
import { PEERS } from './kv_adapters.ts';
import type { PhaseResult } from './kv_workload.ts';
import { ensurePeerModules } from './peer_modules.ts';
import type { ResultRow, Scenario, ScenarioOptions } from './scenario.ts';

const CHILD = join(import.meta.dirname, 'kv_child.ts');
const ROOT = join(import.meta.dirname, '..');

function runChild(options: ScenarioOptions, config: ChildConfig): PhaseResult[] {
  const label = `kv ${config.store} (${config.durability})`;
  options.progress.start(label, 0);
  const child = spawnSync(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(config)],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = child.stdout.split('\n').filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as PhaseResult & { error?: string });
  const failure = lines.find((line) => line.error !== undefined);
  if (child.status !== 0 || failure !== undefined) {
    throw new Error(`${label} failed: ${failure?.error ?? `exit ${child.status}`}`);
  }
  options.progress.finish(lines.map((line) =>
    `${line.phase} ${Math.round(line.ops / line.seconds).toLocaleString('en-US')}/s`)
    .join(', '));
  return lines;
}

function toRow(options: ScenarioOptions, result: PhaseResult, durability: string): ResultRow {
  const opsPerSec = result.ops / result.seconds;
  return {
    scenario: 'kv', phase: result.phase, durability, batch: result.batch,
    concurrency: result.concurrency, opsPerSec,
    mbPerSec: (opsPerSec * (16 + options.valueBytes)) / 1e6, p50Ms: result.p50Ms,
    p99Ms: result.p99Ms, peakRssBytes: result.peakRssBytes, note: result.note,
    ...(result.diskBytes === undefined ? {} : { diskBytes: result.diskBytes }),
  };
}

export const kvScenario: Scenario = {
  name: 'kv',
  description: 'KV store: batched and single puts, random gets, prefix scan (compare: peers)',
  async run(options) {
    const base = {
      records: options.records, valueBytes: options.valueBytes,
      batch: options.batches?.[0] ?? 1000, window: options.concurrencies?.[0] ?? 64,
      durationMs: options.durationMs,
    };
    const rows: ResultRow[] = [];
    const flo = new Map<string, PhaseResult[]>();
    for (const durability of options.durabilities ?? ['sync', 'async']) {
      const results = runChild(options, { ...base, store: 'flo', durability,
        dir: join(options.dir, `kv-flo-${durability}`) });
      flo.set(durability, results);
      rows.push(...results.map((result) => toRow(options, result, durability)));
    }
    if (!options.compare) return rows;
    if (!ensurePeerModules(options, PEERS.map((peer) => peer.name))) return rows;
    for (const peer of PEERS) {
      const results = runChild(options, { ...base, store: peer.name, durability: peer.floMode,
        dir: join(options.dir, `kv-${peer.name}`) });
      const against = flo.get(peer.floMode) ?? [...flo.values()][0]!;
      for (const result of results) {
        const ours = against.find((candidate) => candidate.phase === result.phase)!;
        rows.push({
          ...toRow(options, result, peer.floMode), peer: peer.name,
          peerDurability: peer.durability,
          ratio: (ours.ops / ours.seconds) / (result.ops / result.seconds),
        });
      }
    }
    return rows;
  },
};
