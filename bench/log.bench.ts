// tinybench micro-benchmarks of the segmented log's CPU path, on MemFs in memory mode so the
// disk is out of the picture: append of one 100-byte record, append of a 100-record batch,
// and a 1000-record read. `node --import tsx bench/run.ts` runs every *.bench.ts; --smoke
// runs tiny iterations (bench/run.test.ts, inside npm test).

import { Bench } from 'tinybench';
import { ManualClock, MemFs, SegmentedLog } from '../engine/mod.ts';

export async function logBenchmarks(smoke: boolean): Promise<Bench> {
  const bench = new Bench(smoke ? { iterations: 5, time: 0, warmupIterations: 1, throws: true }
    : { time: 1000, throws: true });
  const fs = new MemFs({ trackCrashes: false });
  const log = await SegmentedLog.open({
    fs, clock: new ManualClock(), dir: '/bench', durability: 'memory', segmentBytes: 64 << 20,
  });
  const value = new Uint8Array(100).fill(7);
  const single = [{ value }];
  const hundred = Array.from({ length: 100 }, () => ({ value }));
  for (let i = 0; i < 100; i++) await log.append(hundred);
  bench
    .add('log append 1 × 100 B (memory)', async () => {
      await log.append(single);
    })
    .add('log append batch of 100 × 100 B (memory)', async () => {
      await log.append(hundred);
    })
    .add('log read 1000 records', () => {
      const records = log.readAvailable(0, { maxRecords: 1000 });
      if (records.length !== 1000) throw new Error(`read ${records.length} records`);
    });
  return bench;
}
