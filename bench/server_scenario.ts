// The `server` scenario of flo-bench: a real `flo serve` in a child process on loopback and
// our client in this one, so the two ends run in two processes as in production. For each
// durability (async, sync) the server gets a fresh data directory and the phases of
// server_phases.ts:
//   ping   PINGs in flight (256): the requests/s the wire and both processes carry
//   kv     put, then get of what was put (every value checked): 1 000 in flight, then one
//          at a time
//   queue  enqueue→dequeue→ack: 50 workers, each cycle one message or a batch of 10
//   stream append: batch 1 with 256 in flight, batch 100 with 8; read back and checked;
//          then group read + ack: 4 consumers, reads of 100, each acked before the next
//   action invoke→await→complete→status round trips: 1 at a time with 1 worker, then 16
//          in flight with 16 workers, every output checked (Flo only: no peer has actions)
// `flo-bench compare server` runs the same phases, in the same run, against Redis and NATS
// JetStream (peer_servers.ts) where they are installed, each in the setting matching the
// durability, and adds their rows with Flo ÷ peer. A peer that is absent is skipped with a
// note. serverScenarioFor(families) narrows the families (`compare stream` uses it).

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { findExecutable, type ChildServer } from './child_server.ts';
import { openFloTarget } from './flo_target.ts';
import { ensurePeerModules } from './peer_modules.ts';
import { PEER_SERVERS, peerSearchPath, versionOf, type Mode, type PeerServer }
  from './peer_servers.ts';
import type { ResultRow, Scenario, ScenarioOptions } from './scenario.ts';
import {
  actionPhase, groupPhase, kvGetPhase, kvPutPhase, pingPhase, queueCyclePhase, streamAppendPhase,
  verifyStream, type Phase,
} from './server_phases.ts';
import { startServerProcess } from './server_process.ts';
import type { ServerTarget } from './server_target.ts';

/** The families a server scenario can measure (ping always runs). */
export const FAMILIES = ['kv', 'queue', 'stream', 'action'] as const;
export type Family = (typeof FAMILIES)[number];

const GROUP_READ_COUNT = 100;
/** KV requests in flight in the pipelined KV phases (issue 6 sets its targets at 1 000). */
const KV_IN_FLIGHT = 1000;
const GROUP_CONSUMERS = 4;
/** Round trips in flight, each with a worker loop of its own, in the wide action phase. */
const ACTION_LOOPS = 16;

interface Measuring {
  options: ScenarioOptions;
  target: ServerTarget;
  server: ChildServer;
  durability: Mode;
  rows: ResultRow[];
  /** CPU times when the phase being measured began (startPhase). */
  cpuAtStart: { server: number | null; client: number };
}

const clientCpuMicros = (): number => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/** Marks the start of a phase: its CPU per op counts from here. */
function startPhase(m: Measuring): void {
  m.cpuAtStart = { server: m.server.cpuMicros(), client: clientCpuMicros() };
}

function record(m: Measuring, phase: string, result: Phase, batch: number,
  concurrency: number, note: string): void {
  const opsPerSec = result.ops / result.seconds;
  m.options.progress.finish(`${Math.round(opsPerSec).toLocaleString('en-US')} ops/s`);
  const peak = m.server.peakRssBytes();
  const serverNow = m.server.cpuMicros();
  const serverCpu = serverNow === null || m.cpuAtStart.server === null ? null
    : serverNow - m.cpuAtStart.server;
  const clientCpu = clientCpuMicros() - m.cpuAtStart.client;
  m.rows.push({
    scenario: 'server', phase, durability: m.durability, batch, concurrency, opsPerSec,
    mbPerSec: (opsPerSec * m.options.valueBytes) / 1e6,
    p50Ms: result.latency.percentile(50), p99Ms: result.latency.percentile(99),
    ...(peak === null ? {} : { peakRssBytes: peak }),
    ...(serverCpu === null || result.ops === 0 ? {} : { serverCpuUsPerOp: serverCpu / result.ops }),
    ...(result.ops === 0 ? {} : { clientCpuUsPerOp: clientCpu / result.ops }),
    note: `${note}; peak RSS is the server process's; CPU per op: all threads of the ` +
      'server process, and of the bench process (the client and its checks)',
  });
}

