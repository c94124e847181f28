// WAL record tests: random batches round-trip through seal() and decodeWalRecord (keys,
// kinds, values, consecutive seqs), an oversized batch splits between entries into records
// that decode to the same entries, and malformed records are CorruptionError, never a
// wrong entry.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from '../testing/fc_params.ts';
import { keyArbitrary, valueArbitrary } from '../testing/lsm_model.ts';
import { CorruptionError } from '../errors.ts';
import { EntryKind } from './internal_key.ts';
import {
  decodeWalRecord, WAL_RECORD_HEADER_BYTES, walEntryBytes, WriteBatch,
} from './write_batch.ts';

interface Op {
  key: Uint8Array;
  value: Uint8Array | null;
}

const opsArbitrary = fc.array(fc.record({
  key: keyArbitrary,
  value: fc.option(valueArbitrary, { nil: null }),
}), { minLength: 1, maxLength: 60 });

function build(ops: Op[]): WriteBatch {
  const batch = new WriteBatch();
  for (const op of ops) {
    if (op.value === null) batch.delete(op.key);
    else batch.put(op.key, op.value);
  }
  return batch;
}

function decodeAll(records: Uint8Array[]): Array<[string, number, number, string]> {
  const out: Array<[string, number, number, string]> = [];
  for (const record of records) {
    decodeWalRecord(record, (key, seq, kind, value) => {
      out.push([Buffer.from(key).toString('hex'), seq, kind, Buffer.from(value).toString('hex')]);
    });
  }
  return out;
}

function expected(ops: Op[], baseSeq: number): Array<[string, number, number, string]> {
  return ops.map((op, index) => [Buffer.from(op.key).toString('hex'), baseSeq + index,
    op.value === null ? EntryKind.tombstone : EntryKind.value,
    Buffer.from(op.value ?? new Uint8Array(0)).toString('hex')]);
}

test('a sealed batch decodes to its entries with consecutive seqs', () => {
  fc.assert(fc.property(opsArbitrary, fc.integer({ min: 1, max: 2 ** 50 }), (ops, baseSeq) => {
    const batch = build(ops);
    const records = batch.seal(baseSeq);
    assert.equal(records.length, 1);
    assert.equal(batch.byteLength, WAL_RECORD_HEADER_BYTES + ops.reduce((sum, op) =>
      sum + walEntryBytes(op.key.length, op.value?.length ?? null), 0));
    assert.deepEqual(decodeAll(records), expected(ops, baseSeq));
  }), fcParams());
});

test('a batch above the record limit splits between entries and decodes the same', () => {
  fc.assert(fc.property(opsArbitrary, fc.integer({ min: 64, max: 4096 }), (ops, limit) => {
    const batch = build(ops);
    const records = batch.seal(7, limit);
    assert.deepEqual(decodeAll(records), expected(ops, 7));
    if (records.length > 1) {
      for (const record of records) {
        // Only a single entry larger than the limit may exceed it.
        let entries = 0;
        decodeWalRecord(record, () => entries++);
        assert.ok(record.length <= limit || entries === 1, `${record.length} > ${limit}`);
      }
    }
  }), fcParams());
});

test('putParts concatenates key and value parts without a copy by the caller', () => {
  const batch = new WriteBatch();
  batch.putParts(Uint8Array.of(1, 2), Uint8Array.of(3), Uint8Array.of(9), Uint8Array.of(8, 7));
  batch.deleteParts(Uint8Array.of(1), Uint8Array.of(4));
  assert.deepEqual(decodeAll(batch.seal(1)), [['010203', 1, 1, '090807'], ['0104', 2, 0, '']]);
  assert.equal(batch.payloadBytes, 6 + 2);
  batch.clear();
  assert.equal(batch.count, 0);
  assert.equal(batch.byteLength, WAL_RECORD_HEADER_BYTES);
});

test('malformed WAL records are CorruptionError naming the problem', () => {
  const batch = new WriteBatch();
  batch.put(Uint8Array.of(1), Uint8Array.of(2, 3));
  const good = batch.seal(5)[0]!.slice();
  const cases: Array<[string, (record: Uint8Array) => Uint8Array, RegExp]> = [
    ['short', (r) => r.subarray(0, 5), /below the header/],
    ['version', (r) => { r[0] = 9; return r; }, /unknown version 9/],
    ['kind', (r) => { r[13] = 7; return r; }, /bad kind 7/],
    ['count', (r) => { r[9] = 2; return r; }, /bad kind undefined|past the record/],
    ['zero count', (r) => { r[9] = 0; return r; }, /no entries/],
    ['trailing', (r) => Uint8Array.of(...r, 0), /1 bytes left/],
    ['key length', (r) => { r[14] = 100; return r; }, /past the record/],
  ];
  for (const [name, damage, message] of cases) {
    assert.throws(() => decodeWalRecord(damage(good.slice()), () => undefined, 'wal/x', 42),
      (error: unknown) => error instanceof CorruptionError && message.test(error.message) &&
        error.offsetBytes === 42, name);
  }
});
