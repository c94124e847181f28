// FrameDecoder, case by case (after LevelDB log_test.cc): whole and split frames, each
// frame-level error of §3.6 with the echo its error frame needs, the check order of §3.1,
// truncation at every byte, every header bit flipped, and the incomplete-frame error of §3.7.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, FrameError, replyLayout, requestLayout } from './decoder.ts';
import { encodeReply, encodeRequest } from './encoder.ts';
import {
  RESERVED_V1,
  TABLE_HASH,
  requestIdBigInt,
  type RequestFrame,
  writeU32,
  frameCrc,
} from './frame.ts';

const LIMIT = 1024;
const newDecoder = (): FrameDecoder<RequestFrame> => new FrameDecoder(requestLayout, LIMIT);

function frame(id: number, payload: Uint8Array, version = 1, opCode = 0x101): Uint8Array {
  const reserved = version === 2 ? TABLE_HASH : RESERVED_V1;
  return encodeRequest(
    { requestIdLo: id, requestIdHi: 0, version, reserved, opCode, flags: 0 },
    payload,
  );
}

function decodeAll(decoder: FrameDecoder<RequestFrame>): (RequestFrame | FrameError)[] {
  const out: (RequestFrame | FrameError)[] = [];
  for (let result = decoder.next(); result !== null; result = decoder.next()) {
    out.push(result);
    if (result instanceof FrameError) break;
  }
  return out;
}

function onlyError(decoder: FrameDecoder<RequestFrame>): FrameError {
  const result = decoder.next();
  assert.ok(result instanceof FrameError, `want a FrameError, got ${String(result)}`);
  return result;
}

/** A frame whose CRC is recomputed after `edit` changed its bytes. */
function edited(bytes: Uint8Array, edit: (bytes: Uint8Array) => void): Uint8Array {
  const copy = bytes.slice();
  edit(copy);
  writeU32(copy, 16, frameCrc(copy));
  return copy;
}

test('FrameDecoder returns a frame that lies in one chunk as a view of it', () => {
  const bytes = frame(7, Uint8Array.of(1, 2, 3));
  const decoder = newDecoder();
  decoder.push(bytes);
  const result = decoder.next() as RequestFrame;
  assert.equal(result.bytes.buffer, bytes.buffer, 'no copy');
  assert.equal(result.requestIdLo, 7);
  assert.deepEqual([...result.payload], [1, 2, 3]);
  assert.equal(decoder.next(), null);
  assert.equal(decoder.bufferedBytes, 0);
});

test('FrameDecoder reassembles a frame split over chunks and ten frames in one chunk', () => {
  const frames = Array.from({ length: 10 }, (_, index) => frame(index + 1, new Uint8Array(index)));
  const all = Buffer.concat(frames);
  const decoder = newDecoder();
  decoder.push(all.subarray(0, 45));
  decoder.push(all.subarray(45, 46));
  decoder.push(all.subarray(46));
  const results = decodeAll(decoder) as RequestFrame[];
  assert.equal(results.length, 10);
  results.forEach((result, index) => {
    assert.equal(result.requestIdLo, index + 1);
    assert.deepEqual(result.bytes, frames[index]);
  });
  assert.equal(decoder.framesDecoded, 10);
});

test('FrameDecoder needs more bytes at every truncation point of a valid frame', () => {
  const bytes = frame(9, new Uint8Array(20).fill(7), 2);
  for (let cut = 0; cut < bytes.length; cut++) {
    const decoder = newDecoder();
    decoder.push(bytes.subarray(0, cut));
    assert.equal(decoder.next(), null, `cut at ${cut}`);
    decoder.push(bytes.subarray(cut));
    assert.equal((decoder.next() as RequestFrame).requestIdLo, 9);
  }
});

test('FrameDecoder rejects a bad magic as soon as four bytes arrived, echoing id 0 and v1', () => {
  const decoder = newDecoder();
  decoder.push(Uint8Array.of(0x46, 0x4c, 0x4f));
  assert.equal(decoder.next(), null);
  decoder.push(Uint8Array.of(0x01));
  const error = onlyError(decoder);
  assert.equal(error.reason, 'invalid magic');
  assert.equal(error.echo.requestIdLo, 0);
  assert.equal(error.echo.version, 1);
  assert.deepEqual(error.echo.reserved, RESERVED_V1);
});

