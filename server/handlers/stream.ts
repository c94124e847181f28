// The stream family (flo-wire.md §7.4) over the engine's StreamStore: append (batch-framed
// or raw, by the detection rule of §7.4.2), read (range, tail, partition, parks with
// block_ms), trim, info, the paged list, create, alter and delete. Consumer groups are in
// stream_group.ts. StreamIDs in options are big-endian (§4.5, decoded by TlvOptions); the
// record list is in stream_records.ts. Stream rules live in engine/stream.
//
// Batch framing (the value of STREAM_APPEND when it "frames exactly"):
//   [record_count:u32] ( [payload_len:u32][payload][header_count:u16]
//                        ( [k_len:u16][k][v_len:u16][v] )* )*

import { Buffer } from 'node:buffer';
import type {
  RetentionLimits, StreamHeader, StreamRecordInput, StreamStore,
} from '../../engine/mod.ts';
import { ok, type HandlerRequest, type Reply, type RequestContext } from '../handler.ts';
import type { HandlerTable } from '../handler_table.ts';
import { BodyWriter } from '../wire/body_writer.ts';
import { readU16, readU32 } from '../wire/frame.ts';
import { OpCode } from '../wire/opcodes.ts';
import { OptionTag } from '../wire/option_tags.ts';
import type { TlvOptions } from '../wire/options.ts';
import { badRequest, malformedValue } from '../wire/wire_error.ts';
import {
  blockMsOf, EMPTY_LIST, firstUint, fitCount, fittedPage, nameListFixedBytes, nameOf,
  pageRequestOf, parkHooks, writePageTrailer,
} from './handler_args.ts';
import { streamRecordBytes, streamRecordList } from './stream_records.ts';

/** Most records in one append batch (§2.7). */
const APPEND_RECORDS_MAX = 1_000;
/** STREAM_INFO's reply size (§7.4.5). */
const INFO_BYTES = 76;

type StreamHandler = (request: HandlerRequest, context: RequestContext) => Promise<Reply>;

/** Registers the stream ops of §7.4 on `table`. */
export function registerStreamHandlers(
  table: HandlerTable,
  store: StreamStore,
  replyBytesSoft: number,
): void {
  const ops = new StreamOps(store, replyBytesSoft);
  const handlers: Array<[number, StreamHandler]> = [
    [OpCode.STREAM_APPEND, (request) => ops.append(request)],
    [OpCode.STREAM_READ, (request, context) => ops.read(request, context)],
    [OpCode.STREAM_TRIM, (request) => ops.trim(request)],
    [OpCode.STREAM_INFO, (request) => ops.info(request)],
    [OpCode.STREAM_LIST, (request) => ops.list(request)],
    [OpCode.STREAM_CREATE, (request) => ops.create(request)],
    [OpCode.STREAM_ALTER, (request) => ops.alter(request)],
    [OpCode.STREAM_DELETE, (request) => ops.delete(request)],
  ];
  for (const [opCode, handler] of handlers) table.register(opCode, handler);
}

class StreamOps {
  private readonly store: StreamStore;
  private readonly replyBytesSoft: number;

  constructor(store: StreamStore, replyBytesSoft: number) {
    this.store = store;
    this.replyBytesSoft = replyBytesSoft;
  }

  async append(request: HandlerRequest): Promise<Reply> {
    const { options } = request;
    const name = streamName(request);
    const records = appendRecords(request.value);
    const partitionKey = options.bytesOf(OptionTag.partition_key);
    const timestampMs = options.i64(OptionTag.ts_timestamp);
    const result = await this.store.append(request.namespace, name, records, {
      partition: options.uint(OptionTag.partition),
      // Length 0 means absent (§4.3); 0 or less means server-assigned (§7.4.2).
      ...(partitionKey === undefined || partitionKey.length === 0 ? {} : { partitionKey }),
      ...(timestampMs === undefined || timestampMs <= 0 ? {} : { timestampMs }),
    });
    return ok(new BodyWriter(16).u64(result.sequence).i64(result.timestampMs).toBytes());
  }

