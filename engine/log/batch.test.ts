// Property tests of the batch format: arbitrary batches round-trip with and without LZ4,
// every single-bit flip of a batch is caught (bad header or CRC), and a truncated batch never
// decodes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from '../testing/fc_params.ts';
import {
  BATCH_HEADER_BYTES, checkBatchCrc, Compression, decodeBatchHeader, decodeBatchRecords,
  encodeBatch, type LogRecord, type LogRecordInput,
} from './batch.ts';

const bytes = (maxLength: number) => fc.uint8Array({ maxLength });
const recordArbitrary: fc.Arbitrary<LogRecordInput> = fc.record({
  key: fc.option(bytes(40), { nil: null }),
  value: fc.oneof(bytes(300), fc.constant(new Uint8Array(2000).fill(7))),
  headers: fc.array(fc.tuple(bytes(10), bytes(20)), { maxLength: 3 }),
});
const batchArbitrary = fc.record({
  records: fc.array(recordArbitrary, { minLength: 1, maxLength: 20 }),
  baseOffset: fc.integer({ min: 0, max: 2 ** 50 }),
  startMs: fc.integer({ min: 0, max: 2 ** 45 }),
  stepsMs: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 20, maxLength: 20 }),
  compression: fc.constantFrom(Compression.none, Compression.lz4),
});

function timestamps(startMs: number, stepsMs: number[], count: number): number[] {
  const out: number[] = [];
  let now = startMs;
  for (let i = 0; i < count; i++) {
    now += stepsMs[i]!;
    out.push(now);
  }
  return out;
}

function decodeAll(batch: Uint8Array): LogRecord[] | string {
  const header = decodeBatchHeader(batch, 0);
  if (typeof header === 'string') return header;
  if (BATCH_HEADER_BYTES + header.bodyBytes !== batch.length) return 'length';
  if (!checkBatchCrc(batch, 0, header)) return 'crc';
  const out: LogRecord[] = [];
  return decodeBatchRecords(batch, 0, header, 0, 1_000_000, out) ?? out;
}

test('encodeBatch then decode returns every record, offset and timestamp', () => {
  fc.assert(fc.property(batchArbitrary, (spec) => {
    const timestampsMs = timestamps(spec.startMs, spec.stepsMs, spec.records.length);
    const batch = encodeBatch(spec.records, { ...spec, timestampsMs });
    const decoded = decodeAll(batch);
    assert.ok(typeof decoded !== 'string', String(decoded));
    assert.equal(decoded.length, spec.records.length);
    decoded.forEach((record, i) => {
      const input = spec.records[i]!;
      assert.equal(record.offset, spec.baseOffset + i);
      assert.equal(record.timestampMs, timestampsMs[i]);
      assert.deepEqual(record.key === null ? null : [...record.key],
        input.key === null || input.key === undefined ? null : [...input.key]);
      assert.deepEqual([...record.value], [...input.value]);
      assert.deepEqual(record.headers.map(([k, v]) => [[...k], [...v]]),
        (input.headers ?? []).map(([k, v]) => [[...k], [...v]]));
    });
  }), fcParams());
});

test('LZ4 batches are smaller than raw ones for compressible values', () => {
  const records = Array.from({ length: 50 }, () => ({ value: new Uint8Array(200).fill(65) }));
  const timestampsMs = new Array(50).fill(1);
  const raw = encodeBatch(records, { baseOffset: 0, timestampsMs, compression: Compression.none });
  const lz4 = encodeBatch(records, { baseOffset: 0, timestampsMs, compression: Compression.lz4 });
  assert.ok(lz4.length < raw.length / 5, `${lz4.length} vs ${raw.length}`);
  assert.equal(lz4[13], Compression.lz4);
});

test('every single-bit flip of a batch is detected', () => {
  const records = [
    { value: new Uint8Array([1, 2, 3]), key: new Uint8Array([9]) },
    { value: new Uint8Array(5) },
  ];
  for (const compression of [Compression.none, Compression.lz4]) {
    const batch = encodeBatch(records, { baseOffset: 7, timestampsMs: [5, 6], compression });
    for (let bit = 0; bit < batch.length * 8; bit++) {
      const damaged = batch.slice();
      damaged[bit >> 3]! ^= 1 << (bit & 7);
      assert.equal(typeof decodeAll(damaged), 'string', `bit ${bit} went unnoticed`);
    }
  }
});

test('a batch cut short never decodes', () => {
  const batch = encodeBatch([{ value: new Uint8Array(100) }],
    { baseOffset: 0, timestampsMs: [1], compression: Compression.none });
  for (let cut = BATCH_HEADER_BYTES; cut < batch.length; cut++) {
    assert.equal(typeof decodeAll(batch.subarray(0, cut)), 'string');
  }
});