const labelOf = (m: Measuring, what: string): string =>
  `${m.target.name} ${what} ${m.durability}`;

async function measureKv(m: Measuring): Promise<void> {
  const kv = m.target.kv!;
  for (const inFlight of [m.options.quick ? 16 : KV_IN_FLIGHT, 1]) {
    const how = inFlight === 1 ? 'one at a time' : `${inFlight} in flight`;
    startPhase(m);
    const put = await kvPutPhase(m.options, kv, inFlight, labelOf(m, `kv put × ${inFlight}`));
    record(m, 'kv put', put, 1, inFlight, `ops = puts of distinct keys, acknowledged, ${how}`);
    startPhase(m);
    const get = await kvGetPhase(m.options, kv, inFlight, put.ops,
      labelOf(m, `kv get × ${inFlight}`));
    record(m, 'kv get', get, 1, inFlight,
      `ops = gets of the keys put, every value checked, ${how}`);
  }
}

async function measureQueue(m: Measuring): Promise<void> {
  const workers = m.options.concurrencies?.[0] ?? (m.options.quick ? 8 : 50);
  for (const batch of [1, 10]) {
    startPhase(m);
    const cycles = await queueCyclePhase(m.options, m.target.queue!,
      `bench-queue-${batch}`, batch, workers,
      labelOf(m, `queue cycle batch ${batch} × ${workers}`));
    record(m, 'queue enqueue→dequeue→ack', cycles, batch, workers,
      `ops = messages through a full cycle (${m.target.queue!.how}); latency per cycle`);
  }
}

async function measureStream(m: Measuring, inFlight: number): Promise<void> {
  const stream = m.target.stream!;
  let appended = 0;
  let sum = 0;
  for (const [batch, loops] of [[1, inFlight], [100, 8]] as const) {
    startPhase(m);
    const result = await streamAppendPhase(m.options, stream, batch, loops,
      labelOf(m, `stream append batch ${batch} × ${loops}`));
    appended += result.appended;
    sum = (sum + result.expectedSum) % 2 ** 32;
    record(m, 'stream append', { ...result, ops: result.appended }, batch, loops,
      `ops = records; latency per append call (${stream.how})`);
  }
  await verifyStream(stream, appended, sum, labelOf(m, 'stream'));
  startPhase(m);
  const group = await groupPhase(m.options, stream, appended, sum, GROUP_CONSUMERS,
    GROUP_READ_COUNT, labelOf(m, `stream group read + ack × ${GROUP_CONSUMERS}`));
  record(m, 'stream group read + ack', group, GROUP_READ_COUNT, GROUP_CONSUMERS,
    'ops = records delivered and acked; latency per read + ack');
}

async function measureAction(m: Measuring): Promise<void> {
  const action = m.target.action!;
  for (const loops of [1, m.options.quick ? 4 : ACTION_LOOPS]) {
    startPhase(m);
    const result = await actionPhase(m.options, action, `bench-action-${loops}`, loops, loops,
      labelOf(m, `action round trip × ${loops}`));
    record(m, 'action invoke→await→complete→status', result, 1, loops,
      `ops = runs through a full round trip (${action.how}), ${loops} in flight with ` +
      `${loops} worker loops, every output checked; latency per round trip`);
  }
}

/** Runs the phases of `families` that `target` offers. */
async function measure(m: Measuring, families: readonly Family[]): Promise<ResultRow[]> {
  const inFlight = m.options.quick ? 16 : 256;
  startPhase(m);
  const pings = await pingPhase(m.options, m.target, inFlight, labelOf(m, `ping × ${inFlight}`));
  record(m, 'ping', pings, 1, inFlight,
    'ops = PING round trips in flight at once: the wire\'s ceiling of requests/s');
  if (families.includes('kv') && m.target.kv !== null) await measureKv(m);
  if (families.includes('queue') && m.target.queue !== null) await measureQueue(m);
  if (families.includes('stream') && m.target.stream !== null) await measureStream(m, inFlight);
  if (families.includes('action') && m.target.action !== null) await measureAction(m);
  return m.rows;
}

