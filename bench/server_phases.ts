// The phases of flo-bench's `server` scenario, written once against a ServerTarget
// (server_target.ts) so that Flo, Redis and NATS run the same workload: `inFlight` loops
// issue requests until `--records` ops or `--duration` are used up, one connection carrying
// them all. Every phase checks what it did before it returns: KV gets compare each value,
// queue cycles compare the payload checksums and the server's counters, appends are read back
// (count and checksum), a group read must deliver every record once and leave nothing pending,
// an action round trip must bring back its input reversed (the worker's output).
// Payload i of the pool carries i in its first four bytes (append_loop.ts), so a checksum is a
// sum of those. Called by server_scenario.ts, which turns the results into rows.

import { checksumOf, makePool, POOL_SIZE, runAppendLoop, type AppendLoopResult }
  from './append_loop.ts';
import type { ScenarioOptions } from './scenario.ts';
import type {
  ActionTarget, KvTarget, QueueTarget, ServerTarget, StreamTarget,
} from './server_target.ts';
import { runLoops } from './loops.ts';
import { LatencySamples } from './stats.ts';

// Reads that find nothing, in a row, before the group phase gives up (records lost).
const GROUP_EMPTY_READS_MAX = 20;

/** What one phase measured: ops completed, wall time, latency per request or cycle. */
export interface Phase {
  ops: number;
  seconds: number;
  latency: LatencySamples;
}

const sumOf = (payloads: Iterable<Uint8Array>, start = 0): number => {
  let sum = start;
  for (const payload of payloads) sum = (sum + checksumOf(payload)) % 2 ** 32;
  return sum;
};

/** Round trips with no work: the ceiling of requests/s for the other phases. */
export function pingPhase(options: ScenarioOptions, target: ServerTarget, inFlight: number,
  label: string): Promise<Phase> {
  return runLoops(options, label, options.records, inFlight, 1, () => target.ping());
}

const keyOf = (index: number): string => `k${index}`;

/** Puts keys k0, k1, … (value i is pool value i mod POOL_SIZE); ops = puts. */
export function kvPutPhase(options: ScenarioOptions, kv: KvTarget, inFlight: number,
  label: string): Promise<Phase> {
  const pool = makePool(options.valueBytes);
  return runLoops(options, label, options.records, inFlight, 1,
    (at) => kv.put(keyOf(at), pool[at % POOL_SIZE]!));
}

/** Gets the `written` keys of kvPutPhase in a scrambled order and checks every value. */
export function kvGetPhase(options: ScenarioOptions, kv: KvTarget, inFlight: number,
  written: number, label: string): Promise<Phase> {
  if (written === 0) throw new Error(`${label}: nothing was written to read`);
  // Views of the pool as Buffers, made once: the check must not copy a value per get.
  const expected = makePool(options.valueBytes)
    .map((value) => Buffer.from(value.buffer, value.byteOffset, value.length));
  const stride = 1_000_003; // prime: visits every index once unless it divides `written`
  const step = written % stride === 0 ? 1 : stride;
  return runLoops(options, label, options.records, inFlight, 1, async (at) => {
    const index = (at * step) % written;
    const value = await kv.get(keyOf(index));
    if (value === null || !expected[index % POOL_SIZE]!.equals(value)) {
      throw new Error(`${label}: key ${keyOf(index)} read back ${value === null ? 'missing'
        : `${value.length} bytes that differ from what was put`}`);
    }
  });
}

/** `workers` loops of full cycles of `batch` messages; ops = messages through the cycle. */
export async function queueCyclePhase(options: ScenarioOptions, queue: QueueTarget,
  name: string, batch: number, workers: number, label: string): Promise<Phase> {
  const pool = makePool(options.valueBytes);
  const cycles = await queue.open(name, batch, workers);
  let sentSum = 0;
  const phase = await runLoops(options, label, options.records, workers, batch,
    async (at) => {
      const payloads = Array.from({ length: batch }, (_, i) => pool[(at + i) % POOL_SIZE]!);
      sentSum = sumOf(payloads, sentSum);
      await cycles.cycle(payloads);
    });
  const { received, problem } = await cycles.finish(phase.ops);
  const receivedSum = sumOf(received);
  if (problem !== null || received.length !== phase.ops || receivedSum !== sentSum) {
    throw new Error(`${label}: ${problem ?? ''} received ${received.length} of ${phase.ops} ` +
      `(checksum ${receivedSum} / ${sentSum})`);
  }
  return phase;
}

