// The queue's enqueue → dequeue → ack cycle alone, in a fresh process: no latency samples,
// no earlier phases' heap (what `flo-bench queue` adds around the same loop), plus the fsyncs
// the journal made, counted by a FileSystem wrapper. Reproduces the "bare driver" and the
// "fsyncs per second" figures of docs/benchmarks.md (queue section).
// Run: node --import tsx bench/queue_cycles.ts [async|sync] [workers] [seconds] [dir]
// (dir: where the data goes, a temporary directory inside it; default the OS temp dir)

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  NodeFs, QueueStore, RealClock, type Durability, type FileHandle, type FileSystem,
} from '../engine/mod.ts';

const durability = (process.argv[2] ?? 'async') as Durability;
const workers = Number(process.argv[3] ?? 50);
const seconds = Number(process.argv[4] ?? 4);
if (!['async', 'sync'].includes(durability) || !(workers > 0) || !(seconds > 0)) {
  throw new Error('usage: queue_cycles.ts [async|sync] [workers] [seconds] [dir]');
}

// Counts every file fsync and the time it took; everything else goes to NodeFs as is.
const fsyncs = { count: 0, ms: 0 };
function counting(base: FileSystem): FileSystem {
  return new Proxy(base, {
    get(target, property) {
      const value = Reflect.get(target, property) as unknown;
      if (property !== 'openFile' || typeof value !== 'function') {
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (...args: Parameters<FileSystem['openFile']>): FileHandle => {
        const file = target.openFile(...args);
        const sync = file.sync.bind(file);
        file.sync = async () => {
          const startMs = performance.now();
          await sync();
          fsyncs.count += 1;
          fsyncs.ms += performance.now() - startMs;
        };
        return file;
      };
    },
  });
}

const dir = mkdtempSync(join(process.argv[5] ?? tmpdir(), 'flo-queue-cycles-'));
try {
  const store = await QueueStore.open({ fs: counting(new NodeFs()), clock: new RealClock(),
    dir, durability });
  const payload = new Uint8Array(100);
  let cycles = 0;
  const startMs = performance.now();
  const endMs = startMs + seconds * 1000;
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: workers }, async () => {
    while (performance.now() < endMs) {
      await store.enqueue('', 'cycles', payload);
      const [message] = await store.dequeue('', 'cycles', { blockMs: 1000 });
      if (message === undefined) throw new Error('a dequeue found nothing');
      await store.ack('', 'cycles', [message.seq]);
      cycles += 1;
    }
  }));
  const used = process.cpuUsage(cpu);
  // The cycles in flight at the deadline finish after it: divide by the time they took.
  const elapsed = (performance.now() - startMs) / 1000;
  const stats = await store.stats('', 'cycles');
  if (stats.acked !== cycles || stats.ready + stats.leased !== 0) {
    throw new Error(`${cycles} cycles but ${JSON.stringify(stats)}`);
  }
  await store.close();
  const fsyncMs = fsyncs.count === 0 ? 0 : fsyncs.ms / fsyncs.count;
  console.log(`${durability}, ${workers} workers: ${Math.round(cycles / elapsed)} cycles/s, ` +
    `${((used.user + used.system) / cycles).toFixed(1)} µs CPU per cycle, ` +
    `${Math.round(fsyncs.count / elapsed)} fsyncs/s of ${fsyncMs.toFixed(2)} ms`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
