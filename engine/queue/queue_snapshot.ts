// The snapshot of a queue's state that its journal checkpoint holds (docs/format/
// queue_journal.md): counters, seq numbering, every message's metadata (payloads stay in
// the journal, addressed by offset) and the dedup window. Pure functions, no I/O.
//
//   snapshot := version:u8 nextSeq reservedSeq enqueued dequeued acked nacked dlqTotal
//               leasesExpired messageCount message* dedupCount dedup*
//   message  := seqDelta state:u8 priority:u8 attempts maxDeliveries enqueuedAtMs dueMs
//               leaseMs payloadOffset payloadBytes              (ascending seq)
//   dedup    := keyLength key seq firstMs                       (oldest first)
// Numbers without a type are unsigned LEB128 varints. Counts are checked against the bytes
// left before anything is allocated.

import { assert } from '../assert.ts';
import { readVarint, varintSize, writeVarint, type Cursor } from '../codec/varint.ts';
import { queueDedupKeyBytesMax } from '../limits.ts';
import { dedupKeyBytes, dedupMapKey, type DedupEntry } from './dedup_index.ts';
import { MessageState, type Message } from './message.ts';
import type { QueueCounters } from './queue_types.ts';

// Part of the on-disk format; do not change.
export const QUEUE_SNAPSHOT_VERSION = 1;
const MESSAGE_BYTES_MIN = 11;
const DEDUP_BYTES_MIN = 3;

/** A queue's state as a checkpoint stores it (messages without payloads). */
export interface QueueSnapshot {
  nextSeq: number;
  reservedSeq: number;
  counters: QueueCounters;
  /** Ascending seq; none removed; `payload` is null. */
  messages: Message[];
  dedup: DedupEntry[];
}

const counterNames = [
  'enqueued', 'dequeued', 'acked', 'nacked', 'dlqTotal', 'leasesExpired',
] as const satisfies ReadonlyArray<keyof QueueCounters>;

/** Encodes a snapshot. REQUIRES: messages in ascending seq, dedup entries oldest first. */
export function encodeQueueSnapshot(snapshot: QueueSnapshot): Uint8Array {
  const dedupKeys = snapshot.dedup.map((entry) => dedupKeyBytes(entry.key));
  let size = 1 + varintSize(snapshot.nextSeq) + varintSize(snapshot.reservedSeq);
  for (const name of counterNames) size += varintSize(snapshot.counters[name]);
  size += varintSize(snapshot.messages.length) + varintSize(snapshot.dedup.length);
  let previous = 0;
  for (const message of snapshot.messages) {
    assert(message.seq > previous, 'snapshot messages ascend');
    size += messageSize(message, message.seq - previous);
    previous = message.seq;
  }
  snapshot.dedup.forEach((entry, i) => {
    size += varintSize(dedupKeys[i]!.length) + dedupKeys[i]!.length + varintSize(entry.seq) +
      varintSize(entry.firstMs);
  });
  const out = new Uint8Array(size);
  out[0] = QUEUE_SNAPSHOT_VERSION;
  let at = writeVarint(out, 1, snapshot.nextSeq);
  at = writeVarint(out, at, snapshot.reservedSeq);
  for (const name of counterNames) at = writeVarint(out, at, snapshot.counters[name]);
  at = writeVarint(out, at, snapshot.messages.length);
  previous = 0;
  for (const message of snapshot.messages) {
    at = writeMessage(out, at, message, message.seq - previous);
    previous = message.seq;
  }
  at = writeVarint(out, at, snapshot.dedup.length);
  snapshot.dedup.forEach((entry, i) => {
    at = writeVarint(out, at, dedupKeys[i]!.length);
    out.set(dedupKeys[i]!, at);
    at += dedupKeys[i]!.length;
    at = writeVarint(out, at, entry.seq);
    at = writeVarint(out, at, entry.firstMs);
  });
  assert(at === size, 'snapshot size');
  return out;
}

