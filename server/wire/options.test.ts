// TLV options (§4.2-4.4): written options read back through the typed accessors, whatever the
// integer width; the first occurrence of a tag wins; undefined tags are ignored; an entry
// running past the section, and data of a width the type does not accept, are `malformed
// option` errors naming the tag.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from '../../engine/testing/fc_params.ts';
import { Status } from './frame.ts';
import { OptionTag } from './option_tags.ts';
import { OptionsWriter, TlvOptions } from './options.ts';
import { WireError } from './wire_error.ts';

const malformed = (pattern: RegExp) => (error: unknown): boolean =>
  error instanceof WireError &&
  error.status === Status.BAD_REQUEST &&
  error.message.startsWith('malformed option') &&
  pattern.test(error.message);

test('unsigned options read back at every accepted width', () => {
  fc.assert(
    fc.property(
      fc.constantFrom<1 | 2 | 4 | 8>(1, 2, 4, 8),
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      (width, raw) => {
        const value = raw & ((1n << BigInt(width * 8)) - 1n);
        const options = new TlvOptions(new OptionsWriter().uint(0x17, value, width).toBytes());
        assert.equal(options.uintBig(0x17), value);
        const safe = BigInt(Number.MAX_SAFE_INTEGER);
        assert.equal(options.uint(0x17), Number(value > safe ? safe : value));
      },
    ),
    fcParams(300),
  );
});

test('a safe integer is written as the same bytes as its BigInt', () => {
  fc.assert(
    fc.property(
      fc.constantFrom<1 | 2 | 4 | 8>(1, 2, 4, 8),
      fc.maxSafeNat(),
      (width, raw) => {
        const value = width === 8 ? raw : raw % 2 ** (width * 8);
        assert.deepEqual(
          new OptionsWriter().uint(0x17, value, width).toBytes(),
          new OptionsWriter().uint(0x17, BigInt(value), width).toBytes(),
        );
        if (width < 8) {
          assert.throws(() => new OptionsWriter().uint(0x17, 2 ** (width * 8), width), RangeError);
        }
      },
    ),
    fcParams(300),
  );
  assert.throws(() => new OptionsWriter().uint(0x17, -1, 4), RangeError);
  assert.throws(() => new OptionsWriter().uint(0x17, 1.5, 4), RangeError);
  assert.throws(() => new OptionsWriter().uint(0x100, 1, 4), /tag must be/);
});

test('i64, flag, bytes and StreamID options read back what was written', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
      fc.uint8Array({ maxLength: 255 }),
      fc.record({ timestampMs: fc.nat(), sequence: fc.nat() }),
      (i64, bytes, id) => {
        const section = new OptionsWriter()
          .i64(OptionTag.ts_timestamp, i64)
          .flag(OptionTag.if_exists)
          .add(OptionTag.dedup_key, bytes)
          .streamId(OptionTag.stream_start, id)
          .toBytes();
        const options = new TlvOptions(section);
        assert.equal(options.i64Big(OptionTag.ts_timestamp), i64);
        assert.equal(options.flag(OptionTag.if_exists), true);
        assert.equal(options.flag(OptionTag.if_not_exists), false);
        assert.deepEqual(options.bytesOf(OptionTag.dedup_key), bytes);
        assert.deepEqual(options.streamId(OptionTag.stream_start), { ...id });
      },
    ),
    fcParams(300),
  );
});

test('StreamID options are big-endian (§4.5)', () => {
  const section = Uint8Array.of(0x21, 16, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 3);
  assert.deepEqual(new TlvOptions(section).streamId(0x21), { timestampMs: 258, sequence: 3 });
});

test('the first occurrence of a tag wins and undefined tags are ignored', () => {
  const section = new OptionsWriter()
    .add(0xee, Uint8Array.of(1, 2, 3))
    .uint(OptionTag.count, 5, 4)
    .uint(OptionTag.count, 9, 4)
    .toBytes();
  const options = new TlvOptions(section);
  assert.equal(options.uint(OptionTag.count), 5);
  assert.equal([...options.entries()].length, 3);
  assert.equal(options.uint(OptionTag.block_ms), undefined);
});

test('a flag is set by length 0, or by one byte that is not 0', () => {
  const read = (data: number[]): boolean =>
    new TlvOptions(Uint8Array.of(0x16, data.length, ...data)).flag(0x16);
  assert.equal(read([]), true);
  assert.equal(read([1]), true);
  assert.equal(read([7]), true);
  assert.equal(read([0]), false);
  assert.throws(() => read([1, 1]), malformed(/0x16 \(send_to_dlq\)/));
});

test('an entry running past the options section is `malformed option`', () => {
  assert.throws(() => new TlvOptions(Uint8Array.of(0x17, 4, 1, 2)), malformed(/block_ms/));
  assert.throws(() => new TlvOptions(Uint8Array.of(0x01, 0, 0x17)), malformed(/no length byte/));
  assert.equal(new TlvOptions(new Uint8Array(0)).has(0x01), false);
});

test('option data of a width its type does not accept is `malformed option`', () => {
  const options = new TlvOptions(Uint8Array.of(0x17, 3, 1, 2, 3, 0x67, 4, 0, 0, 0, 0, 0x21, 1, 0));
  assert.throws(() => options.uint(0x17), malformed(/0x17 \(block_ms\) has length 3/));
  assert.throws(() => options.i64(0x67), malformed(/want 8/));
  assert.throws(() => options.streamId(0x21), malformed(/want 16/));
});

test('OptionsWriter refuses data and values that do not fit', () => {
  assert.throws(() => new OptionsWriter().add(0x07, new Uint8Array(256)), RangeError);
  assert.throws(() => new OptionsWriter().uint(0x10, 256, 1), RangeError);
  assert.throws(() => new OptionsWriter().add(256, new Uint8Array(0)), RangeError);
});
