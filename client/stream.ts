// The stream family (flo-wire.md §7.4): append (always batch-framed, so a binary payload can
// never be misread as a batch), read (range, tail, partition, block_ms), trim, info, the
// paged list, create, alter and delete. Consumer groups are client.stream.group
// (stream_group.ts), which shares the record layout read here. A position is a StreamId
// `(timestampMs, sequence)`, or a bare sequence number (timestamp 0: compared by sequence).

import { BodyWriter } from '../server/wire/body_writer.ts';
import { OpCode } from '../server/wire/opcodes.ts';
import { OptionTag } from '../server/wire/option_tags.ts';
import type { StreamId } from '../server/wire/options.ts';
import { bytesOf, type Bytes } from './bytes.ts';
import { decodeBody, FamilyBase, type CallBase, type Transport } from './family_base.ts';
import { pageValue, readItems, readPage, type Page, type PageOptions } from './paging.ts';
import { RequestOptions } from './request_options.ts';
import { StreamGroupApi } from './stream_group.ts';
import {
  readStreamRecord, streamIdOf, type StreamPosition, type StreamRecord,
} from './stream_record.ts';

/** One record to append. */
export interface StreamRecordInput {
  readonly payload: Bytes;
  /** Ordered header pairs (each part at most 65 535 bytes). */
  readonly headers?: ReadonlyArray<readonly [Bytes, Bytes]>;
}

export interface AppendOptions extends CallBase {
  /** An explicit partition (below the stream's partition count). */
  readonly partition?: number;
  /** Choose the partition by hash of this key. */
  readonly partitionKey?: Bytes;
  /** Requested timestamp (ms); never before the stream's last record. */
  readonly timestampMs?: number;
}

export interface ReadOptions extends CallBase {
  /** First position (inclusive). */
  readonly start?: StreamPosition;
  /** Last position (inclusive). */
  readonly end?: StreamPosition;
  /** Only records appended after the request arrives (wins over start). */
  readonly tail?: boolean;
  readonly partition?: number;
  /** Records wanted (default 100, at most 1 000). */
  readonly count?: number;
  /** Wait up to this long for a matching record (ms). */
  readonly blockMs?: number;
}

export interface TrimOptions extends CallBase {
  /** Remove records before this position. */
  readonly before?: StreamPosition;
  /** Keep the newest N records. */
  readonly keepCount?: number;
  readonly maxAgeSeconds?: number;
  readonly maxBytes?: number;
  /** Report what would be removed; remove nothing. */
  readonly dryRun?: boolean;
}

export interface StreamSettings extends CallBase {
  /** Partitions (1-1 024; alter may only grow it). */
  readonly partitions?: number;
  /** Retention limits; 0 removes a limit. */
  readonly retentionCount?: number;
  readonly retentionAgeSeconds?: number;
  readonly retentionBytes?: number;
}

export interface StreamInfo {
  readonly first: StreamId;
  readonly last: StreamId;
  readonly count: number;
  readonly bytes: number;
  readonly partitionCount: number;
  readonly retentionAgeSeconds: number;
  readonly retentionCount: number;
  readonly retentionBytes: number;
}

const APPEND_RECORDS_MAX = 1_000;

/** The batch-framed append value (§7.4.2). */
export function appendValue(records: readonly StreamRecordInput[]): Uint8Array {
  if (records.length === 0 || records.length > APPEND_RECORDS_MAX) {
    throw new RangeError(`an append holds 1-${APPEND_RECORDS_MAX} records, got ${records.length}`);
  }
  const writer = new BodyWriter().u32(records.length);
  for (const record of records) {
    writer.bytesU32(bytesOf(record.payload));
    const headers = record.headers ?? [];
    writer.u16(headers.length);
    for (const [name, value] of headers) writer.bytesU16(bytesOf(name)).bytesU16(bytesOf(value));
  }
  return writer.toBytes();
}

export class StreamApi extends FamilyBase {
  /** Consumer groups (§7.5). */
  readonly group: StreamGroupApi;

  constructor(transport: Transport, defaultNamespace = '') {
    super(transport, defaultNamespace);
    this.group = new StreamGroupApi(transport, defaultNamespace);
  }

  /** Appends one payload, one record or a batch; resolves with the first record's id. */
  async append(
    stream: Bytes,
    records: Bytes | StreamRecordInput | readonly StreamRecordInput[],
    options: AppendOptions = {},
  ): Promise<StreamId> {
    const list = typeof records === 'string' || records instanceof Uint8Array
      ? [{ payload: records }] : Array.isArray(records) ? records : [records as StreamRecordInput];
    const opts = new RequestOptions()
      .u32(OptionTag.partition, options.partition)
      .bytes(OptionTag.partition_key, options.partitionKey)
      .i64(OptionTag.ts_timestamp, options.timestampMs);
    const body = await this.call(OpCode.STREAM_APPEND, {
      ...options, key: stream, value: appendValue(list), options: opts,
    });
    // The sequence comes first in this reply (§4.5).
    return decodeBody(OpCode.STREAM_APPEND, body, (reader) => {
      const sequence = reader.u64('sequence');
      return { sequence, timestampMs: reader.i64('timestamp_ms') };
    });
  }

