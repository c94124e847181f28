// The events of a queue's journal: one log record per state change, so the queue's state is
// the fold of its events over the last checkpoint (docs/format/queue_journal.md). Pure
// functions, no I/O. Used by Queue (append) and QueueState (replay), and by the inspector.
//
//   record.key   := kind:u8 field*            (the event's header, fields below)
//   record.value := payload                   (enqueue, relocate)
//                 | seq:varint*               (lease, ack, release, dead, touch, requeue, delete)
//                 | empty                     (purge, reserve)
//
//   enqueue  key := 1 flags:u8 seq priority:u8 enqueuedAtMs maxDeliveries [dueMs] [len dedupKey]
//   lease    key := 2 deadlineMs leaseMs       release key := 4 cause:u8 dueMs
//   dead     key := 5 cause:u8                 touch   key := 6 deadlineMs
//   ack 3, requeue 7, delete 8, purge 9: key := kind     reserve key := 10 reservedSeq
//   relocate key := 11 seq
// Every number without a type is an unsigned LEB128 varint. Decoding checks every length
// against its limit before allocating and rejects trailing bytes.

import { assert } from '../assert.ts';
import { readVarint, varintSize, writeVarint, type Cursor } from '../codec/varint.ts';
import type { LogRecordInput } from '../log/batch.ts';
import { queueDedupKeyBytesMax, queueSeqListMax } from '../limits.ts';

