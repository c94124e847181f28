// Tests of CRC-framed records: round trips, and where a scan stops for every kind of damage
// (torn tail at every byte, every flipped bit, zeroed tail, over-limit length).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from '../testing/fc_params.ts';
import { encodeFrame, scanFrames, FRAME_HEADER_BYTES } from './record_frame.ts';
import { crc32 } from './crc32.ts';

function concat(parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

test('crc32 returns the CRC-32/ISO-HDLC check value', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
});

test('scanFrames returns every payload of a sequence of frames', () => {
  fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
    (payloads) => {
      const data = concat(payloads.map(encodeFrame));
      const scan = scanFrames(data, 1 << 20);
      assert.equal(scan.stop, 'end');
      assert.equal(scan.validBytes, data.length);
      assert.deepEqual(scan.payloads.map((p) => [...p]), payloads.map((p) => [...p]));
    }), fcParams());
});

test('scanFrames stops at a torn tail cut at every byte of the last frame', () => {
  const first = encodeFrame(new Uint8Array([1, 2, 3]));
  const last = encodeFrame(new Uint8Array([4, 5, 6, 7, 8]));
  const data = concat([first, last]);
  for (let cut = first.length + 1; cut < data.length; cut++) {
    const scan = scanFrames(data.subarray(0, cut), 1 << 20);
    assert.equal(scan.payloads.length, 1, `cut at ${cut}`);
    assert.equal(scan.validBytes, first.length);
    // A cut inside the header or payload is torn; the CRC never gets a chance to lie.
    assert.equal(scan.stop, 'torn');
  }
});

test('scanFrames reports a checksum stop for every flipped bit of the last frame', () => {
  const first = encodeFrame(new Uint8Array([9]));
  const last = encodeFrame(new Uint8Array([10, 11, 12]));
  const data = concat([first, last]);
  for (let bit = first.length * 8; bit < data.length * 8; bit++) {
    const damaged = data.slice();
    damaged[bit >> 3]! ^= 1 << (bit & 7);
    const scan = scanFrames(damaged, 1 << 20);
    assert.equal(scan.payloads.length, 1, `bit ${bit}`);
    assert.equal(scan.validBytes, first.length);
    assert.notEqual(scan.stop, 'end');
  }
});

test('scanFrames refuses a zeroed tail and an over-limit length', () => {
  const first = encodeFrame(new Uint8Array([1]));
  const zeroed = concat([first, new Uint8Array(64)]);
  assert.equal(scanFrames(zeroed, 1 << 20).stop, 'checksum');
  const big = encodeFrame(new Uint8Array(100));
  const scan = scanFrames(big, 50);
  assert.equal(scan.stop, 'too-large');
  assert.equal(scan.validBytes, 0);
  assert.equal(FRAME_HEADER_BYTES, 8);
});
