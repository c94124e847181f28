// Property tests of the stream's encodings: journal events, group snapshots and record keys
// round-trip exactly, and malformed bytes are a RangeError (which recovery turns into a
// CorruptionError with the file and offset), never a wrong value or an AssertionError.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from '../testing/fc_params.ts';
import { decodeEvent, encodeEvent, EventKind, type StreamEvent } from './stream_events.ts';
import { decodeSnapshot, encodeSnapshot, type StreamJournalState } from './stream_snapshot.ts';
import { ConsumerGroup } from './consumer_group.ts';
import { PendingEntry } from './pending_list.ts';
import { RECORD_KEY_BYTES, readRecordKey, writeRecordKey } from './record_key.ts';

const uint = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const small = fc.integer({ min: 0, max: 1_000_000 });
const name = fc.string({ minLength: 1, maxLength: 20 }).filter((text) => !text.includes('\0'));
const consumer = fc.oneof(name, fc.constant(''));
const sequences = fc.array(uint, { maxLength: 30 });

const freshList = fc.array(fc.record({ sequenceDelta: fc.integer({ min: 1, max: 1_000 }),
  timestampDelta: small, partition: fc.integer({ min: 0, max: 1023 }), offset: uint }),
{ maxLength: 20 }).map((items) => {
  let sequence = 0;
  let timestampMs = 1_700_000_000_000;
  return items.map((item) => {
    sequence += item.sequenceDelta;
    timestampMs += item.timestampDelta;
    return { sequence, timestampMs, partition: item.partition, offset: item.offset };
  });
});

const event: fc.Arbitrary<StreamEvent> = fc.oneof(
  fc.record({ kind: fc.constant(EventKind.reserve), sequence: uint, timestampMs: uint }),
  fc.record({ kind: fc.constant(EventKind.trim), sequence: uint }),
  fc.record({ kind: fc.constant(EventKind.groupCreate), group: name, ackTimeoutMs: uint,
    maxDeliver: fc.integer({ min: 0, max: 255 }), cursorSequence: uint,
    cursorTimestampMs: uint }),
  fc.record({ kind: fc.constant(EventKind.groupConfig), group: name, ackTimeoutMs: uint,
    maxDeliver: small }),
  fc.record({ kind: fc.constant(EventKind.groupDelete), group: name }),
  fc.record({ kind: fc.constantFrom(EventKind.join, EventKind.leave), group: name,
    consumer: name, nowMs: uint }),
  fc.record({ kind: fc.constant(EventKind.deliver), group: name, consumer: name, nowMs: uint,
    noAck: fc.boolean(), redelivered: sequences, fresh: freshList }),
  fc.record({ kind: fc.constant(EventKind.ack), group: name, consumer, nowMs: uint,
    sequences }),
  fc.record({ kind: fc.constantFrom(EventKind.nack, EventKind.touch), group: name, consumer,
    nowMs: uint, durationMs: uint, sequences }),
  fc.record({ kind: fc.constant(EventKind.deadLetter), group: name, nowMs: uint, sequences }),
  fc.record({ kind: fc.constantFrom(EventKind.drop, EventKind.deadLetterDelete), group: name,
    sequences }),
) as fc.Arbitrary<StreamEvent>;

test('every stream event round-trips through its encoding', () => {
  fc.assert(fc.property(event, (original) => {
    const decoded = decodeEvent(encodeEvent(original));
    assert.deepEqual(decoded, { ...original }); // fast-check records have no prototype
  }), fcParams(300));
});

test('a truncated or extended event is a RangeError', () => {
  fc.assert(fc.property(event, fc.nat(), (original, cut) => {
    const bytes = encodeEvent(original);
    const length = cut % bytes.length;
    assert.throws(() => decodeEvent(bytes.subarray(0, length)), RangeError);
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    assert.throws(() => decodeEvent(longer), RangeError);
  }), fcParams());
});

test('random bytes decode to an event or throw RangeError, nothing else', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
    try {
      decodeEvent(bytes);
    } catch (error) {
      assert.ok(error instanceof RangeError || error instanceof TypeError, String(error));
    }
    try {
      decodeSnapshot(bytes);
    } catch (error) {
      assert.ok(error instanceof RangeError || error instanceof TypeError, String(error));
    }
  }), fcParams(500));
});

const entrySpec = fc.record({
  sequenceDelta: fc.integer({ min: 1, max: 100 }), timestampDelta: fc.integer({ min: 0, max: 50 }),
  partition: fc.integer({ min: 0, max: 7 }), offset: uint,
  consumer: fc.constantFrom('a', 'b', 'gone'), deliveryCount: fc.integer({ min: 1, max: 300 }),
  lastDeliveryMs: fc.integer({ min: 1_600_000_000_000, max: 1_800_000_000_000 }),
  dueOffsetMs: fc.integer({ min: -1_000, max: 100_000 }), released: fc.boolean(),
});

