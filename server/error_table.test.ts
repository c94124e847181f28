// The error table: every engine error code maps to a wire status the spec allows for it, and
// on to an HTTP status; non-engine errors are not mapped (they are bugs, answered
// INTERNAL_ERROR). Also pins the protocol's wait bound to the engine's.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConflictError,
  CorruptionError,
  EngineError,
  ErrorCode,
  NotFoundError,
} from '../engine/mod.ts';
import { waitMsMax as engineWaitMsMax } from '../engine/limits.ts';
import { engineErrorReply, httpStatusOf, wireStatusOf } from './error_table.ts';
import { Status } from './wire/frame.ts';
import { waitMsMax } from './wire/limits.ts';

test('every engine error code maps to a wire status and an HTTP status', () => {
  for (const code of Object.values(ErrorCode)) {
    const status = wireStatusOf(code);
    assert.notEqual(status, Status.OK, code);
    assert.ok(httpStatusOf(status) >= 400, code);
  }
  assert.equal(wireStatusOf(ErrorCode.notFound), Status.NOT_FOUND);
  assert.equal(wireStatusOf(ErrorCode.crossNamespaceTransaction), Status.CROSS_CORE_TRANSACTION);
  assert.equal(wireStatusOf(ErrorCode.storageIo), Status.UNAVAILABLE);
  assert.equal(httpStatusOf(Status.OK), 200);
});

test('engineErrorReply maps engine errors with their message and leaves other errors alone', () => {
  assert.deepEqual(engineErrorReply(new NotFoundError('action not found')), {
    status: Status.NOT_FOUND,
    message: 'action not found',
  });
  assert.equal(engineErrorReply(new ConflictError('x'))?.status, Status.CONFLICT);
  assert.equal(engineErrorReply(new CorruptionError('a.seg', 4, 'bad crc'))?.status,
    Status.INTERNAL_ERROR);
  assert.equal(engineErrorReply(new EngineError(ErrorCode.closed, 'closing'))?.status,
    Status.UNAVAILABLE);
  assert.deepEqual(engineErrorReply(new RangeError('count must be in [1, 100], got 0')),
    { status: Status.BAD_REQUEST, message: 'count must be in [1, 100], got 0' });
  assert.equal(engineErrorReply(new TypeError('x'))?.status, Status.BAD_REQUEST);
  assert.equal(engineErrorReply(new Error('bug')), null);
  assert.equal(engineErrorReply('string'), null);
});

test('the wire wait bound equals the engine wait bound', () => {
  assert.equal(waitMsMax, engineWaitMsMax);
});
