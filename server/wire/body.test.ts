// BodyReader and BodyWriter: any sequence of fields written reads back the same; a read past
// the end at any truncation point, a flag byte other than 0/1 and a length above its bound are
// `malformed value`; a reused writer's view() is overwritten by the next use, toBytes() is not.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from '../../engine/testing/fc_params.ts';
import { BodyReader } from './body_reader.ts';
import { BodyWriter } from './body_writer.ts';
import { Status } from './frame.ts';
import { WireError } from './wire_error.ts';

type Field =
  | { kind: 'u8' | 'u16' | 'u32' | 'u64' | 'i64'; value: bigint }
  | { kind: 'flag'; value: boolean }
  | { kind: 'bytesU16' | 'bytesU32'; value: Uint8Array };

const field: fc.Arbitrary<Field> = fc.oneof(
  fc.bigInt({ min: 0n, max: 0xffn }).map((value) => ({ kind: 'u8' as const, value })),
  fc.bigInt({ min: 0n, max: 0xffffn }).map((value) => ({ kind: 'u16' as const, value })),
  fc.bigInt({ min: 0n, max: 0xffff_ffffn }).map((value) => ({ kind: 'u32' as const, value })),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((value) => ({ kind: 'u64' as const, value })),
  fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map((value) => ({
    kind: 'i64' as const,
    value,
  })),
  fc.boolean().map((value) => ({ kind: 'flag' as const, value })),
  fc.uint8Array({ maxLength: 50 }).map((value) => ({ kind: 'bytesU16' as const, value })),
  fc.uint8Array({ maxLength: 50 }).map((value) => ({ kind: 'bytesU32' as const, value })),
);

function write(writer: BodyWriter, fields: Field[]): void {
  for (const f of fields) {
    if (f.kind === 'flag') writer.u8(f.value ? 1 : 0);
    else if (f.kind === 'bytesU16' || f.kind === 'bytesU32') writer[f.kind](f.value);
    else if (f.kind === 'u64' || f.kind === 'i64') writer[f.kind](f.value);
    else writer[f.kind](Number(f.value));
  }
}

function read(reader: BodyReader, f: Field): unknown {
  switch (f.kind) {
    case 'u8':
    case 'u16':
    case 'u32':
      return BigInt(reader[f.kind]());
    case 'u64':
      return reader.u64Big();
    case 'i64':
      return reader.i64Big();
    case 'flag':
      return reader.flag();
    case 'bytesU16':
    case 'bytesU32':
      return reader[f.kind]();
  }
}

const malformed = (error: unknown): boolean =>
  error instanceof WireError &&
  error.status === Status.BAD_REQUEST &&
  error.message.startsWith('malformed value');

test('any sequence of fields written by BodyWriter reads back the same with BodyReader', () => {
  const writer = new BodyWriter(4);
  fc.assert(
    fc.property(
      fc.array(field, { maxLength: 30 }),
      fc.uint8Array({ maxLength: 20 }),
      (fields, tail) => {
        write(writer.reset(), fields);
        writer.bytes(tail);
        const reader = new BodyReader(writer.toBytes());
        for (const f of fields) assert.deepEqual(read(reader, f), f.value);
        assert.deepEqual(reader.rest(), tail);
        assert.ok(reader.atEnd);
      },
    ),
    fcParams(300),
  );
});

test('reading a truncated body fails with `malformed value` at every cut', () => {
  fc.assert(
    fc.property(fc.array(field, { minLength: 1, maxLength: 10 }), (fields) => {
      const writer = new BodyWriter();
      write(writer, fields);
      const bytes = writer.toBytes();
      for (let cut = 0; cut < bytes.length; cut++) {
        const reader = new BodyReader(bytes.subarray(0, cut));
        assert.throws(() => fields.forEach((f) => read(reader, f)), malformed, `cut ${cut}`);
      }
    }),
    fcParams(100),
  );
});

test('u64() and i64() saturate to the safe integer range; the bigint forms are exact', () => {
  const bytes = new BodyWriter().u64((1n << 64n) - 1n).i64(-(1n << 63n)).u64(42).toBytes();
  const reader = new BodyReader(bytes);
  assert.equal(reader.u64(), Number.MAX_SAFE_INTEGER);
  assert.equal(reader.i64(), Number.MIN_SAFE_INTEGER);
  assert.equal(reader.u64(), 42);
});

test('a flag byte other than 0 or 1 and a length above its bound are `malformed value`', () => {
  assert.throws(() => new BodyReader(Uint8Array.of(2)).flag('has_desc'), (error: unknown) =>
    malformed(error) && (error as Error).message.includes('has_desc'));
  const named = new BodyWriter().bytesU16(new Uint8Array(300)).toBytes();
  assert.throws(() => new BodyReader(named).bytesU16('group', 255), malformed);
  assert.equal(new BodyReader(named).bytesU16('group', 300).length, 300);
});

test('a reused BodyWriter overwrites its view(); toBytes() is an independent copy', () => {
  const writer = new BodyWriter();
  writer.u32(1);
  const view = writer.view();
  const copy = writer.toBytes();
  writer.reset().u32(2);
  assert.deepEqual([...view], [2, 0, 0, 0]);
  assert.deepEqual([...copy], [1, 0, 0, 0]);
  assert.throws(() => writer.u8(256), RangeError);
  assert.throws(() => writer.u64(-1), RangeError);
  assert.throws(() => writer.i64(1n << 63n), RangeError);
});