  async read(request: HandlerRequest, context: RequestContext): Promise<Reply> {
    const { options } = request;
    const blockMs = blockMsOf(options);
    const count = firstUint(options, OptionTag.count, OptionTag.limit);
    const records = await this.store.read(request.namespace, streamName(request),
      Object.assign(parkHooks(context, blockMs > 0), {
        tail: options.flag(OptionTag.stream_tail),
        start: options.streamId(OptionTag.stream_start),
        end: options.streamId(OptionTag.stream_end),
        partition: options.uint(OptionTag.partition),
        count: count === 0 ? undefined : count,
        blockMs,
      }));
    const fits = fitCount(records, streamRecordBytes, 4, this.replyBytesSoft);
    return ok(fits === 0 ? EMPTY_LIST : streamRecordList(records.slice(0, fits)).toBytes());
  }

  async trim(request: HandlerRequest): Promise<Reply> {
    const { options } = request;
    const retention = retentionOf(options, 'trim');
    const result = await this.store.trim(request.namespace, streamName(request), {
      before: options.streamId(OptionTag.stream_start),
      maxRecords: retention.maxRecords,
      maxAgeMs: retention.maxAgeMs,
      maxBytes: retention.maxBytes,
      dryRun: options.flag(OptionTag.dry_run),
    });
    return ok(new BodyWriter(16).u64(result.removed).u64(result.firstSequence).toBytes());
  }

  async info(request: HandlerRequest): Promise<Reply> {
    const partition = request.options.uint(OptionTag.partition);
    const info = await this.store.info(request.namespace, streamName(request),
      partition === undefined ? {} : { partition });
    const body = new BodyWriter(INFO_BYTES).u64(info.first.timestampMs).u64(info.first.sequence)
      .u64(info.last.timestampMs).u64(info.last.sequence).u64(info.count).u64(info.bytes)
      .u32(info.partitionCount).u64(Math.floor(info.retention.maxAgeMs / 1000))
      .u64(info.retention.maxRecords).u64(info.retention.maxBytes);
    return ok(body.toBytes());
  }

  async list(request: HandlerRequest): Promise<Reply> {
    const prefix = nameOf(request.key, 'stream', true);
    const { limit, cursor } = pageRequestOf(request.value);
    const entryBytes = (name: string): number => 4 + Buffer.byteLength(name) + 4;
    const page = await fittedPage({ limit, cursor },
      (fits) => this.store.list(request.namespace, { prefix, limit: fits, cursor }),
      (listed) => listed.streams, {
        sizeOf: (entry) => entryBytes(entry.name), fixedBytes: nameListFixedBytes,
        bytesMax: this.replyBytesSoft,
      });
    const body = new BodyWriter(16 + page.streams.length * 32).u32(page.streams.length);
    for (const entry of page.streams) body.utf8U32(entry.name).u32(entry.partitionCount);
    return ok(writePageTrailer(body, page.cursor).toBytes());
  }

  async create(request: HandlerRequest): Promise<Reply> {
    const partitions = partitionCountOf(request.value);
    await this.store.create(request.namespace, streamName(request), {
      // Absent or 0 means 1 (§7.4.5).
      partitionCount: partitions === undefined || partitions === 0 ? 1 : partitions,
      retention: retentionOf(request.options, 'settings'),
    });
    return ok();
  }

  async alter(request: HandlerRequest): Promise<Reply> {
    const partitions = partitionCountOf(request.value);
    await this.store.alter(request.namespace, streamName(request), {
      // Absent or 0 leaves the partition count as it is.
      ...(partitions === undefined || partitions === 0 ? {} : { partitionCount: partitions }),
      retention: retentionOf(request.options, 'settings'),
    });
    return ok();
  }

  async delete(request: HandlerRequest): Promise<Reply> {
    await this.store.delete(request.namespace, streamName(request),
      { force: request.options.flag(OptionTag.force) });
    return ok();
  }
}