/** Starts a server over a fresh `dir`, measures it, and always stops it and removes `dir`. */
async function withServer(options: ScenarioOptions, dir: string, durability: Mode,
  start: () => Promise<ChildServer>, open: (port: number) => Promise<ServerTarget>,
  run: (m: Measuring) => Promise<ResultRow[]>): Promise<ResultRow[]> {
  rmSync(dir, { recursive: true, force: true });
  const server = await start();
  try {
    const target = await open(server.port);
    try {
      return await run({ options, target, server, durability, rows: [],
        cpuAtStart: { server: null, client: 0 } });
    } finally {
      await target.close();
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface ReadyPeer {
  peer: PeerServer;
  path: string;
  version: number[];
}

// The peers to compare with: installed, with their client libraries; the others get a note.
function readyPeers(options: ScenarioOptions, families: readonly Family[],
  searchPath: string): ReadyPeer[] {
  const ready: ReadyPeer[] = [];
  for (const peer of PEER_SERVERS) {
    if (!families.some((family) => peer.families.includes(family))) continue;
    const path = findExecutable(peer.executable, searchPath);
    if (path === null) {
      options.skip(`${peer.executable} is not installed (not on PATH, /usr/local/sbin or ` +
        `/usr/sbin): ${peer.name} is not compared (Debian: apt-get install ${peer.executable})`);
      continue;
    }
    if (!ensurePeerModules(options, peer.modules)) continue;
    ready.push({ peer, path, version: versionOf(path) });
  }
  return ready;
}

function withRatio(row: ResultRow, flo: readonly ResultRow[], peer: string,
  setting: string): ResultRow {
  const ours = flo.find((candidate) => candidate.phase === row.phase &&
    candidate.batch === row.batch && candidate.concurrency === row.concurrency);
  return {
    ...row, peer, peerDurability: setting,
    ...(ours === undefined ? { note: `${row.note}; Flo has no counterpart (no ratio)` }
      : { ratio: ours.opsPerSec / row.opsPerSec }),
  };
}

async function runServer(options: ScenarioOptions, families: readonly Family[],
  searchPath: string): Promise<ResultRow[]> {
  const peers = options.compare ? readyPeers(options, families, searchPath) : [];
  const rows: ResultRow[] = [];
  for (const durability of options.durabilities ?? ['async', 'sync']) {
    const floDir = join(options.dir, `server-${durability}`);
    const flo = await withServer(options, floDir, durability,
      () => startServerProcess(floDir, durability), openFloTarget,
      (m) => measure(m, families));
    rows.push(...flo);
    for (const { peer, path, version } of peers) {
      const durabilityOfPeer = peer.durability(durability, version);
      if ('skip' in durabilityOfPeer) {
        options.skip(durabilityOfPeer.skip);
        continue;
      }
      const dir = join(options.dir, `${peer.name}-${durability}`);
      const measured = await withServer(options, dir, durability,
        () => peer.start(path, dir, durability, version), peer.open, (m) => measure(m, families));
      rows.push(...measured.map((row) => withRatio(row, flo, peer.name,
        durabilityOfPeer.setting)));
    }
  }
  return rows;
}

/** The server scenario over some families; `searchPath` is where peers are looked for. */
export function serverScenarioFor(families: readonly Family[],
  searchPath = peerSearchPath()): Scenario {
  return {
    name: 'server',
    description: 'flo serve in a child process + FloClient: queue cycles, stream appends ' +
      '(pipelined), group read + ack, KV; async and sync (compare: Redis, NATS JetStream)',
    run: (options) => runServer(options, families, searchPath),
  };
}

export const serverScenario: Scenario = serverScenarioFor(FAMILIES);
