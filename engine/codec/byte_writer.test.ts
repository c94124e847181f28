// Tests of ByteWriter.text: whatever path a string takes (ASCII in place, non-ASCII in place
// through encodeInto, long strings encoded then copied), the bytes are a varint length and
// the string's UTF-8 (TextEncoder's, lone surrogates as U+FFFD), at any write position.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from '../testing/fc_params.ts';
import { ByteWriter } from './byte_writer.ts';
import { fromUtf8, utf8 } from './bytes.ts';
import { readVarint, varintSize } from './varint.ts';

function expected(prefix: number, value: string): Uint8Array {
  const bytes = utf8(value);
  const out = new ByteWriter(1).bytes(new Uint8Array(prefix).fill(7)).varint(bytes.length);
  return out.bytes(bytes).finish();
}

test('ByteWriter.text writes a varint length and the UTF-8 of any string', () => {
  const strings = fc.oneof(fc.string({ maxLength: 60 }),
    fc.string({ unit: 'grapheme', maxLength: 50 }),
    fc.string({ unit: 'binary', maxLength: 50 }), fc.string({ minLength: 40, maxLength: 300 }));
  fc.assert(fc.property(fc.nat(20), fc.nat(64), strings, (prefix, capacity, value) => {
    const out = new ByteWriter(capacity + 1).bytes(new Uint8Array(prefix).fill(7));
    assert.deepEqual(out.text(value).finish(), expected(prefix, value));
  }), fcParams());
});

test('ByteWriter.text round-trips through readVarint and the UTF-8 decoder', () => {
  for (const value of ['', 'a', 'bench', '{}', 'é', '日本語', 'x'.repeat(42), 'x'.repeat(43),
    'é'.repeat(42), '\ud800', 'y'.repeat(200)]) {
    const bytes = new ByteWriter(4).text(value).finish();
    const cursor = { buffer: bytes, position: 0 };
    const length = readVarint(cursor);
    assert.equal(cursor.position, varintSize(length));
    assert.equal(fromUtf8(bytes.subarray(cursor.position)), value.replace('\ud800', '\ufffd'));
    assert.equal(bytes.length, cursor.position + length);
  }
});
