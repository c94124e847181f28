// The KV store's crash simulator: a seeded workload of concurrent puts, deletes and
// transactions on a KvStore in sync mode, with tiny memtables so background flushes,
// compactions, WAL segment drops and manifest rewrites run all the time; crashes are taken
// at random moments as MemFs crash clones (synced bytes plus a random prefix of the rest,
// torn writes included), sometimes at an armed failpoint: during a WAL write, between a
// table's write and its manifest edit, between a manifest write and the CURRENT rename, in
// the middle of a compaction. After each crash the clone is reopened and checked:
// - every acknowledged write is there, and a deleted key never comes back: each key holds
//   its last acknowledged state or the state of a write still in flight at the crash;
// - a transaction is all or nothing (its keys all hold its token, or none does);
// - versions go on above every version handed out;
// - no orphan file remains (every table is live, one manifest, no temporary files).
// Used by kv_sim.test.ts (a few seeds) and `npm run sim -- --seeds N`.

import { MemFs } from '../io/mem_fs.ts';
import { ManualClock } from '../io/clock.ts';
import { Prng } from '../io/prng.ts';
import { armFailpoint, disarmAllFailpoints, SimulatedCrash } from '../io/failpoint.ts';
import { KvStore } from '../kv/kv_store.ts';

export interface KvSimResult {
  seed: number;
  ops: number;
  crashes: number;
  failpointCrashes: number;
  /** Failpoints that fired (the others were armed but not reached). */
  failpointsFired: number;
  /** Background work done before the crashes (the simulation must exercise it). */
  flushes: number;
  compactions: number;
}

const FAILPOINTS = [
  'lsm.flush.before-manifest', 'lsm.compaction.step', 'lsm.compaction.outputs-synced',
  'lsm.compaction.before-manifest', 'lsm.manifest.before-sync',
  'lsm.manifest.before-current-rename', 'log.roll.before-create', 'log.roll.after-create',
];
const SINGLE_KEYS = Array.from({ length: 12 }, (_, i) => `k${i}`);
const TXN_KEYS = ['t/a', 't/b', 't/c'];

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function openStore(fs: MemFs, clock: ManualClock): Promise<KvStore> {
  return KvStore.open({ fs, clock, dir: '/kv', durability: 'sync', lsm: {
    memtableBytesMax: 32 * 1024, l0CompactionTrigger: 2, levelBytesBase: 48 * 1024,
    tableBytesTarget: 16 * 1024, walSegmentBytes: 8 * 1024, manifestBytesMax: 1024,
    blockBytes: 512,
  } });
}

type WriteRecord = { state: string | null; acked: boolean };

// The workload's bookkeeping. Per key: its state at the last reopen, and the writes issued
// since, in WAL order, each marked once acknowledged. Acknowledgements that arrive after
// the crash clone was taken (a later generation) do not count.
class Ledger {
  readonly base = new Map<string, string | null>();
  writes = new Map<string, WriteRecord[]>();
  maxVersion = 0;
  tokens = 0;
  generation = 0;

  // `apply` must call `record` right before the call that appends to the WAL (a single op
  // at once; a transaction at its commit), so records are in WAL order.
  issue(keys: string[], state: string | null,
    apply: (record: () => void) => Promise<unknown>): Promise<void> {
    const issuedIn = this.generation;
    const records = keys.map(() => ({ state, acked: false }));
    const record = (): void => keys.forEach((key, index) => {
      if (!this.writes.has(key)) this.writes.set(key, []);
      this.writes.get(key)!.push(records[index]!);
    });
    return apply(record).then((version) => {
      if (issuedIn !== this.generation) return;
      for (const written of records) written.acked = true;
      if (typeof version === 'number') this.maxVersion = Math.max(this.maxVersion, version);
    }, () => undefined);
  }
}

// Issues a burst of concurrent puts, deletes and transactions with event-loop turns between.
async function burst(prng: Prng, kv: KvStore, ledger: Ledger, count: number):
  Promise<Array<Promise<void>>> {
  const inflight: Array<Promise<void>> = [];
  for (let i = 0; i < count; i++) {
    const action = prng.int(0, 100);
    if (action < 60) {
      const key = prng.pick(SINGLE_KEYS);
      const value = `v${ledger.tokens++}-${'x'.repeat(prng.pick([0, 10, 300, 2000, 6000]))}`;
      inflight.push(ledger.issue([key], value, (record) => {
        record();
        return kv.put('', key, value);
      }));
    } else if (action < 80) {
      const key = prng.pick(SINGLE_KEYS);
      inflight.push(ledger.issue([key], null, (record) => {
        record();
        return kv.delete('', key);
      }));
    } else {
      const token = `txn${ledger.tokens++}`;
      inflight.push(ledger.issue(TXN_KEYS, token, async (record) => {
        const txn = await kv.beginTxn('');
        for (const key of TXN_KEYS) await kv.put('', key, token, { txnId: txn });
        record();
        return (await kv.commitTxn('', txn)).version;
      }));
    }
    if (prng.chance(0.3)) for (let t = prng.int(0, 5); t > 0; t--) await turn();
  }
  return inflight;
}

