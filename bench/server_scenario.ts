// The `server` scenario of flo-bench: a real `flo serve` in a child process on loopback and
// our client (FloClient) in this one, so the two ends run in two processes as in production.
// For each durability (async, sync) the server gets a fresh data directory and these phases:
//   ping   256 PINGs in flight: the requests/s the wire and both processes carry, no engine
//   kv     KV_PUT then KV_GET (every value checked), 1 000 in flight and one at a time
//          (bench/server_kv.ts)
//   queue  enqueue→dequeue→ack: 50 workers, each cycle three round trips (one message, or a
//          batch of 10: enqueueBatch, dequeue count 10, one ack), all pipelined on one
//          connection; ops = messages cycled
//   stream append: records of 100 bytes, batch 1 with 256 appends in flight (pipelined) and
//          batch 100 with 8; ops = records
//   stream group read + ack: 4 consumers of one group, reads of 100, each batch acked before
//          the next read; ops = records
// Every phase checks what it did before it reports (counts, payload checksums, the queue's
// counters, the group's pending list, the KV values). Actions join when their family exists.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { FloClient } from '../client/mod.ts';
import { appendRow, checksumOf, makePool, POOL_SIZE, runAppendLoop } from './append_loop.ts';
import type { ResultRow, Scenario, ScenarioOptions } from './scenario.ts';
import { startServerProcess, type ServerProcess } from './server_process.ts';
import { KV_PIPELINED, kvGetPhase, kvSetPhase } from './server_kv.ts';
import { LatencySamples } from './stats.ts';

const QUEUE = 'bench-queue';
const STREAM = 'bench-stream';
const GROUP = 'bench-group';
const GROUP_READ_COUNT = 100;

interface Phase {
  ops: number;
  seconds: number;
  latency: LatencySamples;
}

