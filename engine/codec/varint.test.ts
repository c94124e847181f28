// Property tests of the varint and fixed-width codecs: round trips over the whole safe range,
// and every malformed input is a RangeError, never a wrong number.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from '../testing/fc_params.ts';
import {
  readVarint, varintSize, writeVarint, zigzagDecode, zigzagEncode, VARINT_BYTES_MAX,
} from './varint.ts';
import { readI64, readU64, writeI64, writeU64, compareBytes, fromHex, toHex } from './bytes.ts';

const safeUint = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const safeInt = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });

test('varint round-trips every safe integer and takes varintSize bytes', () => {
  fc.assert(fc.property(safeUint, (value) => {
    const buffer = new Uint8Array(VARINT_BYTES_MAX + 2);
    const end = writeVarint(buffer, 1, value);
    assert.equal(end - 1, varintSize(value));
    const cursor = { buffer, position: 1 };
    assert.equal(readVarint(cursor), value);
    assert.equal(cursor.position, end);
  }), fcParams());
});

test('varint boundaries encode to the expected bytes', () => {
  const cases: Array<[number, string]> = [
    [0, '00'], [127, '7f'], [128, '8001'], [300, 'ac02'],
    [Number.MAX_SAFE_INTEGER, 'ffffffffffffff0f'],
  ];
  for (const [value, hex] of cases) {
    const buffer = new Uint8Array(8);
    const end = writeVarint(buffer, 0, value);
    assert.equal(toHex(buffer.subarray(0, end)), hex);
  }
});

test('readVarint rejects truncated, over-long and redundant encodings', () => {
  const bad = ['', '80', 'ffff', '8000', 'ffffffffffffffff01', 'ffffffffffffff7f'];
  for (const hex of bad) {
    assert.throws(() => readVarint({ buffer: fromHex(hex), position: 0 }), RangeError, hex);
  }
});

test('zigzag round-trips signed values', () => {
  fc.assert(fc.property(fc.integer({ min: -(2 ** 51), max: 2 ** 51 }), (value) => {
    const encoded = zigzagEncode(value);
    assert.ok(encoded >= 0);
    assert.equal(zigzagDecode(encoded), value);
  }), fcParams());
  assert.deepEqual([0, -1, 1, -2].map(zigzagEncode), [0, 1, 2, 3]);
});

test('u64 and i64 round-trip and match BigInt encodings', () => {
  fc.assert(fc.property(safeUint, safeInt, (unsigned, signed) => {
    const buffer = new Uint8Array(16);
    writeU64(buffer, 0, unsigned);
    writeI64(buffer, 8, signed);
    const view = new DataView(buffer.buffer);
    assert.equal(view.getBigUint64(0, true), BigInt(unsigned));
    assert.equal(view.getBigInt64(8, true), BigInt(signed));
    assert.equal(readU64(buffer, 0), unsigned);
    assert.equal(readI64(buffer, 8), signed);
  }), fcParams());
});

test('readU64 and readI64 refuse values outside the safe range', () => {
  const buffer = new Uint8Array(8);
  new DataView(buffer.buffer).setBigUint64(0, 2n ** 53n, true);
  assert.throws(() => readU64(buffer, 0), RangeError);
  new DataView(buffer.buffer).setBigInt64(0, -(2n ** 53n) - 1n, true);
  assert.throws(() => readI64(buffer, 0), RangeError);
});

test('compareBytes orders like unsigned bytewise comparison', () => {
  fc.assert(fc.property(fc.uint8Array(), fc.uint8Array(), (a, b) => {
    const expected = Buffer.compare(Buffer.from(a), Buffer.from(b));
    assert.equal(Math.sign(compareBytes(a, b)), expected);
  }), fcParams());
});