/** Appends batches of `batch` with `inFlight` outstanding; ops = records. */
export function streamAppendPhase(options: ScenarioOptions, stream: StreamTarget,
  batch: number, inFlight: number, label: string): Promise<AppendLoopResult> {
  return runAppendLoop(options, label, batch, inFlight, (values) => stream.append(values));
}

/** Reads the stream back: it must hold `count` records whose checksum is `sum`. */
export async function verifyStream(stream: StreamTarget, count: number, sum: number,
  label: string): Promise<void> {
  let actual = 0;
  const seen = await stream.readAll((payload) => {
    actual = (actual + checksumOf(payload)) % 2 ** 32;
  });
  if (seen !== count || actual !== sum) {
    throw new Error(`${label}: read back ${seen} records (checksum ${actual}), wrote ${count} ` +
      `(checksum ${sum})`);
  }
}

/**
 * `consumers` loops of read `count` + ack over `total` records already in the stream. Each read
 * asks for no more than is left unclaimed, so no server waits out a read it cannot fill.
 */
export async function groupPhase(options: ScenarioOptions, stream: StreamTarget, total: number,
  sum: number, consumers: number, count: number, label: string): Promise<Phase> {
  await stream.createGroup();
  const latency = new LatencySamples();
  let claimed = 0;
  let delivered = 0;
  let actual = 0;
  let seconds = 0;
  options.progress.start(label, total);
  const startMs = performance.now();
  const consumer = async (index: number): Promise<void> => {
    let empties = 0;
    while (claimed < total) {
      const want = Math.min(count, total - claimed);
      claimed += want;
      const beganMs = performance.now();
      const payloads = await stream.readAndAck(`c${index}`, want);
      latency.add(performance.now() - beganMs);
      empties = payloads.length === 0 ? empties + 1 : 0;
      if (empties > GROUP_EMPTY_READS_MAX) {
        throw new Error(`${label}: ${empties} reads in a row found nothing, ` +
          `${total - delivered} records short`);
      }
      claimed -= want - payloads.length;
      delivered += payloads.length;
      actual = sumOf(payloads, actual);
      options.progress.update(delivered);
      if (delivered >= total && seconds === 0) seconds = (performance.now() - startMs) / 1000;
    }
  };
  await Promise.all(Array.from({ length: consumers }, (_, index) => consumer(index)));
  const outstanding = await stream.outstanding();
  if (delivered !== total || actual !== sum || outstanding !== 0) {
    throw new Error(`${label}: delivered ${delivered} of ${total} (checksum ${actual} / ` +
      `${sum}), ${outstanding} not delivered or not acknowledged`);
  }
  return { ops: delivered, seconds, latency };
}

/**
 * `inFlight` loops of action round trips (invoke, a worker's await and complete, the run's
 * status) served by `workers` worker loops; every output must be its input reversed, and
 * finish() must find every run completed once. ops = round trips.
 */
export async function actionPhase(options: ScenarioOptions, action: ActionTarget, name: string,
  inFlight: number, workers: number, label: string): Promise<Phase> {
  const pool = makePool(options.valueBytes);
  // The expected outputs, made once: the check must not copy a value per round trip.
  const reversed = pool.map((value) => Buffer.from(value).reverse());
  const trips = await action.open(name, workers);
  const phase = await runLoops(options, label, options.records, inFlight, 1, async (at) => {
    const input = pool[at % POOL_SIZE]!;
    const output = await trips.roundTrip(input);
    if (!reversed[at % POOL_SIZE]!.equals(output)) {
      throw new Error(`${label}: round trip ${at} came back with ${output.length} bytes that ` +
        'are not its input reversed');
    }
  });
  const problem = await trips.finish(phase.ops);
  if (problem !== null) throw new Error(`${label}: ${problem}`);
  return phase;
}
