// What the stream and consumer-group families share: positions (a StreamId, or a bare
// sequence compared by sequence alone) and the record layout of flo-wire.md §7.4.3, which
// STREAM_READ, STREAM_GROUP_READ and STREAM_GROUP_CLAIM all reply with. Note the u32 lengths
// and that the sequence comes before the timestamp.

import type { BodyReader } from '../server/wire/body_reader.ts';
import type { StreamId } from '../server/wire/options.ts';
import { readItems } from './paging.ts';

export type { StreamId } from '../server/wire/options.ts';

/** A position: a StreamId, or a bare sequence. */
export type StreamPosition = StreamId | number;

export interface StreamRecord {
  readonly sequence: number;
  readonly timestampMs: number;
  readonly partition: number;
  /** The stream the record belongs to (pattern group reads span streams). */
  readonly stream: Uint8Array;
  readonly payload: Uint8Array;
  readonly headers: Array<[Uint8Array, Uint8Array]>;
}

/** A position as the StreamId the wire carries. */
export function streamIdOf(position: StreamPosition): StreamId {
  if (typeof position !== 'number') return position;
  if (!Number.isSafeInteger(position) || position < 0) {
    throw new RangeError(`a sequence must be a non-negative integer, got ${position}`);
  }
  return { timestampMs: 0, sequence: position };
}

/** One record of the §7.4.3 layout. */
export function readStreamRecord(reader: BodyReader): StreamRecord {
  const sequence = reader.u64('sequence');
  const timestampMs = reader.i64('timestamp_ms');
  reader.u8('tier');
  const partition = reader.u32('partition');
  const stream = reader.flag('key_present') ? reader.bytesU32('key') : new Uint8Array(0);
  const payload = reader.bytesU32('payload');
  const headers = readItems(reader, reader.u32('header_count'), (): [Uint8Array, Uint8Array] =>
    [reader.bytesU32('header key'), reader.bytesU32('header value')]);
  return { sequence, timestampMs, partition, stream, payload, headers };
}
