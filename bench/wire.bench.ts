// tinybench micro-benchmarks of the wire layer: decoding and encoding 100-byte frames (1 000
// per op, so frames/s = ops/s × 1 000), and a loopback round trip between this process and a
// listener on 127.0.0.1 (1 000 pipelined PINGs per op, and one PING at a time). Every task
// checks its result before it is timed. `node --import tsx bench/run.ts` runs every
// *.bench.ts; --smoke runs a few iterations (bench/run.test.ts, inside npm test).

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
  type FloServer,
  type FrameEcho,
} from '../server/mod.ts';

const FRAME_BYTES = 100;
const BATCH = 1000;

export async function wireBenchmarks(smoke: boolean): Promise<Bench> {
  const bench = new Bench(
    smoke
      ? { iterations: 5, time: 0, warmupIterations: 1, throws: true }
      : { time: 1000, throws: true },
  );
  const echo: FrameEcho = { requestIdLo: 1, requestIdHi: 0, version: 1, reserved: RESERVED_V1 };
  const frame = encodeRequest(
    { ...echo, opCode: OpCode.KV_GET, flags: 0 },
    new Uint8Array(FRAME_BYTES - 32),
  );
  const stream = Buffer.concat(Array.from({ length: BATCH }, () => frame));
  const decodeBatch = (): number => {
    const decoder = new FrameDecoder(requestLayout, 1 << 20);
    decoder.push(stream);
    let count = 0;
    while (decoder.next() !== null) count++;
    return count;
  };
  const encoder = new FrameEncoder();
  const body = new Uint8Array(FRAME_BYTES - 32);
  const encodeBatch = (): number => {
    for (let index = 0; index < BATCH; index++) encoder.appendReply(echo, 0, body);
    return encoder.take()!.length;
  };
  check(decodeBatch() === BATCH, 'decode yields every frame');
  check(encodeBatch() === BATCH * FRAME_BYTES, 'encode yields 100-byte frames');
  bench
    .add('wire decode 1000 × 100 B frames', decodeBatch)
    .add('wire encode 1000 × 100 B replies', encodeBatch);
  addLoopback(bench, 'wire loopback 1000 pipelined PINGs', async (connection) => {
    await Promise.all(Array.from({ length: BATCH }, () => connection.call(OpCode.PING)));
  });
  addLoopback(bench, 'wire loopback 1 PING round trip', async (connection) => {
    await connection.call(OpCode.PING);
  });
  return bench;
}

/** A task that talks to a listener of its own, started and checked before it is timed. */
function addLoopback(
  bench: Bench,
  name: string,
  roundTrip: (connection: FloConnection) => Promise<void>,
): void {
  let server: FloServer | null = null;
  let connection: FloConnection | null = null;
  bench.add(name, () => roundTrip(connection!), {
    beforeAll: async () => {
      server = await startServer({ port: 0 });
      connection = new FloConnection({ port: server.address.port });
      await roundTrip(connection);
      check(connection.pendingCount === 0, 'every PING answered');
    },
    afterAll: async () => {
      await connection?.close();
      await server?.shutdown();
    },
  });
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`wire bench: ${what} failed before timing`);
}
