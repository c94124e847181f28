// The op table against spec §6 and §1.2: every request op is there with its support, the
// not-supported families carry their exact messages, reply-only codes and unknown codes are
// answered `unknown op code 0x…` with four hex digits, and the blocking ops of §3.3 (and only
// they) have a timeout outcome.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Status } from './frame.ts';
import {
  allOps,
  isReplyCode,
  OpCode,
  opInfo,
  opRejection,
  timeoutReply,
  unregisteredMessage,
} from './opcodes.ts';

test('the op table lists every request op of §6 by family', () => {
  const counts = new Map<string, number>();
  for (const op of allOps()) counts.set(op.family, (counts.get(op.family) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(counts), {
    system: 3,
    namespace: 6,
    cluster: 7,
    kv: 16,
    stream: 10,
    group: 12,
    queue: 17,
    timeseries: 7,
    action: 10,
    worker: 6,
    workflow: 11,
    processing: 8,
  });
  assert.equal(OpCode.KV_GET, 0x101);
  assert.equal(opInfo(0x34a)?.name, 'WORKFLOW_LIST_DEFINITIONS');
});

test('unknown and reply-only op codes get `unknown op code 0x` and four hex digits', () => {
  assert.equal(opRejection(0x999), 'unknown op code 0x0999');
  assert.equal(opRejection(0xffff), 'unknown op code 0xffff');
  for (const code of [0x001, 0x002, 0x005, 0x020, 0x106, 0x10a, 0x158, 0x199, 0x315, 0x377]) {
    assert.ok(isReplyCode(code), code.toString(16));
    assert.equal(opRejection(code), `unknown op code 0x${code.toString(16).padStart(4, '0')}`);
  }
  assert.equal(isReplyCode(0x101), false);
  assert.equal(opRejection(0x101), null);
});

test('not-supported ops carry the exact §1.2 messages', () => {
  for (let code = 0x1a0; code <= 0x1a6; code++) {
    assert.equal(opRejection(code), 'not supported: time-series');
  }
  for (let code = 0x360; code <= 0x367; code++) {
    assert.equal(opRejection(code), 'not supported: processing');
  }
  for (let code = 0x032; code <= 0x036; code++) {
    assert.equal(opRejection(code), 'not supported: cluster membership');
  }
  for (const code of [0x137, 0x138]) {
    assert.equal(opRejection(code), 'not supported: subscriptions (use STREAM_READ with block_ms)');
  }
  assert.match(opRejection(0x004)!, /^not supported: /);
  assert.match(opRejection(0x014)!, /^not supported: /);
});

test('workflow ops without a handler are answered `not supported: workflows`', () => {
  for (let code = 0x340; code <= 0x34a; code++) {
    const op = opInfo(code)!;
    assert.equal(opRejection(code), null);
    assert.equal(unregisteredMessage(op), 'not supported: workflows');
  }
});

test('exactly the blocking ops of §3.3 have a timeout outcome', () => {
  const blocking = allOps().filter((op) => op.timeout !== null).map((op) => op.name);
  assert.deepEqual(blocking, [
    'KV_GET',
    'STREAM_READ',
    'STREAM_GROUP_READ',
    'QUEUE_DEQUEUE',
    'ACTION_AWAIT',
  ]);
  assert.deepEqual(timeoutReply('notFoundEmpty'), {
    status: Status.NOT_FOUND,
    body: new Uint8Array(0),
  });
  assert.deepEqual(timeoutReply('okCountZero'), { status: Status.OK, body: new Uint8Array(4) });
  assert.deepEqual(timeoutReply('okEmpty'), { status: Status.OK, body: new Uint8Array(0) });
});
