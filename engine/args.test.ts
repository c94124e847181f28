// Tests of the shared argument checks: names (NUL, empty, UTF-8 length past the shortcut),
// page limits (default, clamp) and name cursors (round trip, first page, malformed).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from './testing/fc_params.ts';
import { checkName, checkPageLimit, decodeCursorKey, encodeNameCursor } from './args.ts';

test('checkName refuses non-strings, empty names, NUL and names over their UTF-8 limit', () => {
  assert.equal(checkName('orders', 'queue', 8), 'orders');
  assert.equal(checkName('', 'namespace', 8, true), '');
  assert.throws(() => checkName(7, 'queue', 8), TypeError);
  assert.throws(() => checkName('', 'queue', 8), /queue must not be empty/);
  assert.throws(() => checkName('a\u0000b', 'queue', 8), /queue must not contain NUL/);
  // Three UTF-16 units, nine UTF-8 bytes: past the 3-bytes-per-unit shortcut, then measured.
  assert.equal(checkName('ééé', 'queue', 6), 'ééé');
  assert.throws(() => checkName('€€€', 'queue', 8), /queue is 9 bytes; the limit is 8/);
});

test('checkPageLimit: absent or 0 is the default, above the maximum is clamped', () => {
  assert.equal(checkPageLimit(undefined, 100, 1000), 100);
  assert.equal(checkPageLimit(0, 100, 1000), 100);
  assert.equal(checkPageLimit(250, 100, 1000), 250);
  assert.equal(checkPageLimit(5000, 100, 1000), 1000);
  assert.throws(() => checkPageLimit(-1, 100, 1000), RangeError);
  assert.throws(() => checkPageLimit('10', 100, 1000), TypeError);
});

test('a name cursor decodes to the UTF-8 of its name; empty or absent is the first page', () => {
  fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 40 }), (name) => {
    const key = decodeCursorKey(encodeNameCursor(name));
    assert.deepEqual(key, new TextEncoder().encode(name));
  }), fcParams());
  assert.equal(decodeCursorKey(undefined), null);
  assert.equal(decodeCursorKey(new Uint8Array(0)), null);
  assert.throws(() => decodeCursorKey('x'), TypeError);
  assert.throws(() => decodeCursorKey(Uint8Array.of(0x02, 0x61)), /invalid cursor/);
  assert.throws(() => decodeCursorKey(Uint8Array.of(0x01)), /invalid cursor/);
  assert.throws(() => decodeCursorKey(Uint8Array.of(0x01, 0x61), 2), /invalid cursor/);
});
