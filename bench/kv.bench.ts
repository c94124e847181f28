// Benchmarks of the KV store's operations (tinybench), in memory durability so they measure
// the engine's CPU paths, not the disk: single puts, putMany batches, gets of memtable-
// resident keys, a scan page, incr, a three-key transaction, and the LsmDb write path
// underneath (a 1 000-entry WriteBatch in key order, and in random order). Keys are 16
// random bytes, values 100 bytes. Every task's result is checked once before timing.
// `flo-bench kv` is the end-to-end benchmark on disk, with the peer stores.
//
//   node --import tsx bench/kv.bench.ts [--smoke]   this suite, per-operation rates
//   node --import tsx bench/run.ts [--smoke]        every suite

import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import { KvStore, LsmDb, MemFs, RealClock, WriteBatch } from '../engine/mod.ts';
import { formatLsmBench } from './lsm_table.bench.ts';

function randomBytes(count: number, length: number, seed: number): Uint8Array[] {
  let state = seed >>> 0 || 1;
  return Array.from({ length: count }, () => {
    const bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      bytes[i] = state & 0xff;
    }
    return bytes;
  });
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`kv bench: ${what}`);
}

/** The suite; `smoke` shrinks it to a few iterations (bench/run.test.ts). */
export async function kvBenchmarks(smoke: boolean): Promise<Bench> {
  const loaded = smoke ? 2_000 : 200_000;
  const batch = smoke ? 100 : 1000;
  const keys = randomBytes(loaded, 16, 7);
  const fresh = randomBytes(smoke ? 64 * 100 : 2_000_000, 16, 11);
  const value = randomBytes(1, 100, 3)[0]!;
  const open = (): Promise<KvStore> => KvStore.open({ fs: new MemFs({ trackCrashes: false }),
    clock: new RealClock(), dir: '/kv', durability: 'memory',
    lsm: { memtableBytesMax: 256 << 20 } });
  const kv = await open();
  for (let i = 0; i < loaded; i += 1000) {
    await kv.putMany('', keys.slice(i, i + 1000).map((key) => ({ key, value })));
  }
  const writes = await open();
  const db = await LsmDb.open({ fs: new MemFs({ trackCrashes: false }), clock: new RealClock(),
    dir: '/lsm', durability: 'memory', memtableBytesMax: 1 << 30 });

  // Check the results before timing anything.
  const got = await kv.get('', keys[5]!);
  check(got !== null && got.value.length === 100, 'get finds a loaded key');
  const page = await kv.scan('', '', { limit: 1000 });
  check(page.entries.length === Math.min(1000, loaded) && page.hasMore, 'a full scan page');

  // Prebuilt write batches (the same keys again are new versions): the LSM tasks time
  // db.write alone, sorted batches against random ones.
  const batches = (sorted: boolean): WriteBatch[] => Array.from({ length: 64 }, (_, b) => {
    const batchKeys = fresh.slice(b * batch, (b + 1) * batch);
    if (sorted) batchKeys.sort(Buffer.compare);
    const writeBatch = new WriteBatch();
    for (const key of batchKeys) writeBatch.put(key, value);
    return writeBatch;
  });
  const sortedBatches = batches(true);
  const randomBatches = batches(false);
  let next = 0;
  let cursor = 0;
  let round = 0;
  const take = (): Uint8Array => fresh[(next = (next + 1) % fresh.length)]!;
  const bench = new Bench(smoke
    ? { iterations: 2, time: 0, warmupIterations: 1, throws: true }
    : { time: 1500, throws: true });
  bench
    .add(`kv put ×${batch} (one at a time, awaited together)`, async () => {
      await Promise.all(Array.from({ length: batch }, () => writes.put('', take(), value)));
    })
    .add(`kv putMany ×${batch}`, async () => {
      await writes.putMany('', Array.from({ length: batch }, () => ({ key: take(), value })));
    })
    .add(`kv get ×${batch}, memtable-resident`, async () => {
      const gets = [];
      for (let i = 0; i < batch; i++) {
        cursor = (cursor + 7919) % loaded;
        gets.push(kv.get('', keys[cursor]!));
      }
      await Promise.all(gets);
    })
    .add('kv scan page ×1000', async () => {
      await kv.scan('', '', { limit: 1000 });
    })
    .add(`kv incr ×${batch}`, async () => {
      await Promise.all(Array.from({ length: batch }, (_, i) => writes.incr('', `n${i % 16}`)));
    })
    .add('kv transaction of 3 puts ×1', async () => {
      const txn = await writes.beginTxn('');
      for (let i = 0; i < 3; i++) await writes.put('', take(), value, { txnId: txn });
      await writes.commitTxn('', txn);
    })
    .add(`lsm write batch ×${batch}, keys in order`, async () => {
      await db.write(sortedBatches[(round = (round + 1) % 64)]!).durable;
    })
    .add(`lsm write batch ×${batch}, keys in random order`, async () => {
      await db.write(randomBatches[(round = (round + 1) % 64)]!).durable;
    });
  bench.addEventListener('complete', () => {
    void Promise.all([kv.close(), writes.close(), db.close()]);
  });
  return bench;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const bench = await kvBenchmarks(process.argv.includes('--smoke'));
  await bench.run();
  console.log(formatLsmBench(bench));
}