async function cyclePhase(options: ScenarioOptions, client: FloClient, workers: number,
  batch: number, label: string): Promise<Phase> {
  const pool = makePool(options.valueBytes);
  const latency = new LatencySamples();
  let started = 0;
  let cycled = 0;
  let sentSum = 0;
  let receivedSum = 0;
  options.progress.start(label, options.records);
  const startMs = performance.now();
  const deadlineMs = startMs + options.durationMs;
  const queue = `${QUEUE}-${batch}`; // counters are per queue and cumulative
  const worker = async (): Promise<void> => {
    while (started < options.records && performance.now() < deadlineMs) {
      const payloads = Array.from({ length: batch }, () => pool[started++ % POOL_SIZE]!);
      for (const payload of payloads) sentSum = (sentSum + checksumOf(payload)) % 2 ** 32;
      const beganMs = performance.now();
      if (batch === 1) await client.queue.enqueue(queue, payloads[0]!);
      else await client.queue.enqueueBatch(queue, payloads);
      const messages = await client.queue.dequeue(queue, { count: batch, blockMs: 1000 });
      if (messages.length === 0) throw new Error(`${label}: a dequeue found nothing`);
      for (const message of messages) {
        receivedSum = (receivedSum + checksumOf(message.payload)) % 2 ** 32;
      }
      await client.queue.ack(queue, messages.map((message) => message.seq));
      latency.add(performance.now() - beganMs);
      cycled += messages.length;
      options.progress.update(cycled);
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  // A worker may have taken fewer than it enqueued (another took the rest): drain them.
  for (;;) {
    const messages = await client.queue.dequeue(queue, { count: 100 });
    if (messages.length === 0) break;
    for (const message of messages) {
      receivedSum = (receivedSum + checksumOf(message.payload)) % 2 ** 32;
    }
    await client.queue.ack(queue, messages.map((message) => message.seq));
  }
  const seconds = (performance.now() - startMs) / 1000;
  const stats = await client.queue.stats(queue);
  if (stats.acked !== started || stats.dequeued !== started || stats.ready + stats.leased !== 0 ||
    receivedSum !== sentSum) {
    throw new Error(`${label}: ${started} messages but ${JSON.stringify(stats)}, checksums ` +
      `${receivedSum} / ${sentSum}`);
  }
  return { ops: started, seconds, latency };
}

// PINGs with `inFlight` outstanding: what the wire and the two event loops carry with no
// engine work, the ceiling of every other phase's requests per second.
async function pingPhase(options: ScenarioOptions, client: FloClient, inFlight: number,
  label: string): Promise<Phase> {
  const latency = new LatencySamples();
  let pings = 0;
  options.progress.start(label, options.records);
  const startMs = performance.now();
  const deadlineMs = startMs + options.durationMs;
  const worker = async (): Promise<void> => {
    while (pings < options.records && performance.now() < deadlineMs) {
      const beganMs = performance.now();
      await client.system.ping();
      latency.add(performance.now() - beganMs);
      options.progress.update(++pings);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { ops: pings, seconds: (performance.now() - startMs) / 1000, latency };
}

// Reads the stream back through the client: count and payload checksum.
async function verifyStream(client: FloClient, count: number, sum: number, label: string) {
  let seen = 0;
  let actual = 0;
  for (let next = 1; ;) {
    const records = await client.stream.read(STREAM, { start: next, count: 1000 });
    if (records.length === 0) break;
    for (const record of records) actual = (actual + checksumOf(record.payload)) % 2 ** 32;
    seen += records.length;
    next = records.at(-1)!.sequence + 1;
  }
  if (seen !== count || actual !== sum) {
    throw new Error(`${label}: read back ${seen} records (checksum ${actual}), wrote ${count} ` +
      `(checksum ${sum})`);
  }
}

async function groupPhase(options: ScenarioOptions, client: FloClient, total: number,
  sum: number, consumers: number, label: string): Promise<Phase> {
  await client.stream.group.create(STREAM, GROUP);
  const latency = new LatencySamples();
  let delivered = 0;
  let actual = 0;
  options.progress.start(label, total);
  const startMs = performance.now();
  const consumer = async (index: number): Promise<void> => {
    while (delivered < total) {
      const beganMs = performance.now();
      const records = await client.stream.group.read(STREAM, GROUP, `c${index}`,
        { count: GROUP_READ_COUNT, blockMs: 100 });
      if (records.length === 0) continue;
      await client.stream.group.ack(STREAM, GROUP, records.map((record) => record.sequence));
      latency.add(performance.now() - beganMs);
      for (const record of records) actual = (actual + checksumOf(record.payload)) % 2 ** 32;
      delivered += records.length;
      options.progress.update(delivered);
    }
  };
  await Promise.all(Array.from({ length: consumers }, (_, index) => consumer(index)));
  const seconds = (performance.now() - startMs) / 1000;
  const info = await client.stream.group.info(STREAM, GROUP);
  if (delivered !== total || actual !== sum || info.pending !== 0) {
    throw new Error(`${label}: delivered ${delivered} of ${total} (checksum ${actual} / ${sum}), ` +
      `${info.pending} still pending`);
  }
  return { ops: delivered, seconds, latency };
}

function row(options: ScenarioOptions, server: ServerProcess, phase: string, result: Phase,
  durability: string, batch: number, concurrency: number, note: string): ResultRow {
  const opsPerSec = result.ops / result.seconds;
  options.progress.finish(`${Math.round(opsPerSec).toLocaleString('en-US')} ops/s`);
  const peak = server.peakRssBytes();
  return {
    scenario: 'server', phase, durability, batch, concurrency, opsPerSec,
    mbPerSec: (opsPerSec * options.valueBytes) / 1e6, p50Ms: result.latency.percentile(50),
    p99Ms: result.latency.percentile(99), ...(peak === null ? {} : { peakRssBytes: peak }),
    note: `${note}; peak RSS is the server process's`,
  };
}

// KV set then get (which checks every value the set wrote), pipelined and one at a time.
async function kvRows(options: ScenarioOptions, server: ServerProcess, client: FloClient,
  durability: string): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  for (const inFlight of [options.quick ? 16 : KV_PIPELINED, 1]) {
    const how = inFlight === 1 ? 'one at a time' : `${inFlight} in flight`;
    const set = await kvSetPhase(options, client, `kv-${inFlight}`, inFlight,
      `server kv set ${durability} × ${inFlight}`);
    rows.push(row(options, server, 'kv set', set.phase, durability, 1, inFlight,
      `ops = KV_PUTs of distinct keys, ${how} on one connection`));
    const get = await kvGetPhase(options, client, set.written, inFlight,
      `server kv get ${durability} × ${inFlight}`);
    rows.push(row(options, server, 'kv get', get, durability, 1, inFlight,
      `ops = KV_GETs of the keys just put, each value and version checked, ${how}`));
  }
  return rows;
}

async function runDurability(options: ScenarioOptions, durability: 'sync' | 'async') {
  const dir = join(options.dir, `server-${durability}`);
  rmSync(dir, { recursive: true, force: true }); // each run starts from an empty directory
  const server = await startServerProcess(dir, durability);
  const client = new FloClient({ port: server.port, timeoutMs: 60_000 });
  const rows: ResultRow[] = [];
  try {
    const inFlight = options.quick ? 16 : 256;
    const pings = await pingPhase(options, client, inFlight, `server ping ${durability}`);
    rows.push(row(options, server, 'ping', pings, durability, 1, inFlight,
      'ops = PING round trips in flight at once: the wire\'s ceiling of requests/s'));
    rows.push(...await kvRows(options, server, client, durability));
    const workers = options.concurrencies?.[0] ?? (options.quick ? 8 : 50);
    for (const batch of [1, 10]) {
      const cycles = await cyclePhase(options, client, workers, batch,
        `server queue cycle ${durability} batch ${batch} × ${workers}`);
      rows.push(row(options, server, 'queue enqueue→dequeue→ack', cycles, durability, batch,
        workers, 'ops = messages through a full cycle over the wire (enqueue, dequeue, ack: ' +
        'three requests per batch); latency per cycle'));
    }
    let appended = 0;
    let sum = 0;
    for (const [batch, inFlight] of [[1, options.quick ? 16 : 256], [100, 8]] as const) {
      const label = `server stream append ${durability} batch ${batch} × ${inFlight}`;
      options.progress.start(label, options.records);
      const result = await runAppendLoop(options, batch, inFlight, (values) =>
        client.stream.append(STREAM, values.map((payload) => ({ payload }))));
      appended += result.appended;
      sum = (sum + result.expectedSum) % 2 ** 32;
      const appendedRow = appendRow('server', options, durability, batch, inFlight, result);
      const peak = server.peakRssBytes();
      rows.push({ ...appendedRow, phase: 'stream append', ...(peak === null ? {}
        : { peakRssBytes: peak }), note: 'ops = records, appends pipelined on one connection' });
    }
    await verifyStream(client, appended, sum, `server stream ${durability}`);
    const consumers = 4;
    const group = await groupPhase(options, client, appended, sum, consumers,
      `server stream group read + ack ${durability} × ${consumers}`);
    rows.push(row(options, server, 'stream group read + ack', group, durability,
      GROUP_READ_COUNT, consumers, 'ops = records delivered and acked; latency per read + ack'));
  } finally {
    await client.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export const serverScenario: Scenario = {
  name: 'server',
  description: 'flo serve in a child process + FloClient: KV set/get, queue cycles, stream ' +
    'appends (pipelined), group read + ack; async and sync',
  async run(options) {
    const rows: ResultRow[] = [];
    for (const durability of options.durabilities ?? ['async', 'sync']) {
      rows.push(...await runDurability(options, durability));
    }
    return rows;
  },
};
