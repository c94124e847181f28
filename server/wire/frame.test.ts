// Frame helpers: the CRC check value of spec §2.6 and conformance item 7, the request-id
// halves (exact for every u64, both ways), status names, and the accepted version/reserved
// combinations of §2.4.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import { fcParams } from '../../engine/testing/fc_params.ts';
import {
  acceptedReserved,
  frameCrc,
  frameCrcZlib,
  RESERVED_V1,
  requestIdBigInt,
  requestIdNumber,
  splitRequestId,
  Status,
  statusName,
  TABLE_HASH,
} from './frame.ts';

test('the CRC routine returns 0xCBF43926 for "123456789" (conformance item 7)', () => {
  assert.equal(crc32(Buffer.from('123456789', 'ascii')) >>> 0, 0xcbf43926);
});

test('frameCrc (a JS table loop for small frames) equals zlib\'s for every size', () => {
  const frame = new Uint8Array(32 + 9);
  frame.set(Buffer.from('123456789', 'ascii'), 32);
  // Bytes 16-19 are skipped: changing them changes nothing.
  const before = frameCrc(frame);
  frame.fill(0xff, 16, 20);
  assert.equal(frameCrc(frame), before);
  fc.assert(fc.property(fc.uint8Array({ minLength: 20, maxLength: 600 }), (bytes) => {
    assert.equal(frameCrc(bytes), frameCrcZlib(bytes));
  }), fcParams());
});

test('request ids split into two u32 halves and join back exactly for every u64', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (id) => {
      const { lo, hi } = splitRequestId(id);
      const echo = { requestIdLo: lo, requestIdHi: hi, version: 1, reserved: RESERVED_V1 };
      assert.equal(requestIdBigInt(echo), id);
      if (id <= BigInt(Number.MAX_SAFE_INTEGER)) {
        assert.equal(requestIdNumber(echo), Number(id));
        assert.deepEqual(splitRequestId(Number(id)), { lo, hi });
      } else {
        assert.throws(() => requestIdNumber(echo), RangeError);
      }
    }),
    fcParams(500),
  );
  assert.throws(() => splitRequestId(-1), RangeError);
  assert.throws(() => splitRequestId(1n << 64n), RangeError);
});

test('statusName names every status of spec §5 and marks unknown ones', () => {
  assert.equal(statusName(Status.OK), 'OK');
  assert.equal(statusName(Status.NOT_FOUND), 'NOT_FOUND');
  assert.equal(statusName(Status.UNAVAILABLE), 'UNAVAILABLE');
  assert.equal(statusName(13), 'STATUS_13');
  assert.equal(Object.keys(Status).length, 13);
});

test('acceptedReserved accepts exactly v1 with zeros and v2 with the table hash', () => {
  const header = new Uint8Array(32);
  assert.equal(acceptedReserved(1, header), RESERVED_V1);
  assert.equal(acceptedReserved(2, header), null);
  header.set(TABLE_HASH, 24);
  assert.equal(acceptedReserved(2, header), TABLE_HASH);
  assert.equal(acceptedReserved(1, header), null);
  assert.equal(acceptedReserved(3, header), null);
  assert.equal(acceptedReserved(0, new Uint8Array(32)), null);
});
