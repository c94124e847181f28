// Property tests of the queue's on-disk encodings: every journal event and every snapshot
// decodes to what was encoded; damaged or foreign bytes are rejected with RangeError, never
// decoded into a wrong value.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from '../testing/fc_params.ts';
import { EndCause, EventKind, decodeEvent, encodeEvent, type QueueEvent } from './queue_events.ts';
import { decodeQueueSnapshot, encodeQueueSnapshot, type QueueSnapshot } from './queue_snapshot.ts';
import { MessageState, type Message } from './message.ts';
import { dedupMapKey } from './dedup_index.ts';

// Plain objects (fast-check's default null prototype would not deepEqual decoded ones).
const rec = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> =>
  fc.record(model, { noNullPrototype: true }) as fc.Arbitrary<T>;
const u53 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const seq = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
const seqs = fc.array(seq, { minLength: 1, maxLength: 50 });
const cause = fc.constantFrom(EndCause.nack, EndCause.expiry);

const eventArb: fc.Arbitrary<QueueEvent> = fc.oneof(
  rec({ kind: fc.constant(EventKind.enqueue), seq, priority: fc.nat(255),
    enqueuedAtMs: u53, maxDeliveries: fc.nat(1_000_000), dueMs: fc.oneof(fc.constant(0), u53),
    dedupKey: fc.option(fc.uint8Array({ maxLength: 40 })) }),
  rec({ kind: fc.constant(EventKind.lease), deadlineMs: u53, leaseMs: u53, seqs }),
  rec({ kind: fc.constant(EventKind.release), cause, dueMs: u53, seqs }),
  rec({ kind: fc.constant(EventKind.dead), cause, seqs }),
  rec({ kind: fc.constant(EventKind.touch), deadlineMs: u53, seqs }),
  rec({ kind: fc.constantFrom(EventKind.ack, EventKind.requeue, EventKind.delete), seqs }),
  fc.constant({ kind: EventKind.purge }),
  rec({ kind: fc.constant(EventKind.reserve), reservedSeq: u53 }),
  rec({ kind: fc.constant(EventKind.relocate), seq }),
);

test('queue events round-trip through their record encoding', () => {
  fc.assert(fc.property(eventArb, fc.uint8Array({ maxLength: 64 }), (event, data) => {
    const carries = event.kind === EventKind.enqueue || event.kind === EventKind.relocate;
    const payload = carries ? data : undefined;
    const record = encodeEvent(event, payload);
    assert.deepEqual(decodeEvent(record.key ?? null, record.value), event);
    if (carries) assert.deepEqual(record.value, data);
  }), fcParams(500));
});

test('a damaged event key is rejected or decodes to a well-formed event, never a crash', () => {
  fc.assert(fc.property(eventArb, fc.nat(), fc.nat(255), (event, at, byte) => {
    const record = encodeEvent(event);
    const key = record.key!.slice();
    key[at % key.length] = byte;
    try {
      const decoded = decodeEvent(key, record.value);
      assert.ok(Object.values(EventKind).includes(decoded.kind));
    } catch (error) {
      assert.ok(error instanceof RangeError, String(error));
    }
  }), fcParams(500));
});

test('decodeEvent rejects empty keys, unknown kinds and extra bytes', () => {
  assert.throws(() => decodeEvent(null, new Uint8Array(0)), RangeError);
  assert.throws(() => decodeEvent(new Uint8Array([99]), new Uint8Array(0)), /unknown/);
  const ack = encodeEvent({ kind: EventKind.ack, seqs: [1] });
  assert.throws(() => decodeEvent(new Uint8Array([...ack.key!, 0]), ack.value), /extra/);
  assert.throws(() => decodeEvent(ack.key!, new Uint8Array(0)), /empty seq list/);
  const purge = encodeEvent({ kind: EventKind.purge });
  assert.throws(() => decodeEvent(purge.key!, new Uint8Array([1])), /carries/);
});

const messageArb: fc.Arbitrary<Omit<Message, 'seq'>> = rec({
  priority: fc.nat(255), enqueuedAtMs: u53, maxDeliveries: fc.nat(1000),
  state: fc.constantFrom(MessageState.ready, MessageState.delayed, MessageState.leased,
    MessageState.dlq),
  attempts: fc.nat(1000), dueMs: u53, leaseMs: fc.nat(43_200_000), epoch: fc.constant(0),
  payloadOffset: u53, payloadBytes: fc.nat(1 << 24), payload: fc.constant(null),
});

const snapshotArb: fc.Arbitrary<QueueSnapshot> = rec({
  messages: fc.array(fc.tuple(fc.integer({ min: 1, max: 1000 }), messageArb), { maxLength: 30 }),
  dedup: fc.array(fc.tuple(fc.uint8Array({ maxLength: 20 }), seq, u53), { maxLength: 10 }),
  reservedSeq: u53,
  counters: rec({ enqueued: u53, dequeued: u53, acked: u53, nacked: u53,
    dlqTotal: u53, leasesExpired: u53 }),
}).map(({ messages, dedup, reservedSeq, counters }) => {
  let at = 0;
  const list = messages.map(([gap, message]) => ({ ...message, seq: (at += gap) }));
  return {
    nextSeq: at + 1, reservedSeq, counters, messages: list,
    dedup: dedup.map(([key, first, firstMs]) => ({ key: dedupMapKey(key), seq: first, firstMs })),
  };
});

test('queue snapshots round-trip', () => {
  fc.assert(fc.property(snapshotArb, (snapshot) => {
    assert.deepEqual(decodeQueueSnapshot(encodeQueueSnapshot(snapshot)), snapshot);
  }), fcParams(300));
});

test('a truncated or extended snapshot is rejected with RangeError', () => {
  fc.assert(fc.property(snapshotArb, fc.nat(), (snapshot, cut) => {
    const bytes = encodeQueueSnapshot(snapshot);
    const short = bytes.subarray(0, cut % bytes.length);
    assert.throws(() => decodeQueueSnapshot(short), RangeError);
    assert.throws(() => decodeQueueSnapshot(new Uint8Array([...bytes, 0])), RangeError);
  }), fcParams(300));
});

test('a snapshot claiming more messages than its bytes can hold is refused before allocating',
  () => {
    const bytes = new Uint8Array([1, 1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f]);
    assert.throws(() => decodeQueueSnapshot(bytes), /cannot fit/);
    assert.throws(() => decodeQueueSnapshot(new Uint8Array([2])), /version 2/);
  });
