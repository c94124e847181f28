// The events of a stream's journal (docs/format/stream.md): every change to the stream's
// mutable state — sequence reservations, trims, and consumer-group state (groups, consumers,
// deliveries, acks, nacks, touches, dead letters) — is one event, appended before it is
// revealed. Events record effects, not requests (an ack lists only the entries it removed),
// so replaying them through StreamJournal.apply() rebuilds exactly the state they produced.
//
//   event    := kind:u8 body
//   string   := length:u8 utf8            number := varint (LEB128)
//   seqs     := count:varint sequence:varint*
//   deliver  := group consumer nowMs flags:u8 seqs(redelivered)
//               count:varint (sequenceDelta timestampDelta partition offset)*   (new records)
// A changed layout gets a new kind number; an unknown kind is corruption.

import { assert } from '../assert.ts';
import { ByteWriter, readShortString, readU8, readVarint } from '../codec/byte_writer.ts';
import type { Cursor } from '../codec/varint.ts';
import { streamIdListMax, groupReadCountMax } from '../limits.ts';

// Part of the on-disk format; do not change.
export const EventKind = {
  reserve: 1,
  trim: 2,
  groupCreate: 3,
  groupConfig: 4,
  groupDelete: 5,
  join: 6,
  leave: 7,
  deliver: 8,
  ack: 9,
  nack: 10,
  touch: 11,
  deadLetter: 12,
  drop: 13,
  deadLetterDelete: 14,
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

/** A record handed to a group for the first time. */
export interface FreshDelivery {
  sequence: number;
  timestampMs: number;
  partition: number;
  offset: number;
}

type K = typeof EventKind;
export type StreamEvent =
  | { kind: K['reserve']; sequence: number; timestampMs: number }
  | { kind: K['trim']; sequence: number }
  | {
    kind: K['groupCreate'];
    group: string;
    ackTimeoutMs: number;
    maxDeliver: number;
    cursorSequence: number;
    cursorTimestampMs: number;
  }
  | { kind: K['groupConfig']; group: string; ackTimeoutMs: number; maxDeliver: number }
  | { kind: K['groupDelete']; group: string }
  | { kind: K['join'] | K['leave']; group: string; consumer: string; nowMs: number }
  | {
    kind: K['deliver'];
    group: string;
    consumer: string;
    nowMs: number;
    noAck: boolean;
    redelivered: number[];
    fresh: FreshDelivery[];
  }
  | { kind: K['ack']; group: string; consumer: string; nowMs: number; sequences: number[] }
  | {
    kind: K['nack'] | K['touch'];
    group: string;
    consumer: string;
    nowMs: number;
    /** nack: redelivery delay; touch: the deadline extension. */
    durationMs: number;
    sequences: number[];
  }
  | { kind: K['deadLetter']; group: string; nowMs: number; sequences: number[] }
  | { kind: K['drop'] | K['deadLetterDelete']; group: string; sequences: number[] };

const FLAG_NO_ACK = 1;
// A delivery event lists at most one read's worth of records; acks at most one id list.
const SEQUENCES_MAX = Math.max(streamIdListMax, groupReadCountMax);

/** Encodes one event. */
export function encodeEvent(event: StreamEvent): Uint8Array {
  const out = new ByteWriter(event.kind === EventKind.deliver ? 64 + 24 * event.fresh.length : 64);
  out.u8(event.kind);
  switch (event.kind) {
    case EventKind.reserve:
      return out.varint(event.sequence).varint(event.timestampMs).finish();
    case EventKind.trim:
      return out.varint(event.sequence).finish();
    case EventKind.groupCreate:
      return out.shortString(event.group).varint(event.ackTimeoutMs).varint(event.maxDeliver)
        .varint(event.cursorSequence).varint(event.cursorTimestampMs).finish();
    case EventKind.groupConfig:
      return out.shortString(event.group).varint(event.ackTimeoutMs).varint(event.maxDeliver)
        .finish();
    case EventKind.groupDelete:
      return out.shortString(event.group).finish();
    case EventKind.join:
    case EventKind.leave:
      return out.shortString(event.group).shortString(event.consumer).varint(event.nowMs).finish();
    case EventKind.deliver:
      return encodeDeliver(out, event);
    case EventKind.ack:
      out.shortString(event.group).shortString(event.consumer).varint(event.nowMs);
      return writeSequences(out, event.sequences).finish();
    case EventKind.nack:
    case EventKind.touch:
      out.shortString(event.group).shortString(event.consumer).varint(event.nowMs)
        .varint(event.durationMs);
      return writeSequences(out, event.sequences).finish();
    case EventKind.deadLetter:
      return writeSequences(out.shortString(event.group).varint(event.nowMs), event.sequences)
        .finish();
    case EventKind.drop:
    case EventKind.deadLetterDelete:
      return writeSequences(out.shortString(event.group), event.sequences).finish();
  }
}

function encodeDeliver(out: ByteWriter, event: StreamEvent & { kind: K['deliver'] }) {
  out.shortString(event.group).shortString(event.consumer).varint(event.nowMs)
    .u8(event.noAck ? FLAG_NO_ACK : 0);
  writeSequences(out, event.redelivered).varint(event.fresh.length);
  let sequence = 0;
  let timestampMs = 0;
  for (const fresh of event.fresh) {
    assert(fresh.sequence > sequence && fresh.timestampMs >= timestampMs, 'fresh ascend');
    out.varint(fresh.sequence - sequence).varint(fresh.timestampMs - timestampMs)
      .varint(fresh.partition).varint(fresh.offset);
    sequence = fresh.sequence;
    timestampMs = fresh.timestampMs;
  }
  return out.finish();
}

function writeSequences(out: ByteWriter, sequences: readonly number[]): ByteWriter {
  assert(sequences.length <= SEQUENCES_MAX, 'sequence list within its limit');
  out.varint(sequences.length);
  for (const sequence of sequences) out.varint(sequence);
  return out;
}

/** Decodes one event. Throws RangeError when the bytes are not a well-formed event. */
export function decodeEvent(bytes: Uint8Array): StreamEvent {
  const cursor: Cursor = { buffer: bytes, position: 0 };
  const event = decodeBody(cursor, readU8(cursor));
  if (cursor.position !== bytes.length) throw new RangeError('bytes after the event');
  return event;
}

function decodeBody(cursor: Cursor, kind: number): StreamEvent {
  const v = (): number => readVarint(cursor);
  const s = (): string => readShortString(cursor);
  switch (kind) {
    case EventKind.reserve:
      return { kind, sequence: v(), timestampMs: v() };
    case EventKind.trim:
      return { kind, sequence: v() };
    case EventKind.groupCreate:
      return { kind, group: s(), ackTimeoutMs: v(), maxDeliver: v(), cursorSequence: v(),
        cursorTimestampMs: v() };
    case EventKind.groupConfig:
      return { kind, group: s(), ackTimeoutMs: v(), maxDeliver: v() };
    case EventKind.groupDelete:
      return { kind, group: s() };
    case EventKind.join:
    case EventKind.leave:
      return { kind, group: s(), consumer: s(), nowMs: v() };
    case EventKind.deliver:
      return decodeDeliver(cursor);
    case EventKind.ack:
      return { kind, group: s(), consumer: s(), nowMs: v(), sequences: readSequences(cursor) };
    case EventKind.nack:
    case EventKind.touch:
      return { kind, group: s(), consumer: s(), nowMs: v(), durationMs: v(),
        sequences: readSequences(cursor) };
    case EventKind.deadLetter:
      return { kind, group: s(), nowMs: v(), sequences: readSequences(cursor) };
    case EventKind.drop:
    case EventKind.deadLetterDelete:
      return { kind, group: s(), sequences: readSequences(cursor) };
    default:
      throw new RangeError(`unknown event kind ${kind}`);
  }
}

function decodeDeliver(cursor: Cursor): StreamEvent {
  const group = readShortString(cursor);
  const consumer = readShortString(cursor);
  const nowMs = readVarint(cursor);
  const flags = readU8(cursor);
  if ((flags & ~FLAG_NO_ACK) !== 0) throw new RangeError(`unknown deliver flags ${flags}`);
  const redelivered = readSequences(cursor);
  const count = readVarint(cursor);
  if (count > SEQUENCES_MAX) throw new RangeError(`${count} fresh deliveries`);
  const fresh: FreshDelivery[] = new Array(count);
  let sequence = 0;
  let timestampMs = 0;
  for (let i = 0; i < count; i++) {
    const sequenceDelta = readVarint(cursor);
    if (sequenceDelta === 0) throw new RangeError('fresh deliveries must ascend');
    sequence += sequenceDelta;
    timestampMs += readVarint(cursor);
    fresh[i] = { sequence, timestampMs, partition: readVarint(cursor), offset: readVarint(cursor) };
  }
  return { kind: EventKind.deliver, group, consumer, nowMs, noAck: flags === FLAG_NO_ACK,
    redelivered, fresh };
}

function readSequences(cursor: Cursor): number[] {
  const count = readVarint(cursor);
  if (count > SEQUENCES_MAX) throw new RangeError(`${count} sequences; the limit is ` +
    `${SEQUENCES_MAX}`);
  const sequences = new Array<number>(count);
  for (let i = 0; i < count; i++) sequences[i] = readVarint(cursor);
  return sequences;
}