function streamName(request: HandlerRequest): string {
  return nameOf(request.key, 'stream');
}

/** The records of an append: the batch when the value frames exactly, else one raw record. */
function appendRecords(value: Uint8Array): StreamRecordInput[] {
  const batch = framedBatch(value);
  if (batch === null) return [{ payload: value }];
  if (batch.length > APPEND_RECORDS_MAX) {
    throw badRequest(`an append holds at most ${APPEND_RECORDS_MAX} records, got ` +
      `${batch.length}`);
  }
  return batch;
}

/**
 * The batch in `value` when it frames exactly (§7.4.2: at least 4 bytes, record_count >= 1,
 * every length fits, parsing ends at the last byte), else null. Payloads and headers are
 * views of `value`. Each record takes at least 6 bytes, so the loop is bounded by the value.
 */
export function framedBatch(value: Uint8Array): StreamRecordInput[] | null {
  if (value.length < 4) return null;
  const count = readU32(value, 0);
  if (count === 0) return null;
  const cursor = { at: 4 };
  const records: StreamRecordInput[] = [];
  for (let index = 0; index < count; index++) {
    const payload = lengthPrefixed(value, cursor, 4);
    if (payload === null || cursor.at + 2 > value.length) return null;
    const headerCount = readU16(value, cursor.at);
    cursor.at += 2;
    const headers: StreamHeader[] = [];
    for (let header = 0; header < headerCount; header++) {
      const name = lengthPrefixed(value, cursor, 2);
      const headerValue = name === null ? null : lengthPrefixed(value, cursor, 2);
      if (name === null || headerValue === null) return null;
      headers.push([name, headerValue]);
    }
    records.push(headers.length === 0 ? { payload } : { payload, headers });
  }
  return cursor.at === value.length ? records : null;
}

/** `[len:u16|u32][bytes]` at `cursor.at` (advancing it), or null when it does not fit. */
function lengthPrefixed(value: Uint8Array, cursor: { at: number }, widthBytes: 2 | 4) {
  if (cursor.at + widthBytes > value.length) return null;
  const length = widthBytes === 4 ? readU32(value, cursor.at) : readU16(value, cursor.at);
  const start = cursor.at + widthBytes;
  if (start + length > value.length) return null;
  cursor.at = start + length;
  return value.subarray(start, cursor.at);
}

/** The optional `[partition_count:u32]` value of CREATE and ALTER. */
function partitionCountOf(value: Uint8Array): number | undefined {
  if (value.length === 0) return undefined;
  if (value.length !== 4) {
    throw malformedValue(`the value is empty or [partition_count:u32], got ${value.length} ` +
      'bytes');
  }
  return readU32(value, 0);
}

/**
 * Retention limits from the options: for TRIM `limit` (0x05) or `retention_count` and the
 * age and size criteria; for CREATE and ALTER `retention_*`, with 0x26/0x27 as their aliases.
 * Ages are seconds on the wire and milliseconds in the engine. Absent options stay absent.
 */
function retentionOf(options: TlvOptions, use: 'trim' | 'settings'): RetentionLimits {
  const count = use === 'trim' ? firstUint(options, OptionTag.limit, OptionTag.retention_count)
    : options.uint(OptionTag.retention_count);
  const ageSeconds = use === 'trim'
    ? firstUint(options, OptionTag.max_age_seconds, OptionTag.retention_age)
    : firstUint(options, OptionTag.retention_age, OptionTag.max_age_seconds);
  const bytes = use === 'trim' ? firstUint(options, OptionTag.max_bytes, OptionTag.retention_bytes)
    : firstUint(options, OptionTag.retention_bytes, OptionTag.max_bytes);
  const limits: RetentionLimits = {};
  if (count !== undefined) limits.maxRecords = count;
  if (ageSeconds !== undefined) {
    limits.maxAgeMs = Math.min(ageSeconds * 1000, Number.MAX_SAFE_INTEGER);
  }
  if (bytes !== undefined) limits.maxBytes = bytes;
  return limits;
}
