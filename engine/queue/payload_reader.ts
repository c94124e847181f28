// Payloads for delivery: from the in-memory cache when the message has one, otherwise read
// back from the queue's journal at the message's payload offset. A read takes a run of
// records (read-ahead) and caches the payloads of other live messages it passes, while the
// store's budget allows, so draining a backlog after a restart reads each batch once.
// REQUIRES: an uncached payload's record is readable (Queue drops a cached payload only
// once its record is durable, and keeps every segment from the lowest live payload on).

import { assert } from '../assert.ts';
import { CorruptionError } from '../errors.ts';
import { copyBytes } from '../codec/copy_bytes.ts';
import type { SegmentedLog } from '../log/segmented_log.ts';
import { EventKind, decodeEvent } from './queue_events.ts';
import type { Message } from './message.ts';
import type { PayloadCache, QueueState } from './queue_state.ts';

const READ_AHEAD_RECORDS = 256;

/** The store's payload cache and its limit. */
export interface PayloadBudget extends PayloadCache {
  readonly limitBytes: number;
}

/** A copy of `message`'s payload, owned by the caller. */
export function payloadCopy(
  log: SegmentedLog,
  state: QueueState,
  message: Message,
  budget: PayloadBudget,
): Uint8Array {
  if (message.payload !== null) return copyBytes(message.payload);
  const records = log.readAvailable(message.payloadOffset,
    { maxRecords: READ_AHEAD_RECORDS, maxBytes: 1 << 20 });
  const first = records[0];
  if (first === undefined || first.offset !== message.payloadOffset) {
    throw new CorruptionError(log.dir, 0, `Cannot read the payload of seq ${message.seq} ` +
      `at journal offset ${message.payloadOffset}: record missing`);
  }
  const event = decodeEvent(first.key, first.value);
  if ((event.kind !== EventKind.enqueue && event.kind !== EventKind.relocate) ||
    event.seq !== message.seq) {
    throw new CorruptionError(log.dir, 0, `Cannot read the payload of seq ${message.seq}: ` +
      `journal offset ${message.payloadOffset} holds another event`);
  }
  const payload = copyBytes(first.value);
  assert(payload.length === message.payloadBytes, `payload of seq ${message.seq} has its size`);
  for (const record of records.slice(1)) {
    if (budget.bytes + record.value.length > budget.limitBytes) break;
    const kind = record.key?.[0];
    if (kind !== EventKind.enqueue && kind !== EventKind.relocate) continue;
    const passed = decodeEvent(record.key, record.value);
    assert(passed.kind === EventKind.enqueue || passed.kind === EventKind.relocate, 'kind');
    const other = state.find(passed.seq);
    if (other === undefined || other.payload !== null) continue;
    if (other.payloadOffset !== record.offset) continue;
    other.payload = record.value.slice();
    budget.bytes += other.payload.length;
  }
  return payload;
}

// Copies a batch's payloads into one buffer (one allocation, not one per message); each
// copy is a view of it. NB: the buffer lives until every view is dropped.
export function copyPayloads(data: ReadonlyArray<Uint8Array | null>): Array<Uint8Array | null> {
  let total = 0;
  for (const payload of data) total += payload?.length ?? 0;
  const buffer = new Uint8Array(total);
  let at = 0;
  return data.map((payload) => {
    if (payload === null) return null;
    buffer.set(payload, at);
    at += payload.length;
    return buffer.subarray(at - payload.length, at);
  });
}
