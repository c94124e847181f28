// Measures the memory a consumer group's pending entries take: fills a stream, delivers
// every record to one group without acking, and reports the heap growth per pending entry
// (with the PEL, the due heap and the consumer counts; record data stays on disk).
// Run: node --expose-gc --import tsx bench/stream_memory.ts [entries]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeFs, RealClock, StreamStore } from '../engine/mod.ts';

const entries = Number(process.argv[2] ?? 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const dir = mkdtempSync(join(tmpdir(), 'flo-stream-memory-'));
try {
  const store = await StreamStore.open({ fs: new NodeFs(), clock: new RealClock(), dir,
    durability: 'async' });
  const payload = new Uint8Array(100);
  for (let written = 0; written < entries; written += 1000) {
    const batch = Array.from({ length: Math.min(1000, entries - written) }, () => ({ payload }));
    await store.append('', 'memory', batch);
  }
  await store.groups.create('', 'memory', 'g', { ackTimeoutMs: 3_600_000 });
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let delivered = 0; delivered < entries;) {
    delivered += (await store.groups.read('', 'memory', 'g', 'c', { count: 1000 })).length;
  }
  gc();
  const after = process.memoryUsage().heapUsed;
  const info = await store.groups.info('', 'memory', 'g');
  console.log(`${info.pending} pending entries: ${((after - before) / info.pending).toFixed(1)} ` +
    `bytes each (heap ${((after - before) / 2 ** 20).toFixed(1)} MiB)`);
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