function messageSize(message: Message, seqDelta: number): number {
  return varintSize(seqDelta) + 2 + varintSize(message.attempts) +
    varintSize(message.maxDeliveries) + varintSize(message.enqueuedAtMs) +
    varintSize(message.dueMs) + varintSize(message.leaseMs) +
    varintSize(message.payloadOffset) + varintSize(message.payloadBytes);
}

function writeMessage(out: Uint8Array, at: number, message: Message, seqDelta: number): number {
  assert(message.state !== MessageState.removed, 'removed messages are not snapshotted');
  at = writeVarint(out, at, seqDelta);
  out[at++] = message.state;
  out[at++] = message.priority;
  at = writeVarint(out, at, message.attempts);
  at = writeVarint(out, at, message.maxDeliveries);
  at = writeVarint(out, at, message.enqueuedAtMs);
  at = writeVarint(out, at, message.dueMs);
  at = writeVarint(out, at, message.leaseMs);
  at = writeVarint(out, at, message.payloadOffset);
  return writeVarint(out, at, message.payloadBytes);
}

/** Decodes a snapshot. Throws RangeError naming the first problem. */
export function decodeQueueSnapshot(bytes: Uint8Array): QueueSnapshot {
  if (bytes.length === 0) throw new RangeError('empty queue snapshot');
  if (bytes[0] !== QUEUE_SNAPSHOT_VERSION) {
    throw new RangeError(`unknown queue snapshot version ${bytes[0]}`);
  }
  const cursor: Cursor = { buffer: bytes, position: 1 };
  const nextSeq = readVarint(cursor);
  const reservedSeq = readVarint(cursor);
  const counters = {} as QueueCounters;
  for (const name of counterNames) counters[name] = readVarint(cursor);
  const messageCount = readCount(cursor, MESSAGE_BYTES_MIN, 'messages');
  const messages = new Array<Message>(messageCount);
  let seq = 0;
  for (let i = 0; i < messageCount; i++) {
    const message = readMessage(cursor, seq);
    if (message.seq >= nextSeq) throw new RangeError(`message seq ${message.seq} >= nextSeq`);
    messages[i] = message;
    seq = message.seq;
  }
  const dedupCount = readCount(cursor, DEDUP_BYTES_MIN, 'dedup entries');
  const dedup: DedupEntry[] = [];
  for (let i = 0; i < dedupCount; i++) {
    const length = readVarint(cursor);
    if (length > queueDedupKeyBytesMax) throw new RangeError(`dedup key of ${length} bytes`);
    if (cursor.position + length > bytes.length) throw new RangeError('torn dedup key');
    const key = dedupMapKey(bytes.subarray(cursor.position, cursor.position + length));
    cursor.position += length;
    dedup.push({ key, seq: readVarint(cursor), firstMs: readVarint(cursor) });
  }
  if (cursor.position !== bytes.length) {
    throw new RangeError(`${bytes.length - cursor.position} bytes after the queue snapshot`);
  }
  return { nextSeq, reservedSeq, counters, messages, dedup };
}

function readCount(cursor: Cursor, minBytes: number, what: string): number {
  const count = readVarint(cursor);
  const left = cursor.buffer.length - cursor.position;
  if (count * minBytes > left) throw new RangeError(`${count} ${what} cannot fit ${left} bytes`);
  return count;
}

function readMessage(cursor: Cursor, previousSeq: number): Message {
  const seqDelta = readVarint(cursor);
  if (seqDelta === 0) throw new RangeError('snapshot seqs must ascend');
  const buffer = cursor.buffer;
  if (cursor.position + 2 > buffer.length) throw new RangeError('truncated snapshot message');
  const state = buffer[cursor.position++]!;
  if (state < MessageState.ready || state > MessageState.dlq) {
    throw new RangeError(`unknown message state ${state}`);
  }
  const priority = buffer[cursor.position++]!;
  return {
    seq: previousSeq + seqDelta, state: state as MessageState, priority,
    attempts: readVarint(cursor), maxDeliveries: readVarint(cursor),
    enqueuedAtMs: readVarint(cursor), dueMs: readVarint(cursor), leaseMs: readVarint(cursor),
    payloadOffset: readVarint(cursor), payloadBytes: readVarint(cursor), epoch: 0,
    payload: null,
  };
}
