// Wire benchmarks (tinybench): decoding and encoding 100-byte frames in batches of 1 000, and a
// loopback round trip between this process and a listener (pipelined PINGs, 1 000 in flight,
// plus one PING at a time for latency). Every task checks its result once before it is timed.
// Run: `node --import tsx bench/wire.bench.ts` (add --smoke for a few-millisecond run, which
// bench/wire.bench.test.ts does inside npm test so the benchmark cannot rot).

import { cpus } from 'node:os';
import { Bench } from 'tinybench';
import { FloConnection } from '../client/mod.ts';
import {
  encodeRequest,
  FrameDecoder,
  FrameEncoder,
  OpCode,
  requestLayout,
  RESERVED_V1,
  startServer,
  type FrameEcho,
} from '../server/mod.ts';

const FRAME_BYTES = 100;
const BATCH = 1000;

export interface WireBenchResult {
  readonly name: string;
  /** Frames (or round trips) per second. */
  readonly perSecond: number;
  /** Time of one batch (ms): median and 99th percentile. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly batch: number;
}

/** Runs the wire benchmarks; `smoke` keeps them to a few milliseconds each. */
export async function runWireBench(smoke = false): Promise<WireBenchResult[]> {
  const bench = new Bench({
    time: smoke ? 20 : 2000,
    iterations: smoke ? 2 : 64,
    warmupTime: smoke ? 5 : 200,
    throws: true,
  });
  const echo: FrameEcho = { requestIdLo: 1, requestIdHi: 0, version: 1, reserved: RESERVED_V1 };
  const header = { ...echo, opCode: OpCode.KV_GET, flags: 0 };
  const frame = encodeRequest(header, new Uint8Array(FRAME_BYTES - 32));
  const stream = Buffer.concat(Array.from({ length: BATCH }, () => frame));
  const body = new Uint8Array(FRAME_BYTES - 32);
  const decodeBatch = (): number => {
    const decoder = new FrameDecoder(requestLayout, 1 << 20);
    decoder.push(stream);
    let count = 0;
    while (decoder.next() !== null) count++;
    return count;
  };
  const encoder = new FrameEncoder();
  const encodeBatch = (): number => {
    for (let index = 0; index < BATCH; index++) encoder.appendReply(echo, 0, body);
    return encoder.take()!.length;
  };
  check(decodeBatch() === BATCH, 'decode yields every frame');
  check(encodeBatch() === BATCH * FRAME_BYTES, 'encode yields 100-byte frames');
  bench.add('decode 100-byte frames', decodeBatch);
  bench.add('encode 100-byte replies', encodeBatch);

  const server = await startServer({ port: 0 });
  const connection = new FloConnection({ port: server.address.port });
  try {
    const pipelined = async (): Promise<void> => {
      const calls = Array.from({ length: BATCH }, () => connection.call(OpCode.PING));
      await Promise.all(calls);
    };
    const single = async (): Promise<void> => {
      await connection.call(OpCode.PING);
    };
    await pipelined();
    check(connection.pendingCount === 0, 'every PING answered');
    bench.add('loopback PING, 1000 in flight', pipelined);
    bench.add('loopback PING, one at a time', single);
    await bench.run();
  } finally {
    await connection.close();
    await server.shutdown();
  }
  return bench.tasks.map((task) => {
    const result = task.result;
    if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state}`);
    const batch = task.name.endsWith('one at a time') ? 1 : BATCH;
    return {
      name: task.name,
      perSecond: (batch * 1000) / result.latency.mean,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      batch,
    };
  });
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`wire bench: ${what} failed before timing`);
}

function report(results: WireBenchResult[]): string {
  const lines = [
    `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}`,
    ...results.map(
      (r) =>
        `${r.name.padEnd(32)} ${Math.round(r.perSecond).toLocaleString('en').padStart(12)}/s` +
        `   batch of ${r.batch}: p50 ${r.p50Ms.toFixed(3)} ms, p99 ${r.p99Ms.toFixed(3)} ms`,
    ),
  ];
  return lines.join('\n');
}

if (process.argv[1] === import.meta.filename) {
  console.log(report(await runWireBench(process.argv.includes('--smoke'))));
}