/** Runs one seeded simulation; throws an Error naming the seed when an invariant breaks. */
export async function runKvSim(seed: number, rounds = 8): Promise<KvSimResult> {
  const prng = new Prng(seed);
  const clock = new ManualClock();
  let fs = new MemFs();
  let kv = await openStore(fs, clock);
  const result: KvSimResult = { seed, ops: 0, crashes: 0, failpointCrashes: 0,
    failpointsFired: 0, flushes: 0, compactions: 0 };
  const fail = (message: string): never => {
    throw new Error(`kv sim seed ${seed}: ${message}`);
  };
  const ledger = new Ledger();
  try {
    for (let round = 0; round < rounds; round++) {
      const disarm = prng.chance(0.4)
        ? armRandomFailpoint(prng, () => result.failpointsFired++) : null;
      const count = prng.int(5, 60);
      result.ops += count;
      const inflight = await burst(prng, kv, ledger, count);
      for (let t = prng.int(0, 40); t > 0; t--) await turn();
      if (prng.chance(0.2)) await Promise.allSettled(inflight);
      // The crash: the clone is what a power cut leaves; the old instance is abandoned.
      const crashed = fs.crashClone(prng, { zeroFill: prng.chance(0.3) });
      ledger.generation += 1;
      disarm?.();
      if (disarm !== null) result.failpointCrashes += 1;
      result.crashes += 1;
      const stats = kv.db.stats();
      result.flushes += stats.flushes;
      result.compactions += stats.compactions + stats.trivialMoves;
      const old = kv;
      kv = await openStore(crashed, clock).catch((error: unknown) => fail(`reopen: ${error}`));
      fs = crashed;
      await old.close().catch(() => undefined);
      await Promise.allSettled(inflight);
      await check(kv, fs, ledger, fail);
      ledger.writes = new Map();
    }
  } finally {
    disarmAllFailpoints();
    await kv.close();
  }
  return result;
}

function armRandomFailpoint(prng: Prng, fired: () => void): () => void {
  const name = prng.pick(FAILPOINTS);
  let countdown = prng.int(0, 3);
  return armFailpoint(name, () => {
    if (countdown-- !== 0) return;
    fired();
    throw new SimulatedCrash(name);
  });
}

// Compares the reopened store with what may have survived (the newest acknowledged write of
// each key, or any write after it), then makes what it holds the new base state.
async function check(kv: KvStore, fs: MemFs, ledger: Ledger, fail: (m: string) => never):
  Promise<void> {
  const { base, writes, maxVersion } = ledger;
  for (const key of [...SINGLE_KEYS, ...TXN_KEYS]) {
    const entry = await kv.get('', key);
    const actual = entry === null ? null : new TextDecoder().decode(entry.value);
    const history = writes.get(key) ?? [];
    const lastAcked = history.map((write) => write.acked).lastIndexOf(true);
    const allowed = [lastAcked < 0 ? base.get(key) ?? null : history[lastAcked]!.state,
      ...history.slice(lastAcked + 1).map((write) => write.state)];
    if (!allowed.includes(actual)) {
      fail(`key ${key} holds ${actual?.slice(0, 12)}; may hold ` +
        `${JSON.stringify(allowed.map((state) => state?.slice(0, 12) ?? null))}`);
    }
    base.set(key, actual);
  }
  const tokens = new Set(TXN_KEYS.map((key) => base.get(key) ?? null));
  if (tokens.size !== 1) fail(`a transaction was torn: ${JSON.stringify([...tokens])}`);
  if (kv.nextVersion <= maxVersion) fail(`next version ${kv.nextVersion} <= ${maxVersion}`);
  const files = fs.list('/kv');
  const tables = files.filter((name) => name.endsWith('.sst')).length;
  const live = kv.db.stats().levels.reduce((sum, level) => sum + level.tables, 0);
  const manifests = files.filter((name) => name.startsWith('MANIFEST-')).length;
  if (tables !== live || manifests !== 1 || files.some((name) => name.endsWith('.tmp'))) {
    fail(`orphans after reopen: ${files.join(' ')} (live tables ${live})`);
  }
}
