// Round trips of the action records and keys that the hot path encodes on every run: run
// records and tickets with any strings (ASCII, non-ASCII, short and long, so every path of
// ByteWriter.text and of the short-ASCII decoder is taken), and run/list keys whose bytes
// hold the inverted sequence and sort newest first.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from '../testing/fc_params.ts';
import { compareBytes, utf8 } from '../codec/bytes.ts';
import {
  decodeRunRecord, decodeTicket, encodeRunRecord, encodeTicket, type RunRecord,
} from './action_codec.ts';
import { listKey, listPrefix, readInvertedSeq, runKey, splitKey } from './action_keys.ts';
import { RunStatusCode, type RunStatus } from './action_types.ts';

const shortText = fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: 'grapheme',
  maxLength: 10 }), fc.string({ minLength: 60, maxLength: 120 }));
const optionalText = fc.option(shortText, { nil: null });
const uint = fc.nat({ max: 2 ** 40 });
const caller = fc.option(fc.record({ runId: shortText, workflow: shortText }), { nil: null });

const runRecord: fc.Arbitrary<RunRecord> = fc.record({
  status: fc.constantFrom(...Object.keys(RunStatusCode) as RunStatus[]),
  priority: fc.nat(255), createdAtMs: fc.integer({ min: 1, max: 2 ** 45 }),
  startedAtMs: uint, completedAtMs: uint, attempts: fc.nat(1000), taskSeq: uint,
  deadlineMs: uint, action: shortText, labels: shortText, workerId: shortText,
  outcome: optionalText, output: fc.option(fc.uint8Array({ maxLength: 300 }), { nil: null }),
  error: optionalText, idempotencyKey: optionalText, caller,
});

// What a string becomes after a UTF-8 round trip (lone surrogates turn into U+FFFD).
function utf8Normal(text: string): string {
  return new TextDecoder().decode(utf8(text));
}

test('a run record decodes to what was encoded', () => {
  fc.assert(fc.property(runRecord, (record) => {
    const decoded = decodeRunRecord(encodeRunRecord(record));
    const normal = (text: string | null): string | null => text === null ? null : utf8Normal(text);
    assert.deepEqual(decoded, {
      ...record, action: utf8Normal(record.action), labels: utf8Normal(record.labels),
      workerId: utf8Normal(record.workerId), outcome: normal(record.outcome),
      error: normal(record.error), idempotencyKey: normal(record.idempotencyKey),
      caller: record.caller === null ? null : { runId: utf8Normal(record.caller.runId),
        workflow: utf8Normal(record.caller.workflow) },
    });
  }), fcParams());
});

test('a run record with a short non-ASCII action name decodes it exactly', () => {
  const record = decodeRunRecord(encodeRunRecord({
    status: 'completed', priority: 3, createdAtMs: 10, startedAtMs: 11, completedAtMs: 12,
    attempts: 1, taskSeq: 7, deadlineMs: 99, action: 'ré', labels: '{"gpu":"日本"}',
    workerId: 'w-1', outcome: 'ok', output: Uint8Array.of(1, 2), error: null,
    idempotencyKey: null, caller: null,
  }));
  assert.equal(record.action, 'ré');
  assert.equal(record.labels, '{"gpu":"日本"}');
  assert.deepEqual(record.output, Uint8Array.of(1, 2));
});

test('a ticket decodes to what was encoded', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 50 }), uint, optionalText, caller,
    fc.uint8Array({ maxLength: 200 }), (runSeq, createdAtMs, idempotencyKey, who, input) => {
      const ticket = decodeTicket(encodeTicket({ runSeq, createdAtMs, idempotencyKey,
        caller: who, input }));
      assert.equal(ticket.runSeq, runSeq);
      assert.equal(ticket.idempotencyKey, idempotencyKey === null ? null
        : utf8Normal(idempotencyKey));
      assert.deepEqual(ticket.input, input);
    }), fcParams());
});

test('run and list keys hold the inverted sequence and sort newest first', () => {
  const seq = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
  fc.assert(fc.property(fc.string({ maxLength: 8 }), seq, seq, (namespace, a, b) => {
    fc.pre(!namespace.includes('\u0000'));
    const [keyA, keyB] = [runKey(namespace, a), runKey(namespace, b)];
    assert.equal(readInvertedSeq(keyA, keyA.length - 8), a);
    assert.equal(Math.sign(compareBytes(keyA, keyB)), Math.sign(b - a));
    const list = listKey(namespace, 'act', a);
    const prefix = listPrefix(namespace, 'act');
    assert.deepEqual(list.subarray(0, prefix.length), prefix);
    assert.equal(readInvertedSeq(list, prefix.length), a);
    assert.equal(splitKey(keyA).namespace, utf8Normal(namespace));
  }), fcParams());
});

test('runKey of sequence 1 is the namespace prefix and 2^64 − 2 big-endian', () => {
  assert.deepEqual([...runKey('ns', 1)], [0x10, 0x02, 0x6e, 0x73, 0x00,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]);
  assert.deepEqual([...listKey('', 'a', 2 ** 32)], [0x10, 0x03, 0x00, 0x61, 0x00,
    0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff]);
});
