// The stream record list of flo-wire.md §7.4.3, which STREAM_READ, STREAM_GROUP_READ and
// STREAM_GROUP_CLAIM reply with (note the u32 lengths and that the sequence comes first):
//
//   [count:u32] ( [sequence:u64][timestamp_ms:i64][tier:u8 = 0][partition:u32]
//                 [key_present:u8 = 1][key_len:u32][key = stream name]
//                 [payload_len:u32][payload][header_count:u32]
//                 ( [k_len:u32][k][v_len:u32][v] )* )*
//
// streamRecordBytes() is one record's exact size, so handlers can cut lists at the reply
// soft limit (§3.4) and give the engine a budget for reads that deliver (groups, claims).

import { ok as assert } from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import type { StreamRecord } from '../../engine/mod.ts';
import { BodyWriter } from '../wire/body_writer.ts';

/** Bytes of one record besides its key, payload and headers. */
const RECORD_OVERHEAD_BYTES = 8 + 8 + 1 + 4 + 1 + 4 + 4 + 4;
/** Bytes of one header besides its name and value. */
const HEADER_OVERHEAD_BYTES = 4 + 4;
/** Storage tier: this server keeps every record hot (§7.4.3). */
const TIER_HOT = 0;

/** The encoded size of `record` in a record list. */
export function streamRecordBytes(record: StreamRecord): number {
  let bytes = RECORD_OVERHEAD_BYTES + Buffer.byteLength(record.stream) + record.payload.length;
  for (const [name, value] of record.headers) {
    bytes += HEADER_OVERHEAD_BYTES + name.length + value.length;
  }
  return bytes;
}

/** Writes `[count:u32]` and the records to `body` (a trailer may follow). */
export function writeStreamRecords(body: BodyWriter, records: readonly StreamRecord[]): BodyWriter {
  body.u32(records.length);
  let stream = '';
  let streamBytes = new Uint8Array(0);
  for (const record of records) {
    if (record.stream !== stream || streamBytes.length === 0) {
      stream = record.stream;
      streamBytes = Buffer.from(stream, 'utf8');
    }
    body.u64(record.sequence).i64(record.timestampMs).u8(TIER_HOT).u32(record.partition)
      .u8(1).bytesU32(streamBytes).bytesU32(record.payload).u32(record.headers.length);
    for (const [name, value] of record.headers) body.bytesU32(name).bytesU32(value);
  }
  return body;
}

/** The record list as a reply body. */
export function streamRecordList(records: readonly StreamRecord[], trailerBytes = 0) {
  let total = 4;
  for (const record of records) total += streamRecordBytes(record);
  const body = writeStreamRecords(new BodyWriter(total + trailerBytes), records);
  assert(body.byteLength === total, 'the record list has the size it was measured at');
  return body;
}
