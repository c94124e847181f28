// The `kv` benchmark's workload, the same for Flo and for every peer store (lmdb,
// classic-level, better-sqlite3): N puts of 16-byte keys and 100-byte values in random
// order, batched and one at a time; N random gets of existing keys; a prefix scan of a
// tenth of the keys. Every phase checks what it read (values, counts, key order) before it
// reports: a wrong answer fails the run. Keys and values come from a seeded generator, so
// every store sees the same data. Runs inside bench/kv_child.ts, one store per process.

import { LatencySamples, trackPeakRss } from './stats.ts';

/** What a store must offer the workload. Sync stores may return plain values. */
export interface KvAdapter {
  /** e.g. "flo", "lmdb". */
  readonly name: string;
  /** How durable an acknowledged write is, in the store's own terms. */
  readonly durability: string;
  open(dir: string): Promise<void>;
  /** Writes keys[i] = values[i] for i in [start, start + count) as one batch. */
  putBatch(data: Dataset, start: number, count: number): Promise<void>;
  /** Writes one key; the workload keeps `window` of these in flight. */
  put(key: Uint8Array, value: Uint8Array): Promise<void> | void;
  get(key: Uint8Array): Promise<Uint8Array | null | undefined> | Uint8Array | null | undefined;
  /** Visits the keys starting with `prefix` in order, returns how many it visited. */
  scan(prefix: Uint8Array, visit: (key: Uint8Array, value: Uint8Array) => void): Promise<number>;
  close(): Promise<void>;
  /** True when put returns a promise (puts are then issued `window` at a time). */
  readonly asyncPuts: boolean;
  /** True when get returns a promise (gets are then issued `window` at a time). */
  readonly asyncGets: boolean;
}

export interface PhaseResult {
  phase: string;
  ops: number;
  seconds: number;
  batch: number;
  concurrency: number;
  p50Ms: number | null;
  p99Ms: number | null;
  peakRssBytes: number;
  diskBytes?: number;
  note: string;
}

/** Keys (16 bytes: byte 0 is i % 10, the scan groups; the rest random) and values. */
export class Dataset {
  readonly count: number;
  readonly keyBytes = 16;
  private readonly keys: Uint8Array;
  private readonly pool: Uint8Array[];

  constructor(count: number, valueBytes: number, seed = 0x5eed) {
    this.count = count;
    let state = seed >>> 0 || 1;
    const next = (): number => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return state >>> 0;
    };
    this.keys = new Uint8Array(count * this.keyBytes);
    for (let i = 0; i < this.keys.length; i++) this.keys[i] = next() & 0xff;
    for (let i = 0; i < count; i++) this.keys[i * this.keyBytes] = i % 10;
    this.pool = Array.from({ length: 4096 }, () => {
      const value = new Uint8Array(valueBytes);
      for (let j = 0; j < valueBytes; j++) value[j] = next() & 0xff;
      return value;
    });
  }

  key(index: number): Uint8Array {
    return this.keys.subarray(index * this.keyBytes, (index + 1) * this.keyBytes);
  }

  value(index: number): Uint8Array {
    return this.pool[index % this.pool.length]!;
  }

  /** How many keys start with byte `group`. */
  groupCount(group: number): number {
    return Math.floor(this.count / 10) + (group < this.count % 10 ? 1 : 0);
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Batched puts of every key, in order of generation (random key order). */
export async function putBatchedPhase(
  store: KvAdapter, data: Dataset, batch: number,
): Promise<PhaseResult> {
  const rss = trackPeakRss();
  const latency = new LatencySamples();
  const start = performance.now();
  for (let i = 0; i < data.count; i += batch) {
    const began = performance.now();
    await store.putBatch(data, i, Math.min(batch, data.count - i));
    latency.add(performance.now() - began);
  }
  const seconds = (performance.now() - start) / 1000;
  return { phase: `put batch ${batch}`, ops: data.count, seconds, batch, concurrency: 1,
    p50Ms: latency.percentile(50), p99Ms: latency.percentile(99), peakRssBytes: rss.stop(),
    note: 'latency per batch' };
}

/** One put per call, `window` in flight (1 for synchronous stores), until done or timed out. */
export async function putSinglePhase(
  store: KvAdapter, data: Dataset, window: number, durationMs: number,
): Promise<PhaseResult> {
  const rss = trackPeakRss();
  const latency = new LatencySamples();
  const start = performance.now();
  const deadline = start + durationMs;
  let issued = 0;
  const worker = async (): Promise<void> => {
    while (issued < data.count && performance.now() < deadline) {
      const index = issued++;
      const began = performance.now();
      await store.put(data.key(index), data.value(index));
      latency.add(performance.now() - began);
    }
  };
  const lanes = store.asyncPuts ? window : 1;
  await Promise.all(Array.from({ length: lanes }, worker));
  const seconds = (performance.now() - start) / 1000;
  return { phase: 'put one at a time', ops: issued, seconds, batch: 1, concurrency: lanes,
    p50Ms: latency.percentile(50), p99Ms: latency.percentile(99), peakRssBytes: rss.stop(),
    note: `${issued} puts${issued < data.count ? ' (stopped at the time limit)' : ''}` };
}

/** Random gets of existing keys, each checked against its value. */
export async function getPhase(
  store: KvAdapter, data: Dataset, window: number,
): Promise<PhaseResult> {
  const rss = trackPeakRss();
  const step = 7919;
  let checked = 0;
  const check = (index: number, value: Uint8Array | null | undefined): void => {
    if (value === null || value === undefined || !equal(value, data.value(index))) {
      throw new Error(`${store.name}: get of key ${index} returned a wrong value`);
    }
    checked += 1;
  };
  const start = performance.now();
  if (store.asyncGets) {
    for (let i = 0; i < data.count; i += window) {
      const indexes = Array.from({ length: Math.min(window, data.count - i) },
        (_, j) => ((i + j) * step) % data.count);
      const values = await Promise.all(indexes.map((index) => store.get(data.key(index))));
      values.forEach((value, j) => check(indexes[j]!, value));
    }
  } else {
    for (let i = 0; i < data.count; i++) {
      const index = (i * step) % data.count;
      check(index, store.get(data.key(index)) as Uint8Array | null | undefined);
    }
  }
  const seconds = (performance.now() - start) / 1000;
  return { phase: 'random get', ops: checked, seconds, batch: 1,
    concurrency: store.asyncGets ? window : 1, p50Ms: null, p99Ms: null,
    peakRssBytes: rss.stop(), note: 'hits only, every value checked' };
}

/** A prefix scan of one key group (a tenth of the keys), checking count and key order. */
export async function scanPhase(store: KvAdapter, data: Dataset): Promise<PhaseResult> {
  const rss = trackPeakRss();
  const group = 3;
  let previous: Uint8Array | null = null;
  const start = performance.now();
  const count = await store.scan(Uint8Array.of(group), (key) => {
    if (key[0] !== group) throw new Error(`${store.name}: scan left its prefix`);
    if (previous !== null && Buffer.compare(previous, key) >= 0) {
      throw new Error(`${store.name}: scan out of order`);
    }
    previous = key.slice();
  });
  const seconds = (performance.now() - start) / 1000;
  if (count !== data.groupCount(group)) {
    throw new Error(`${store.name}: scan found ${count} keys, expected ${data.groupCount(group)}`);
  }
  return { phase: 'prefix scan', ops: count, seconds, batch: 1, concurrency: 1, p50Ms: null,
    p99Ms: null, peakRssBytes: rss.stop(), note: 'keys and values visited, order checked' };
}