  /** Records in ascending sequence; [] when none matched within blockMs. */
  async read(stream: Bytes, options: ReadOptions = {}): Promise<StreamRecord[]> {
    const opts = new RequestOptions()
      .flag(OptionTag.stream_tail, options.tail)
      .streamId(OptionTag.stream_start, optionalId(options.start))
      .streamId(OptionTag.stream_end, optionalId(options.end))
      .u32(OptionTag.partition, options.partition)
      .u32(OptionTag.count, options.count)
      .u32(OptionTag.block_ms, options.blockMs);
    const body = await this.call(OpCode.STREAM_READ, { ...options, key: stream, options: opts });
    return decodeBody(OpCode.STREAM_READ, body, (reader) =>
      readItems(reader, reader.u32('count'), readStreamRecord));
  }

  /** Removes records by the given criteria (at least one); firstSeq 0 when none is left. */
  async trim(
    stream: Bytes,
    options: TrimOptions,
  ): Promise<{ removed: number; firstSeq: number }> {
    const opts = new RequestOptions()
      .streamId(OptionTag.stream_start, optionalId(options.before))
      .u64(OptionTag.retention_count, options.keepCount)
      .u64(OptionTag.max_age_seconds, options.maxAgeSeconds)
      .u64(OptionTag.max_bytes, options.maxBytes)
      .flag(OptionTag.dry_run, options.dryRun);
    const body = await this.call(OpCode.STREAM_TRIM, { ...options, key: stream, options: opts });
    return decodeBody(OpCode.STREAM_TRIM, body, (reader) => ({
      removed: reader.u64('removed'), firstSeq: reader.u64('first_seq'),
    }));
  }

  /** Oldest and newest retained records, totals and retention (of one partition if given). */
  async info(stream: Bytes, options: CallBase & { partition?: number } = {}): Promise<StreamInfo> {
    const opts = new RequestOptions().u32(OptionTag.partition, options.partition);
    const body = await this.call(OpCode.STREAM_INFO, { ...options, key: stream, options: opts });
    return decodeBody(OpCode.STREAM_INFO, body, (reader) => {
      const firstTs = reader.u64('first_ts');
      const first = { timestampMs: firstTs, sequence: reader.u64('first_seq') };
      const lastTs = reader.u64('last_ts');
      const last = { timestampMs: lastTs, sequence: reader.u64('last_seq') };
      return {
        first, last,
        count: reader.u64('count'),
        bytes: reader.u64('bytes'),
        partitionCount: reader.u32('partition_count'),
        retentionAgeSeconds: reader.u64('retention_age_s'),
        retentionCount: reader.u64('retention_count'),
        retentionBytes: reader.u64('retention_bytes'),
      };
    });
  }

  /** Streams whose name starts with `prefix`, by name, one page at a time. */
  async list(
    prefix: Bytes = '',
    options: CallBase & PageOptions = {},
  ): Promise<Page<{ name: Uint8Array; partitionCount: number }>> {
    const body = await this.call(OpCode.STREAM_LIST, {
      ...options, key: prefix, value: pageValue(options),
    });
    return decodeBody(OpCode.STREAM_LIST, body, (reader) => readPage(reader, () => ({
      name: reader.bytesU32('name'), partitionCount: reader.u32('partition_count'),
    })));
  }

  /** Creates a stream; FloConflictError when it exists. */
  create(stream: Bytes, options: StreamSettings = {}): Promise<void> {
    return this.settings(OpCode.STREAM_CREATE, stream, options);
  }

  /** Changes retention (given limits only) or grows the partitions. */
  alter(stream: Bytes, options: StreamSettings): Promise<void> {
    return this.settings(OpCode.STREAM_ALTER, stream, options);
  }

  /** Deletes a stream and its groups; with records, only with `force`. */
  async delete(stream: Bytes, options: CallBase & { force?: boolean } = {}): Promise<void> {
    const opts = new RequestOptions().flag(OptionTag.force, options.force);
    const body = await this.call(OpCode.STREAM_DELETE, { ...options, key: stream, options: opts });
    decodeBody(OpCode.STREAM_DELETE, body, () => undefined);
  }

  private async settings(opCode: number, stream: Bytes, options: StreamSettings): Promise<void> {
    const value = options.partitions === undefined ? undefined
      : new BodyWriter(4).u32(options.partitions).toBytes();
    const opts = new RequestOptions()
      .u64(OptionTag.retention_count, options.retentionCount)
      .u64(OptionTag.retention_age, options.retentionAgeSeconds)
      .u64(OptionTag.retention_bytes, options.retentionBytes);
    const body = await this.call(opCode, { ...options, key: stream, value, options: opts });
    decodeBody(opCode, body, () => undefined);
  }
}

function optionalId(position: StreamPosition | undefined): StreamId | undefined {
  return position === undefined ? undefined : streamIdOf(position);
}