const groupSpec = fc.record({
  name, ackTimeoutMs: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
  maxDeliver: fc.integer({ min: 0, max: 255 }), deadLettered: small,
  consumers: fc.uniqueArray(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 }),
  entries: fc.array(entrySpec, { maxLength: 25 }),
  dead: fc.array(entrySpec, { maxLength: 10 }),
});

type GroupSpec = typeof groupSpec extends fc.Arbitrary<infer T> ? T : never;

function buildGroup(spec: GroupSpec): ConsumerGroup {
  const lastSequence = spec.entries.reduce((sum, entry) => sum + entry.sequenceDelta, 0);
  const group = new ConsumerGroup(spec.name, spec.ackTimeoutMs, spec.maxDeliver,
    lastSequence + 5, 1_700_000_000_000);
  group.deadLettered = spec.deadLettered;
  for (const consumer of spec.consumers) group.restoreConsumer(consumer, 1_700_000_000_000);
  let sequence = 0;
  let timestampMs = 1_700_000_000_000;
  for (const entry of spec.entries) {
    sequence += entry.sequenceDelta;
    timestampMs += entry.timestampDelta;
    const pending = new PendingEntry(sequence, timestampMs, entry.partition, entry.offset,
      entry.consumer, entry.deliveryCount, entry.lastDeliveryMs,
      entry.lastDeliveryMs + entry.dueOffsetMs);
    pending.released = entry.released;
    group.restoreEntry(pending);
  }
  sequence = 0;
  for (const dead of spec.dead) {
    sequence += dead.sequenceDelta;
    group.restoreDeadLetter({ sequence, timestampMs: 1_700_000_000_000 + dead.timestampDelta,
      partition: dead.partition, offset: dead.offset, consumer: dead.consumer,
      deliveryCount: dead.deliveryCount, deadLetteredMs: dead.lastDeliveryMs });
  }
  return group;
}

function describeGroup(group: ConsumerGroup): unknown {
  return {
    name: group.name, ackTimeoutMs: group.ackTimeoutMs, maxDeliver: group.maxDeliver,
    cursor: [group.cursorSequence, group.cursorTimestampMs], dead: group.deadLettered,
    consumers: [...group.consumers.values()],
    entries: [...group.pel.values()].map((entry) => [entry.sequence, entry.timestampMs,
      entry.partition, entry.offset, entry.consumer, entry.deliveryCount, entry.lastDeliveryMs,
      entry.dueMs, entry.released]),
    deadLetters: group.deadLetters,
  };
}

test('a snapshot of groups, PELs and counters round-trips exactly', () => {
  fc.assert(fc.property(fc.uniqueArray(groupSpec, { maxLength: 4, selector: (g) => g.name }),
    uint, uint, fc.integer({ min: 1, max: 1e12 }), (specs, reserved, reservedMs, trim) => {
      const state: StreamJournalState = { reservedSequence: reserved,
        reservedTimestampMs: reservedMs, trimSequence: trim, groups: new Map() };
      for (const spec of specs) state.groups.set(spec.name, buildGroup(spec));
      const decoded = decodeSnapshot(encodeSnapshot(state));
      assert.deepEqual([decoded.reservedSequence, decoded.reservedTimestampMs,
        decoded.trimSequence], [reserved, reservedMs, trim]);
      assert.deepEqual([...decoded.groups.values()].map(describeGroup),
        [...state.groups.values()].map(describeGroup));
      for (const group of decoded.groups.values()) group.checkInvariants();
    }), fcParams());
});

test('record keys round-trip and reject the wrong length or a zero sequence', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), uint,
    fc.integer({ min: 0, max: 999 }), (sequence, cumulativeBytes, batchIndex) => {
      const key = new Uint8Array(RECORD_KEY_BYTES);
      writeRecordKey(key, 0, sequence, cumulativeBytes, batchIndex);
      assert.deepEqual(readRecordKey(key), { sequence, cumulativeBytes, batchIndex });
    }), fcParams());
  assert.match(String(readRecordKey(null)), /no bytes/);
  assert.match(String(readRecordKey(new Uint8Array(17))), /17 bytes/);
  assert.match(String(readRecordKey(new Uint8Array(18))), /sequence 0/);
  const key = new Uint8Array(18);
  writeRecordKey(key, 0, 1, 0, 0);
  key[16] = 0xff;
  key[17] = 0xff;
  assert.match(String(readRecordKey(key)), /batch index 65535/);
});