// Part of the on-disk format; do not change.
export const EventKind = {
  enqueue: 1,
  lease: 2,
  ack: 3,
  release: 4,
  dead: 5,
  touch: 6,
  requeue: 7,
  delete: 8,
  purge: 9,
  reserve: 10,
  relocate: 11,
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

/** Why a lease ended without an ack. Part of the on-disk format. */
export const EndCause = { nack: 1, expiry: 2 } as const;
export type EndCause = (typeof EndCause)[keyof typeof EndCause];

const FLAG_DELAYED = 0x01;
const FLAG_DEDUP = 0x02;
const ENQUEUE_FLAGS_KNOWN = FLAG_DELAYED | FLAG_DEDUP;

export interface EnqueueEvent {
  kind: typeof EventKind.enqueue;
  seq: number;
  priority: number;
  enqueuedAtMs: number;
  /** 0: the queue's setting at the time it matters. */
  maxDeliveries: number;
  /** 0: ready at once; otherwise delayed until this time. */
  dueMs: number;
  dedupKey: Uint8Array | null;
}

/** The messages `seqs` were leased until `deadlineMs` (a lease of `leaseMs`). */
export interface LeaseEvent {
  kind: typeof EventKind.lease;
  deadlineMs: number;
  leaseMs: number;
  seqs: number[];
}

/** Leased messages went back to ready (dueMs 0) or to delayed until dueMs. */
export interface ReleaseEvent {
  kind: typeof EventKind.release;
  cause: EndCause;
  dueMs: number;
  seqs: number[];
}

/** Leased messages went to the DLQ. */
export interface DeadEvent {
  kind: typeof EventKind.dead;
  cause: EndCause;
  seqs: number[];
}

export interface TouchEvent {
  kind: typeof EventKind.touch;
  deadlineMs: number;
  seqs: number[];
}

/** Seq-list events without fields: ack (removed), requeue (DLQ → ready), delete (DLQ gone). */
export interface SeqListEvent {
  kind: typeof EventKind.ack | typeof EventKind.requeue | typeof EventKind.delete;
  seqs: number[];
}

export interface PurgeEvent {
  kind: typeof EventKind.purge;
}

/** Seqs up to reservedSeq may be handed out (engine model section 2). */
export interface ReserveEvent {
  kind: typeof EventKind.reserve;
  reservedSeq: number;
}

/** The payload of message `seq` now lives at this record (compaction). */
export interface RelocateEvent {
  kind: typeof EventKind.relocate;
  seq: number;
}

export type QueueEvent =
  | EnqueueEvent | LeaseEvent | ReleaseEvent | DeadEvent | TouchEvent | SeqListEvent
  | PurgeEvent | ReserveEvent | RelocateEvent;

const emptyValue = new Uint8Array(0);

/** Encodes `event` as a log record; `payload` goes with enqueue and relocate events. */
export function encodeEvent(event: QueueEvent, payload: Uint8Array = emptyValue): LogRecordInput {
  assert(payload.length === 0 || hasPayload(event.kind), 'only enqueue and relocate carry data');
  switch (event.kind) {
    case EventKind.enqueue:
      return { key: encodeEnqueueKey(event), value: payload };
    case EventKind.relocate:
      return { key: header(event.kind, [event.seq]), value: payload };
    case EventKind.lease:
      return { key: header(event.kind, [event.deadlineMs, event.leaseMs]),
        value: encodeSeqs(event.seqs) };
    case EventKind.release:
      return { key: header(event.kind, [event.cause, event.dueMs]),
        value: encodeSeqs(event.seqs) };
    case EventKind.dead:
      return { key: header(event.kind, [event.cause]), value: encodeSeqs(event.seqs) };
    case EventKind.touch:
      return { key: header(event.kind, [event.deadlineMs]), value: encodeSeqs(event.seqs) };
    case EventKind.ack:
    case EventKind.requeue:
    case EventKind.delete:
      return { key: header(event.kind, []), value: encodeSeqs(event.seqs) };
    case EventKind.purge:
      return { key: header(event.kind, []), value: emptyValue };
    case EventKind.reserve:
      return { key: header(event.kind, [event.reservedSeq]), value: emptyValue };
  }
}

function hasPayload(kind: EventKind): boolean {
  return kind === EventKind.enqueue || kind === EventKind.relocate;
}

function header(kind: EventKind, fields: readonly number[]): Uint8Array {
  let size = 1;
  for (const field of fields) size += varintSize(field);
  const key = new Uint8Array(size);
  key[0] = kind;
  let at = 1;
  for (const field of fields) at = writeVarint(key, at, field);
  assert(at === size, 'header size');
  return key;
}

function encodeEnqueueKey(event: EnqueueEvent): Uint8Array {
  assert(event.priority >= 0 && event.priority <= 255, 'priority is a u8');
  assert(event.seq >= 1, 'seqs start at 1');
  const dedup = event.dedupKey;
  let flags = 0;
  let size = 3 + varintSize(event.seq) + varintSize(event.enqueuedAtMs) +
    varintSize(event.maxDeliveries);
  if (event.dueMs > 0) {
    flags |= FLAG_DELAYED;
    size += varintSize(event.dueMs);
  }
  if (dedup !== null) {
    assert(dedup.length <= queueDedupKeyBytesMax, 'dedup key too long');
    flags |= FLAG_DEDUP;
    size += varintSize(dedup.length) + dedup.length;
  }
  const key = new Uint8Array(size);
  key[0] = EventKind.enqueue;
  key[1] = flags;
  let at = writeVarint(key, 2, event.seq);
  key[at++] = event.priority;
  at = writeVarint(key, at, event.enqueuedAtMs);
  at = writeVarint(key, at, event.maxDeliveries);
  if (event.dueMs > 0) at = writeVarint(key, at, event.dueMs);
  if (dedup !== null) {
    at = writeVarint(key, at, dedup.length);
    key.set(dedup, at);
    at += dedup.length;
  }
  assert(at === size, 'enqueue key size');
  return key;
}

function encodeSeqs(seqs: readonly number[]): Uint8Array {
  assert(seqs.length >= 1 && seqs.length <= queueSeqListMax, 'seq list length');
  let size = 0;
  for (const seq of seqs) size += varintSize(seq);
  const value = new Uint8Array(size);
  let at = 0;
  for (const seq of seqs) at = writeVarint(value, at, seq);
  return value;
}

/**
 * Decodes one journal record. The payload (enqueue, relocate) is the record's value itself
 * (a view: copy it to keep it). Throws RangeError naming what is wrong.
 */
export function decodeEvent(key: Uint8Array | null, value: Uint8Array): QueueEvent {
  if (key === null || key.length === 0) throw new RangeError('queue event without a kind');
  const cursor: Cursor = { buffer: key, position: 1 };
  const kind = key[0]!;
  let event: QueueEvent;
  if (kind === EventKind.enqueue) {
    event = decodeEnqueue(cursor);
  } else if (kind === EventKind.relocate) {
    event = { kind, seq: readVarint(cursor) };
  } else {
    event = decodeListEvent(kind, cursor, value);
  }
  if (cursor.position !== key.length) {
    throw new RangeError(`event kind ${kind} has ${key.length - cursor.position} extra bytes`);
  }
  return event;
}

function decodeListEvent(kind: number, cursor: Cursor, value: Uint8Array): QueueEvent {
  switch (kind) {
    case EventKind.lease:
      return { kind, deadlineMs: readVarint(cursor), leaseMs: readVarint(cursor),
        seqs: decodeSeqs(value) };
    case EventKind.release:
      return { kind, cause: readCause(cursor), dueMs: readVarint(cursor),
        seqs: decodeSeqs(value) };
    case EventKind.dead:
      return { kind, cause: readCause(cursor), seqs: decodeSeqs(value) };
    case EventKind.touch:
      return { kind, deadlineMs: readVarint(cursor), seqs: decodeSeqs(value) };
    case EventKind.ack:
    case EventKind.requeue:
    case EventKind.delete:
      return { kind, seqs: decodeSeqs(value) };
    case EventKind.purge:
      requireEmpty(kind, value);
      return { kind };
    case EventKind.reserve:
      requireEmpty(kind, value);
      return { kind, reservedSeq: readVarint(cursor) };
    default:
      throw new RangeError(`unknown queue event kind ${kind}`);
  }
}

function decodeEnqueue(cursor: Cursor): EnqueueEvent {
  const flags = readByte(cursor);
  if ((flags & ~ENQUEUE_FLAGS_KNOWN) !== 0) throw new RangeError(`unknown enqueue flags ${flags}`);
  const seq = readVarint(cursor);
  if (seq < 1) throw new RangeError('enqueue of seq 0');
  const priority = readByte(cursor);
  const enqueuedAtMs = readVarint(cursor);
  const maxDeliveries = readVarint(cursor);
  const dueMs = (flags & FLAG_DELAYED) !== 0 ? readVarint(cursor) : 0;
  let dedupKey: Uint8Array | null = null;
  if ((flags & FLAG_DEDUP) !== 0) {
    const length = readVarint(cursor);
    if (length > queueDedupKeyBytesMax) throw new RangeError(`dedup key of ${length} bytes`);
    if (cursor.position + length > cursor.buffer.length) throw new RangeError('torn dedup key');
    dedupKey = cursor.buffer.slice(cursor.position, cursor.position + length);
    cursor.position += length;
  }
  return {
    kind: EventKind.enqueue, seq, priority, enqueuedAtMs, maxDeliveries, dueMs, dedupKey,
  };
}

function decodeSeqs(value: Uint8Array): number[] {
  const cursor: Cursor = { buffer: value, position: 0 };
  const seqs: number[] = [];
  while (cursor.position < value.length) {
    if (seqs.length >= queueSeqListMax) throw new RangeError('seq list too long');
    seqs.push(readVarint(cursor));
  }
  if (seqs.length === 0) throw new RangeError('empty seq list');
  return seqs;
}

function requireEmpty(kind: number, value: Uint8Array): void {
  if (value.length > 0) throw new RangeError(`event kind ${kind} carries ${value.length} bytes`);
}

function readByte(cursor: Cursor): number {
  if (cursor.position >= cursor.buffer.length) throw new RangeError('truncated event');
  return cursor.buffer[cursor.position++]!;
}

function readCause(cursor: Cursor): EndCause {
  const cause = readByte(cursor);
  if (cause !== EndCause.nack && cause !== EndCause.expiry) {
    throw new RangeError(`unknown cause ${cause}`);
  }
  return cause;
}
