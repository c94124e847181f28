// Fuzzing the FrameDecoder (undici split-data, nats.js byByteTest). On any bytes in any
// chunking the decoder only returns frames, "need more" (null) or a FrameError, never throws;
// the frames it returns are exactly the stream's leading bytes. Valid frames split at random
// chunk boundaries (and byte by byte) decode exactly as unsplit. Time-boxed: about two seconds
// per property, a minute each with FUZZ=1. Replay a failure with FC_SEED and FC_PATH.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Buffer } from 'node:buffer';
import { fcParams } from '../../engine/testing/fc_params.ts';
import { FrameDecoder, FrameError, requestLayout } from './decoder.ts';
import { encodeRequest } from './encoder.ts';
import { RESERVED_V1, TABLE_HASH, type RequestFrame } from './frame.ts';

const fuzz = process.env['FUZZ'] === '1';
const params = <T>(runs: number): fc.Parameters<T> => ({
  ...fcParams<T>(fuzz ? runs * 100 : runs),
  interruptAfterTimeLimit: fuzz ? 60_000 : 2_000,
});
const LIMIT = 4096;

const frameArbitrary = fc
  .record({
    id: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    version: fc.constantFrom(1, 2),
    opCode: fc.integer({ min: 0, max: 0xffff }),
    flags: fc.integer({ min: 0, max: 0xff }),
    payload: fc.uint8Array({ maxLength: 300 }),
  })
  .map(({ id, version, opCode, flags, payload }) =>
    encodeRequest(
      {
        requestIdLo: Number(id & 0xffff_ffffn),
        requestIdHi: Number(id >> 32n),
        version,
        reserved: version === 2 ? TABLE_HASH : RESERVED_V1,
        opCode,
        flags,
      },
      payload,
    ),
  );

/** Splits `bytes` at the given cut points (sorted, deduplicated, inside the array). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  return chunks;
}

/** Feeds `chunks` and collects every result until need-more or the first error. */
function run(chunks: Uint8Array[]): { frames: RequestFrame[]; error: FrameError | null } {
  const decoder = new FrameDecoder(requestLayout, LIMIT);
  const frames: RequestFrame[] = [];
  for (const chunk of chunks) {
    decoder.push(chunk);
    for (let result = decoder.next(); result !== null; result = decoder.next()) {
      if (result instanceof FrameError) return { frames, error: result };
      frames.push(result);
    }
  }
  return { frames, error: null };
}

const summary = (frames: RequestFrame[]): string[] =>
  frames.map((frame) => Buffer.from(frame.bytes).toString('hex'));

test('fuzz: on random bytes the decoder returns only frames, need-more or one FrameError', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 2000 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      fc.boolean(),
      (noise, cuts, withMagic) => {
        const bytes = withMagic ? Buffer.concat([Buffer.from('FLO\0'), noise]) : noise;
        const { frames } = run(split(bytes, cuts));
        const consumed = Buffer.concat(frames.map((frame) => frame.bytes));
        assert.deepEqual(consumed, Buffer.from(bytes.subarray(0, consumed.length)));
      },
    ),
    params(300),
  );
});

test('fuzz: valid frames split at random boundaries decode exactly as unsplit', () => {
  fc.assert(
    fc.property(
      fc.array(frameArbitrary, { minLength: 1, maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      (frames, cuts) => {
        const bytes = Buffer.concat(frames);
        const whole = run([bytes]);
        const pieces = run(split(bytes, cuts));
        assert.equal(whole.error, null);
        assert.equal(pieces.error, null);
        assert.deepEqual(summary(pieces.frames), summary(whole.frames));
        assert.deepEqual(summary(whole.frames), frames.map((f) => Buffer.from(f).toString('hex')));
      },
    ),
    params(300),
  );
});

test('fuzz: valid frames fed one byte at a time decode exactly as unsplit', () => {
  fc.assert(
    fc.property(fc.array(frameArbitrary, { minLength: 1, maxLength: 4 }), (frames) => {
      const bytes = Buffer.concat(frames);
      const chunks = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
      assert.deepEqual(summary(run(chunks).frames), summary(run([bytes]).frames));
    }),
    params(100),
  );
});

test('fuzz: valid frames then a mutated one give the valid frames, then maybe an error', () => {
  fc.assert(
    fc.property(
      fc.array(frameArbitrary, { maxLength: 4 }),
      frameArbitrary,
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      (good, victim, position, mask, cuts) => {
        const mutated = victim.slice();
        mutated[position % mutated.length]! ^= mask;
        const { frames, error } = run(split(Buffer.concat([...good, mutated]), cuts));
        assert.deepEqual(summary(frames.slice(0, good.length)), summary(run(good).frames));
        assert.ok(frames.length <= good.length + 1);
        const extra = frames[good.length];
        // A mutated frame can only pass with a CRC that matches what it now covers.
        if (extra !== undefined) {
          assert.deepEqual(extra.bytes, mutated.subarray(0, extra.bytes.length));
        }
        maybeError(error);
      },
    ),
    params(300),
  );
});

function maybeError(error: FrameError | null): void {
  if (error === null) return;
  assert.ok(
    ['invalid magic', 'unsupported protocol version', 'frame too large', 'checksum mismatch']
      .includes(error.reason),
  );
}
