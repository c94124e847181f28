// The segmented log's crash simulator (TigerBeetle's VOPR, scaled down): a seeded workload of
// concurrent appends of random batches, rolls (small segments), retention and explicit
// syncs, interleaved with event-loop turns, and crashes taken at random moments as MemFs
// crash clones (synced bytes plus a random prefix of the rest, torn writes included). After
// each crash the clone is reopened and checked:
// - every append acknowledged before the crash (sync mode; in async mode, every append
//   covered by a completed sync()) is there, intact, at its offset;
// - no record exists that was never appended, and offsets are dense from firstOffset;
// - appends continue at the recovered next offset.
// Used by crash_sim.test.ts (a few hundred seeds) and `npm run sim -- --seeds N`.

import { MemFs } from '../io/mem_fs.ts';
import { ManualClock } from '../io/clock.ts';
import { Prng } from '../io/prng.ts';
import { SegmentedLog, type Durability } from '../log/segmented_log.ts';
import { equalBytes } from '../codec/bytes.ts';

export interface LogSimResult {
  seed: number;
  appends: number;
  crashes: number;
  recordsChecked: number;
}

// The value of the record at `offset`: derived from the offset, so any byte out of place or
// any record at the wrong offset is caught.
function valueFor(offset: number, length: number): Uint8Array {
  const value = new Uint8Array(length);
  for (let i = 0; i < length; i++) value[i] = (offset * 31 + i * 7) & 0xff;
  return value;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs one seeded simulation; throws an Error naming the seed when an invariant breaks. */
export async function runLogSim(seed: number, steps = 120): Promise<LogSimResult> {
  const prng = new Prng(seed);
  const durability: Durability = prng.chance(0.75) ? 'sync' : 'async';
  let fs = new MemFs();
  const clock = new ManualClock(1_700_000_000_000);
  const open = (files: MemFs) => SegmentedLog.open({
    fs: files, clock, dir: '/sim/log', durability, segmentBytes: 4096,
    indexIntervalBytes: prng.pick([64, 512, 4096]),
    compression: prng.chance(0.3) ? 'lz4' : 'none', syncIntervalMs: 50,
  });
  let log = await open(fs);
  // Every offset below `acked` is durable: in sync mode once its append resolved, in async
  // mode only once a later sync() resolved (an async acknowledgement may be lost in a crash).
  let acked = 0;
  const lengths = new Map<number, number>();
  const result: LogSimResult = { seed, appends: 0, crashes: 0, recordsChecked: 0 };
  const fail = (message: string): never => {
    throw new Error(`log sim seed ${seed}: ${message}`);
  };
  for (let step = 0; step < steps; step++) {
    const action = prng.int(0, 100);
    if (action < 55) {
      const count = prng.int(1, 6);
      const base = log.nextOffset;
      const records = Array.from({ length: count }, (_, i) => {
        const length = prng.pick([0, 1, 50, 200, 1500]);
        lengths.set(base + i, length);
        return { value: valueFor(base + i, length) };
      });
      const appended = log.appendNow(records);
      result.appends += 1;
      const end = base + count;
      appended.durable.then(() => {
        if (durability === 'sync') acked = Math.max(acked, end);
      }, () => undefined);
    } else if (action < 80) {
      for (let i = prng.int(0, 4); i > 0; i--) await turn();
      clock.advance(prng.int(0, 60));
    } else if (action < 85) {
      await log.applyRetention();
      log.setRetention(prng.chance(0.5) ? { maxRecords: prng.int(10, 200) } : {});
    } else if (action < 90) {
      const end = log.nextOffset;
      await log.sync();
      acked = Math.max(acked, end);
    } else {
      const crashed = fs.crashClone(prng, { zeroFill: prng.chance(0.3) });
      const firstAtCrash = log.firstOffset;
      const ackedAtCrash = acked;
      result.crashes += 1;
      const reopened = await open(crashed).catch((error: unknown) => fail(`reopen: ${error}`));
      if (reopened.firstOffset > firstAtCrash) {
        fail(`first offset ${reopened.firstOffset} > ${firstAtCrash}`);
      }
      if (reopened.nextOffset < ackedAtCrash) {
        fail(`acknowledged ${ackedAtCrash} but recovered only up to ${reopened.nextOffset}`);
      }
      const records = await reopened.read(reopened.firstOffset,
        { maxRecords: 100_000, maxBytes: 1 << 30 });
      records.forEach((record, index) => {
        const offset = reopened.firstOffset + index;
        if (record.offset !== offset) fail(`record ${index} has offset ${record.offset}`);
        const expected = valueFor(offset, lengths.get(offset) ?? -1);
        if (!equalBytes(record.value, expected)) fail(`record at ${offset} is damaged`);
      });
      if (reopened.firstOffset + records.length !== reopened.nextOffset) fail('offsets not dense');
      result.recordsChecked += records.length;
      // Continue the workload on the crashed file system, as a restarted process would.
      await log.close().catch(() => undefined);
      log = reopened;
      acked = log.nextOffset;
      fs = crashed;
    }
  }
  await log.close();
  return result;
}
