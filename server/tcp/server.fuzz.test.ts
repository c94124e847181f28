// Fuzzing a live server: random bytes, and valid frames of random ops (some mutated), sent in
// random chunks on fresh connections. The server must not crash, must answer every reply with
// a well-formed frame, must close each fuzzed connection after its peer ends it, and must keep
// answering a steady connection throughout (spec §3.9: a failure on one connection does not
// affect the others). Time-boxed: about two seconds, a minute with FUZZ=1.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Buffer } from 'node:buffer';
import { fcParams } from '../../engine/testing/fc_params.ts';
import { startServer } from '../mod.ts';
import { RawPeer, requestBytes } from '../testing/raw_peer.ts';
import { TestFamily } from '../testing/test_family.ts';
import { frameCrc, readU32, Status } from '../wire/frame.ts';
import { allOps, OpCode } from '../wire/opcodes.ts';

const fuzz = process.env['FUZZ'] === '1';
const codes = allOps().map((op) => op.code);
/** TestFamily handlers that fail on purpose (the dispatcher must answer INTERNAL_ERROR). */
const deliberateBugs = new Set<number>([
  OpCode.STREAM_APPEND,
  OpCode.KV_EXISTS,
  OpCode.QUEUE_STATS,
]);

const frameArbitrary = fc
  .record({
    opCode: fc.oneof(fc.constantFrom(...codes), fc.integer({ min: 0, max: 0xffff })),
    id: fc.nat(),
    version: fc.constantFrom(1, 2),
    flags: fc.constantFrom(0, 0, 0, 1, 4),
    namespace: fc.constantFrom('', 'default', 'a'),
    key: fc.uint8Array({ maxLength: 20 }),
    value: fc.uint8Array({ maxLength: 64 }),
    options: fc.oneof(
      fc.uint8Array({ maxLength: 24 }),
      fc
        .array(fc.tuple(fc.integer({ min: 0, max: 0x6f }), fc.uint8Array({ maxLength: 16 })), {
          maxLength: 4,
        })
        .map((entries) =>
          Uint8Array.from(entries.flatMap(([tag, data]) => [tag, data.length, ...data])),
        ),
    ),
    mutateAt: fc.oneof(
      { arbitrary: fc.constant(null), weight: 6 },
      { arbitrary: fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), weight: 1 },
    ),
  })
  .map(({ opCode, mutateAt, ...spec }) => {
    const bytes = requestBytes(opCode, spec).slice();
    if (mutateAt !== null) bytes[mutateAt[0] % bytes.length]! ^= mutateAt[1];
    return bytes;
  });

const cutsArbitrary = fc.array(fc.nat(), { maxLength: 8 });
const inputArbitrary = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 500 }).map((bytes) => [bytes]),
  fc.array(frameArbitrary, { minLength: 1, maxLength: 8 }),
);

function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % bytes.length))].sort((a, b) => a - b);
  return [...points, bytes.length].map((end, index, all) =>
    bytes.subarray(index === 0 ? 0 : all[index - 1]!, end),
  );
}

test('fuzz: random or mutated input never crashes the server nor another connection', async () => {
  const family = new TestFamily();
  const internalErrors: string[] = [];
  const server = await startServer({
    port: 0,
    register: (table) => family.register(table),
    onInternalError: (error, op) => {
      if (!deliberateBugs.has(op.code)) internalErrors.push(`${op.name}: ${String(error)}`);
    },
  });
  const steady = await RawPeer.connect(server.address.port);
  let round = 0;
  try {
    await fc.assert(
      fc.asyncProperty(inputArbitrary, cutsArbitrary, async (frames, cuts) => {
        const input = Buffer.concat(frames);
        const raw = await RawPeer.connect(server.address.port);
        for (const chunk of split(input, cuts)) raw.write(chunk);
        raw.socket.end();
        const replies = await raw.untilClosed(5000);
        raw.destroy();
        assert.ok(replies.length <= frames.length + 1, 'at most one reply a frame, and one error');
        for (const reply of replies) {
          assert.equal(readU32(reply.bytes, 16), frameCrc(reply.bytes), 'valid CRC');
          assert.equal(reply.bytes[22], 0);
          assert.ok(reply.status <= Status.UNAVAILABLE);
        }
        steady.write(requestBytes(OpCode.PING, { id: ++round }));
        assert.equal((await steady.next(2000)).requestIdLo, round);
      }),
      { ...fcParams(fuzz ? 100_000 : 200), interruptAfterTimeLimit: fuzz ? 60_000 : 2_000 },
    );
    assert.deepEqual(internalErrors, [], 'no handler bug surfaced');
    assert.ok(round > 0);
  } finally {
    steady.destroy();
    await server.shutdown();
  }
});
