// The snapshot a stream's journal checkpoints (docs/format/stream.md): the sequence
// reservation, the trim point and every consumer group with its consumers and PEL. Recovery
// restores it and replays the events after it (StreamJournal), so its size — dominated by
// the PEL, about 20 bytes per pending entry — bounds what a checkpoint writes.
//
//   snapshot := version:u8 reservedSequence reservedTimestampMs trimSequence count group*
//   group    := name ackTimeoutMs maxDeliver cursorSequence cursorTimestampMs deadLettered
//               count name*   count (nameIndex lastSeenMs)*   count entry*   count dead*
//   entry    := sequenceDelta timestampDelta:zigzag partition offset nameIndex deliveryCount
//               lastDeliveryMs dueDelta:zigzag flags:u8          (numbers are varints)
//   dead     := sequenceDelta timestampDelta:zigzag partition offset nameIndex deliveryCount
//               deadLetteredMs

import { assert } from '../assert.ts';
import { ByteWriter, readShortString, readU8, readVarint } from '../codec/byte_writer.ts';
import { zigzagDecode, zigzagEncode, type Cursor } from '../codec/varint.ts';
import { ConsumerGroup } from './consumer_group.ts';
import { PendingEntry } from './pending_list.ts';

// Part of the on-disk format; do not change.
export const SNAPSHOT_VERSION = 1;
const FLAG_RELEASED = 1;

/** What a stream's journal holds besides its events. */
export interface StreamJournalState {
  reservedSequence: number;
  reservedTimestampMs: number;
  trimSequence: number;
  groups: Map<string, ConsumerGroup>;
}

export function encodeSnapshot(state: StreamJournalState): Uint8Array {
  assert(state.trimSequence >= 1, 'the trim point is a sequence');
  let entries = 0;
  for (const group of state.groups.values()) entries += group.pel.size;
  const out = new ByteWriter(64 + 24 * entries);
  out.u8(SNAPSHOT_VERSION).varint(state.reservedSequence).varint(state.reservedTimestampMs)
    .varint(state.trimSequence).varint(state.groups.size);
  for (const group of state.groups.values()) encodeGroup(out, group);
  return out.finish();
}

function encodeGroup(out: ByteWriter, group: ConsumerGroup): void {
  out.shortString(group.name).varint(group.ackTimeoutMs).varint(group.maxDeliver)
    .varint(group.cursorSequence).varint(group.cursorTimestampMs).varint(group.deadLettered);
  const names = new Map<string, number>();
  const nameOf = (name: string): number => {
    let index = names.get(name);
    if (index === undefined) {
      index = names.size;
      names.set(name, index);
    }
    return index;
  };
  for (const consumer of group.consumers.keys()) nameOf(consumer);
  for (const entry of group.pel.values()) nameOf(entry.consumer);
  for (const dead of group.deadLetters) nameOf(dead.consumer);
  out.varint(names.size);
  for (const name of names.keys()) out.shortString(name);
  out.varint(group.consumers.size);
  for (const consumer of group.consumers.values()) {
    out.varint(nameOf(consumer.name)).varint(consumer.lastSeenMs);
  }
  out.varint(group.pel.size);
  let sequence = 0;
  let timestampMs = 0;
  for (const entry of group.pel.values()) {
    out.varint(entry.sequence - sequence).varint(zigzagEncode(entry.timestampMs - timestampMs))
      .varint(entry.partition).varint(entry.offset).varint(nameOf(entry.consumer))
      .varint(entry.deliveryCount).varint(entry.lastDeliveryMs)
      .varint(zigzagEncode(entry.dueMs - entry.lastDeliveryMs))
      .u8(entry.released ? FLAG_RELEASED : 0);
    sequence = entry.sequence;
    timestampMs = entry.timestampMs;
  }
  out.varint(group.deadLetters.length);
  sequence = 0;
  timestampMs = 0;
  for (const dead of group.deadLetters) {
    out.varint(dead.sequence - sequence).varint(zigzagEncode(dead.timestampMs - timestampMs))
      .varint(dead.partition).varint(dead.offset).varint(nameOf(dead.consumer))
      .varint(dead.deliveryCount).varint(dead.deadLetteredMs);
    sequence = dead.sequence;
    timestampMs = dead.timestampMs;
  }
}

/** Decodes a snapshot. Throws RangeError when the bytes are not a well-formed snapshot. */
export function decodeSnapshot(bytes: Uint8Array): StreamJournalState {
  const cursor: Cursor = { buffer: bytes, position: 0 };
  const version = readU8(cursor);
  if (version !== SNAPSHOT_VERSION) throw new RangeError(`unknown snapshot version ${version}`);
  const state: StreamJournalState = {
    reservedSequence: readVarint(cursor),
    reservedTimestampMs: readVarint(cursor),
    trimSequence: readVarint(cursor),
    groups: new Map(),
  };
  for (let count = readVarint(cursor); count > 0; count--) {
    const group = decodeGroup(cursor);
    if (state.groups.has(group.name)) throw new RangeError(`group "${group.name}" twice`);
    state.groups.set(group.name, group);
  }
  if (cursor.position !== bytes.length) throw new RangeError('bytes after the snapshot');
  return state;
}

function decodeGroup(cursor: Cursor): ConsumerGroup {
  const v = (): number => readVarint(cursor);
  const group = new ConsumerGroup(readShortString(cursor), v(), v(), v(), v());
  group.deadLettered = v();
  const names: string[] = [];
  for (let count = v(); count > 0; count--) names.push(readShortString(cursor));
  const name = (): string => {
    const index = v();
    if (index >= names.length) throw new RangeError(`consumer name index ${index}`);
    return names[index]!;
  };
  for (let count = v(); count > 0; count--) {
    const consumer = name();
    if (group.consumers.has(consumer)) throw new RangeError(`consumer "${consumer}" twice`);
    group.restoreConsumer(consumer, v());
  }
  let sequence = 0;
  let timestampMs = 0;
  for (let count = v(); count > 0; count--) {
    const delta = v();
    if (delta === 0) throw new RangeError('pending entries must ascend');
    sequence += delta;
    timestampMs += zigzagDecode(v());
    const partition = v();
    const offset = v();
    const consumer = name();
    const deliveryCount = v();
    const lastDeliveryMs = v();
    const dueMs = lastDeliveryMs + zigzagDecode(v());
    const flags = readU8(cursor);
    if ((flags & ~FLAG_RELEASED) !== 0) throw new RangeError(`unknown entry flags ${flags}`);
    const entry = new PendingEntry(sequence, timestampMs, partition, offset, consumer,
      deliveryCount, lastDeliveryMs, dueMs);
    entry.released = flags === FLAG_RELEASED;
    if (sequence > group.cursorSequence) throw new RangeError('pending entry past the cursor');
    group.restoreEntry(entry);
  }
  sequence = 0;
  timestampMs = 0;
  for (let count = v(); count > 0; count--) {
    const delta = v();
    if (delta === 0) throw new RangeError('dead letters must ascend');
    sequence += delta;
    timestampMs += zigzagDecode(v());
    group.restoreDeadLetter({ sequence, timestampMs, partition: v(), offset: v(),
      consumer: name(), deliveryCount: v(), deadLetteredMs: v() });
  }
  return group;
}