test('FrameDecoder rejects each version/reserved combination §2.4 does not accept', () => {
  const cases: [string, (bytes: Uint8Array) => void][] = [
    ['version 3', (b) => (b[22] = 3)],
    ['version 0', (b) => (b[22] = 0)],
    ['v1 with a non-zero reserved byte', (b) => (b[31] = 1)],
    ['v2 with zero reserved bytes', (b) => (b[22] = 2)],
    ['v1 with the table hash', (b) => b.set(TABLE_HASH, 24)],
  ];
  for (const [name, edit] of cases) {
    const bytes = edited(frame(0x1234, new Uint8Array(3)), edit);
    const decoder = newDecoder();
    decoder.push(bytes.subarray(0, 32));
    const error = onlyError(decoder);
    assert.equal(error.reason, 'unsupported protocol version', name);
    assert.equal(error.echo.requestIdLo, 0x1234, name);
    assert.equal(error.echo.version, bytes[22], name);
    assert.deepEqual(error.echo.reserved, bytes.subarray(24, 32), name);
  }
});

test('FrameDecoder rejects a payload length above the limit from the header alone', () => {
  const header = edited(frame(5, new Uint8Array(0)), (b) => writeU32(b, 4, LIMIT + 1));
  const decoder = newDecoder();
  decoder.push(header);
  const error = onlyError(decoder);
  assert.equal(error.reason, 'frame too large');
  assert.equal(error.echo.requestIdLo, 5);
  assert.equal(decoder.bufferedBytes, 0, 'nothing is kept');
  decoder.push(new Uint8Array(4096));
  assert.equal(decoder.bufferedBytes, 0, 'a failed decoder drops its input');
  assert.equal(decoder.next(), error, 'the error is sticky');
});

test('FrameDecoder checks magic, then version, then length (§3.1 order)', () => {
  const base = frame(1, new Uint8Array(0));
  const both = edited(base, (b) => {
    b[22] = 9;
    writeU32(b, 4, LIMIT + 1);
  });
  const decoder = newDecoder();
  decoder.push(both);
  assert.equal(onlyError(decoder).reason, 'unsupported protocol version');
  const all = edited(both, (b) => (b[0] = 0));
  const decoder2 = newDecoder();
  decoder2.push(all);
  assert.equal(onlyError(decoder2).reason, 'invalid magic');
});

test('FrameDecoder reports a CRC mismatch with the request id of the frame', () => {
  const bytes = frame(77, Uint8Array.of(1, 2, 3)).slice();
  bytes[bytes.length - 1]! ^= 0x01;
  const decoder = newDecoder();
  decoder.push(bytes);
  const error = onlyError(decoder);
  assert.equal(error.reason, 'checksum mismatch');
  assert.equal(requestIdBigInt(error.echo), 77n);
});

test('FrameDecoder never accepts a frame with any single header bit flipped', () => {
  const bytes = frame(3, Uint8Array.of(9, 8, 7), 2);
  for (let bit = 0; bit < 32 * 8; bit++) {
    const flipped = bytes.slice();
    flipped[bit >> 3]! ^= 1 << (bit & 7);
    const decoder = newDecoder();
    decoder.push(flipped);
    const result = decoder.next();
    assert.ok(result === null || result instanceof FrameError, `bit ${bit} was accepted`);
  }
});

test('FrameDecoder.incompleteFrameError echoes a whole header, else request id 0 and v1', () => {
  const bytes = frame(42, new Uint8Array(10), 2);
  const decoder = newDecoder();
  assert.equal(decoder.incompleteFrameError(), null, 'between frames');
  decoder.push(bytes.subarray(0, 10));
  assert.equal(decoder.next(), null);
  const early = decoder.incompleteFrameError()!;
  assert.equal(early.reason, 'incomplete frame');
  assert.equal(early.echo.requestIdLo, 0);
  assert.equal(early.echo.version, 1);
  decoder.push(bytes.subarray(10, 40));
  assert.equal(decoder.next(), null);
  const late = decoder.incompleteFrameError()!;
  assert.equal(late.echo.requestIdLo, 42);
  assert.equal(late.echo.version, 2);
  assert.deepEqual(late.echo.reserved, TABLE_HASH);
  decoder.discard();
  assert.equal(decoder.incompleteFrameError(), null);
});

test('FrameDecoder with the reply layout reads replies and rejects a reply version 3', () => {
  const echo = { requestIdLo: 11, requestIdHi: 0, version: 2, reserved: TABLE_HASH };
  const decoder = new FrameDecoder(replyLayout, LIMIT);
  decoder.push(encodeReply(echo, 8, Uint8Array.of(0x61)));
  const reply = decoder.next();
  assert.ok(reply !== null && !(reply instanceof FrameError));
  assert.equal(reply.status, 8);
  assert.equal(reply.requestIdLo, 11);
  const bad = new FrameDecoder(replyLayout, LIMIT);
  bad.push(encodeReply({ ...echo, version: 3, reserved: RESERVED_V1 }, 0, new Uint8Array(0)));
  assert.equal((bad.next() as FrameError).reason, 'unsupported protocol version');
});
