// FrameEncoder: many frames appended in a turn come out of one take() as the concatenation of
// the frames encoded one by one; a slab roll-over never rewrites bytes already taken; error
// messages are cut to 1 024 bytes at a character boundary and their frames stay valid.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Buffer } from 'node:buffer';
import { fcParams } from '../../engine/testing/fc_params.ts';
import { FrameDecoder, FrameError, replyLayout } from './decoder.ts';
import { encodeReply, FrameEncoder } from './encoder.ts';
import { RESERVED_V1, TABLE_HASH, type FrameEcho, type ReplyFrame } from './frame.ts';

const echoOf = (id: number, version: number): FrameEcho => ({
  requestIdLo: id,
  requestIdHi: 0,
  version,
  reserved: version === 2 ? TABLE_HASH : RESERVED_V1,
});

function decodeReplies(bytes: Uint8Array): ReplyFrame[] {
  const decoder = new FrameDecoder(replyLayout, 1 << 20);
  decoder.push(bytes);
  const out: ReplyFrame[] = [];
  for (let r = decoder.next(); r !== null; r = decoder.next()) {
    assert.ok(!(r instanceof FrameError), 'valid frames only');
    out.push(r);
  }
  return out;
}

test('replies appended in a turn come out of take() as the one-by-one frames, in order', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(fc.nat(), fc.constantFrom(1, 2), fc.nat(12), fc.uint8Array({ maxLength: 3000 })),
        { maxLength: 40 },
      ),
      fc.integer({ min: 32, max: 8192 }),
      (replies, slabBytes) => {
        const encoder = new FrameEncoder(slabBytes);
        const taken: Uint8Array[] = [];
        const expected: Uint8Array[] = [];
        replies.forEach(([id, version, status, body], index) => {
          encoder.appendReply(echoOf(id, version), status, body);
          expected.push(encodeReply(echoOf(id, version), status, body));
          if (index % 7 === 6) taken.push(encoder.take()!);
        });
        const last = encoder.take();
        if (last !== null) taken.push(last);
        const snapshot = taken.map((bytes) => Buffer.from(bytes).toString('hex'));
        assert.equal(Buffer.concat(taken).toString('hex'), Buffer.concat(expected).toString('hex'));
        encoder.appendReply(echoOf(1, 1), 0, new Uint8Array(slabBytes));
        assert.deepEqual(taken.map((bytes) => Buffer.from(bytes).toString('hex')), snapshot,
          'taken regions are never rewritten');
        assert.equal(encoder.pendingBytes, 32 + slabBytes);
      },
    ),
    fcParams(200),
  );
});

test('an error message is cut to 1 024 bytes at a character boundary', () => {
  const encoder = new FrameEncoder();
  encoder.appendReplyMessage(echoOf(5, 2), 3, 'é'.repeat(600));
  encoder.appendReplyMessage(echoOf(6, 1), 8, 'cas version mismatch');
  const [long, short] = decodeReplies(encoder.take()!);
  assert.equal(long!.body.length, 1024);
  assert.equal(Buffer.from(long!.body).toString('utf8'), 'é'.repeat(512));
  assert.equal(Buffer.from(short!.body).toString('utf8'), 'cas version mismatch');
  assert.equal(short!.requestIdLo, 6);
  const odd = new FrameEncoder();
  odd.appendReplyMessage(echoOf(7, 1), 3, `x${'é'.repeat(600)}`);
  assert.equal(decodeReplies(odd.take()!)[0]!.body.length, 1023);
});

test('take() returns null when nothing is pending', () => {
  const encoder = new FrameEncoder();
  assert.equal(encoder.take(), null);
  encoder.appendReply(echoOf(1, 1), 0, new Uint8Array(0));
  assert.equal(encoder.take()!.length, 32);
  assert.equal(encoder.take(), null);
});
