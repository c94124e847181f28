// The KV phases of flo-bench's `server` scenario (bench/server_scenario.ts): KV_PUT and
// KV_GET over the wire through FloClient, pipelined (1 000 requests in flight on the one
// connection) and one at a time, for the durability the server runs with.
//   kv set   puts of distinct keys `<phase>:<i>`, values from the pool (value i carries i)
//   kv get   gets of the keys the set before it wrote, in a stride order (not the write
//            order), each checked: the value carries its key's index and the version is
//            the one the put returned; a miss or a mismatch fails the run
// ops = requests answered; latency per request.

import type { FloClient } from '../client/mod.ts';
import { checksumOf, makePool, POOL_SIZE } from './append_loop.ts';
import type { ScenarioOptions } from './scenario.ts';
import { LatencySamples } from './stats.ts';

/** Requests in flight in the pipelined phases (the target: 1 000). */
export const KV_PIPELINED = 1000;

export interface KvPhase {
  ops: number;
  seconds: number;
  latency: LatencySamples;
}

/** What a set phase wrote: keys `<prefix>:<i>` for i below count, with their versions. */
export interface KvWritten {
  prefix: string;
  count: number;
  versions: Float64Array;
}

// Runs `work(i)` for i = 0, 1, … from `inFlight` loops until `limit` calls or the phase's
// time is spent; returns the calls made and the latency of each.
async function runLoops(options: ScenarioOptions, inFlight: number, limit: number,
  label: string, work: (index: number) => Promise<void>): Promise<KvPhase> {
  const latency = new LatencySamples();
  let started = 0;
  let done = 0;
  options.progress.start(label, limit);
  const startMs = performance.now();
  const deadlineMs = startMs + options.durationMs;
  const loop = async (): Promise<void> => {
    while (started < limit && performance.now() < deadlineMs) {
      const index = started++;
      const beganMs = performance.now();
      await work(index);
      latency.add(performance.now() - beganMs);
      options.progress.update(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, limit) }, loop));
  return { ops: done, seconds: (performance.now() - startMs) / 1000, latency };
}

/** Puts distinct keys with `inFlight` requests outstanding. */
export async function kvSetPhase(options: ScenarioOptions, client: FloClient, prefix: string,
  inFlight: number, label: string): Promise<{ phase: KvPhase; written: KvWritten }> {
  const pool = makePool(Math.max(4, options.valueBytes));
  const versions = new Float64Array(options.records);
  const phase = await runLoops(options, inFlight, options.records, label, async (index) => {
    versions[index] = await client.kv.put(`${prefix}:${index}`, pool[index % POOL_SIZE]!);
  });
  for (let index = 0; index < phase.ops; index++) {
    if (!(versions[index]! > 0)) throw new Error(`${label}: put ${index} got no version`);
  }
  return { phase, written: { prefix, count: phase.ops, versions } };
}

/** Gets the keys `written` holds, checking each value and version. */
export async function kvGetPhase(options: ScenarioOptions, client: FloClient,
  written: KvWritten, inFlight: number, label: string): Promise<KvPhase> {
  if (written.count === 0) throw new Error(`${label}: the set phase wrote nothing`);
  // A stride coprime to the count visits every key once per round, out of write order.
  const stride = strideFor(written.count);
  let mismatches = 0;
  const phase = await runLoops(options, inFlight, options.records, label, async (index) => {
    const key = (index * stride) % written.count;
    const entry = await client.kv.get(`${written.prefix}:${key}`);
    if (entry === null || entry.version !== written.versions[key] ||
      checksumOf(entry.value) !== key % POOL_SIZE) mismatches++;
  });
  if (mismatches > 0) throw new Error(`${label}: ${mismatches} gets did not return the put`);
  return phase;
}

function strideFor(count: number): number {
  let stride = Math.max(1, Math.floor(count * 0.618));
  while (gcd(stride, count) !== 1) stride++;
  return stride;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
