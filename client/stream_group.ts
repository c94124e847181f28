// Consumer groups (flo-wire.md §7.5), reached as client.stream.group: create, join, leave,
// read (with block_ms and no_ack), ack, nack, touch, pending, claim, configure, info and
// delete. Every value starts with `[group_len:u16][group]`, most continue with
// `[consumer_len:u16][consumer]`; ids in values are `[timestamp_ms:u64][sequence:u64]` LE and
// are matched by sequence. Records use the stream record layout (stream_record.ts).

import { BodyWriter } from '../server/wire/body_writer.ts';
import { OpCode } from '../server/wire/opcodes.ts';
import { OptionTag } from '../server/wire/option_tags.ts';
import type { StreamId } from '../server/wire/options.ts';
import { bytesOf, textOf, type Bytes } from './bytes.ts';
import { decodeBody, FamilyBase, type CallBase } from './family_base.ts';
import { readItems } from './paging.ts';
import { RequestOptions } from './request_options.ts';
import {
  readStreamRecord, streamIdOf, type StreamPosition, type StreamRecord,
} from './stream_record.ts';

export interface GroupSettings extends CallBase {
  /** Redelivery timeout (ms); 0: the default (30 000). */
  readonly ackTimeoutMs?: number;
  /** Deliveries before dead-lettering (0: unlimited; default 10). */
  readonly maxDeliver?: number;
}

export interface GroupStart extends GroupSettings {
  /** Deliver records from this position on (create/join only). */
  readonly start?: StreamPosition;
  /** Deliver only records appended from now on (create/join only). */
  readonly tail?: boolean;
}

export interface GroupReadOptions extends CallBase {
  /** Records wanted (default 10, at most 1 000). */
  readonly count?: number;
  /** Wait up to this long for a record (ms). */
  readonly blockMs?: number;
  /** Deliver without adding to the pending list (at most once). */
  readonly noAck?: boolean;
}

export interface PendingEntry {
  readonly id: StreamId;
  readonly deliveryCount: number;
  readonly consumer: string;
}

export interface ClaimResult {
  readonly records: StreamRecord[];
  /** Where the next claim starts, or null when the scan reached the end of the list. */
  readonly next: StreamId | null;
}

export interface GroupInfo {
  /** The last record handed out ((0, 0) if none). */
  readonly cursor: StreamId;
  readonly pending: number;
  readonly deadLettered: number;
  readonly ackTimeoutMs: number;
  readonly maxDeliver: number;
  readonly consumers: Array<{ name: string; pending: number; idleMs: number }>;
}

const U64_MAX = 0xffff_ffff_ffff_ffffn;
const IDS_MAX = 10_000;

function groupValue(group: Bytes, consumer?: Bytes): BodyWriter {
  const writer = new BodyWriter().bytesU16(bytesOf(group));
  return consumer === undefined ? writer : writer.bytesU16(bytesOf(consumer));
}

function settingOptions(options: GroupStart): RequestOptions {
  return new RequestOptions()
    .u32(OptionTag.ack_timeout_ms, options.ackTimeoutMs)
    .u8(OptionTag.max_deliver, options.maxDeliver)
    .streamId(OptionTag.stream_start, options.start === undefined ? undefined
      : streamIdOf(options.start))
    .flag(OptionTag.stream_tail, options.tail);
}

const readRecords = (opCode: number, body: Uint8Array): StreamRecord[] =>
  decodeBody(opCode, body, (reader) => readItems(reader, reader.u32('count'), readStreamRecord));

export class StreamGroupApi extends FamilyBase {
  /** Creates the group (and the stream); an existing group takes the given settings. */
  create(stream: Bytes, group: Bytes, options: GroupStart = {}): Promise<void> {
    return this.empty(OpCode.STREAM_GROUP_CREATE, stream, groupValue(group), options,
      settingOptions(options));
  }

  /** Registers `consumer`, creating the group (and stream) with `options` if needed. */
  join(stream: Bytes, group: Bytes, consumer: Bytes, options: GroupStart = {}): Promise<void> {
    return this.empty(OpCode.STREAM_GROUP_JOIN, stream, groupValue(group, consumer), options,
      settingOptions(options));
  }

  /** Removes `consumer`; its pending records become redeliverable at once. */
  leave(stream: Bytes, group: Bytes, consumer: Bytes, options: CallBase = {}): Promise<void> {
    return this.empty(OpCode.STREAM_GROUP_LEAVE, stream, groupValue(group, consumer), options);
  }

  /** Redeliveries first, then new records; [] when none came within blockMs. */
  async read(
    stream: Bytes,
    group: Bytes,
    consumer: Bytes,
    options: GroupReadOptions = {},
  ): Promise<StreamRecord[]> {
    const opts = new RequestOptions()
      .u32(OptionTag.count, options.count)
      .u32(OptionTag.block_ms, options.blockMs)
      .flag(OptionTag.no_ack, options.noAck);
    const body = await this.call(OpCode.STREAM_GROUP_READ, {
      ...options, key: stream, value: groupValue(group, consumer).toBytes(), options: opts,
    });
    return readRecords(OpCode.STREAM_GROUP_READ, body);
  }

  /** Removes the ids from the pending list, whichever consumer holds them. */
  ack(stream: Bytes, group: Bytes, ids: readonly StreamPosition[],
    options: CallBase & { consumer?: Bytes } = {}): Promise<void> {
    return this.idsOp(OpCode.STREAM_GROUP_ACK, stream, group, ids, options);
  }

  /** Makes the ids redeliverable after `redeliveryDelayMs` (default 0). */
  nack(stream: Bytes, group: Bytes, ids: readonly StreamPosition[],
    options: CallBase & { consumer?: Bytes; redeliveryDelayMs?: number } = {}): Promise<void> {
    const opts = new RequestOptions().u32(OptionTag.redelivery_delay_ms, options.redeliveryDelayMs);
    return this.idsOp(OpCode.STREAM_GROUP_NACK, stream, group, ids, options, opts);
  }

  /** New ack deadline = now + extendAckMs (absent: the group's ack timeout). */
  touch(stream: Bytes, group: Bytes, ids: readonly StreamPosition[],
    options: CallBase & { consumer?: Bytes; extendAckMs?: number } = {}): Promise<void> {
    const opts = new RequestOptions().u32(OptionTag.extend_ack_ms, options.extendAckMs);
    return this.idsOp(OpCode.STREAM_GROUP_TOUCH, stream, group, ids, options, opts);
  }

  /** Pending entries in ascending id (the oldest 1 000), of one consumer if given. */
  async pending(
    stream: Bytes,
    group: Bytes,
    options: CallBase & { consumer?: Bytes } = {},
  ): Promise<PendingEntry[]> {
    const body = await this.call(OpCode.STREAM_GROUP_PENDING, {
      ...options, key: stream, value: groupValue(group, options.consumer).toBytes(),
    });
    return decodeBody(OpCode.STREAM_GROUP_PENDING, body, (reader) =>
      readItems(reader, reader.u32('n'), () => {
        const timestampMs = reader.u64('ts');
        const id = { timestampMs, sequence: reader.u64('seq') };
        const deliveryCount = reader.u32('delivery_count');
        return { id, deliveryCount, consumer: textOf(reader.bytesU16('consumer')) };
      }));
  }

  /**
   * Takes pending entries from `start` on: with minIdleMs 0 only the caller's own, else any
   * consumer's idle at least that long. Up to `count` (default 100).
   */
  async claim(stream: Bytes, group: Bytes, consumer: Bytes,
    options: CallBase & { minIdleMs?: number; start?: StreamPosition; count?: number } = {},
  ): Promise<ClaimResult> {
    const start = streamIdOf(options.start ?? 0);
    const value = groupValue(group, consumer).u32(options.minIdleMs ?? 0)
      .u64(start.timestampMs).u64(start.sequence).u32(options.count ?? 0).toBytes();
    const body = await this.call(OpCode.STREAM_GROUP_CLAIM, { ...options, key: stream, value });
    return decodeBody(OpCode.STREAM_GROUP_CLAIM, body, (reader) => {
      const records = readItems(reader, reader.u32('count'), readStreamRecord);
      const nextTs = reader.u64Big('next_ts');
      const nextSeq = reader.u64Big('next_seq');
      const end = nextTs === U64_MAX && nextSeq === U64_MAX;
      return {
        records,
        next: end ? null : { timestampMs: Number(nextTs), sequence: Number(nextSeq) },
      };
    });
  }

  /** Changes the given settings; absent ones stay. */
  configure(stream: Bytes, group: Bytes, options: GroupSettings): Promise<void> {
    return this.empty(OpCode.STREAM_GROUP_CONFIGURE_SWEEPER, stream, groupValue(group), options,
      settingOptions(options));
  }

  async info(stream: Bytes, group: Bytes, options: CallBase = {}): Promise<GroupInfo> {
    const body = await this.call(OpCode.STREAM_GROUP_INFO, {
      ...options, key: stream, value: groupValue(group).toBytes(),
    });
    return decodeBody(OpCode.STREAM_GROUP_INFO, body, (reader) => {
      const cursorTs = reader.u64('cursor_ts');
      const cursor = { timestampMs: cursorTs, sequence: reader.u64('cursor_seq') };
      const pending = reader.u64('pending');
      const deadLettered = reader.u64('dead_lettered');
      const ackTimeoutMs = reader.u32('ack_timeout_ms');
      const maxDeliver = reader.u8('max_deliver');
      const consumers = readItems(reader, reader.u32('consumer_count'), () => {
        const name = textOf(reader.bytesU16('name'));
        const consumerPending = reader.u64('pending');
        return { name, pending: consumerPending, idleMs: reader.u64('idle_ms') };
      });
      return { cursor, pending, deadLettered, ackTimeoutMs, maxDeliver, consumers };
    });
  }

  /** Removes the group; its parked reads end empty. */
  delete(stream: Bytes, group: Bytes, options: CallBase = {}): Promise<void> {
    return this.empty(OpCode.STREAM_GROUP_DELETE, stream, groupValue(group), options);
  }

  private idsOp(
    opCode: number,
    stream: Bytes,
    group: Bytes,
    ids: readonly StreamPosition[],
    options: CallBase & { consumer?: Bytes },
    opts?: RequestOptions,
  ): Promise<void> {
    if (ids.length > IDS_MAX) throw new RangeError(`at most ${IDS_MAX} ids, got ${ids.length}`);
    const value = groupValue(group, options.consumer ?? '').u32(ids.length);
    for (const position of ids) {
      const id = streamIdOf(position);
      value.u64(id.timestampMs).u64(id.sequence);
    }
    return this.empty(opCode, stream, value, options, opts);
  }

  private async empty(
    opCode: number,
    stream: Bytes,
    value: BodyWriter,
    options: CallBase,
    opts?: RequestOptions,
  ): Promise<void> {
    const body = await this.call(opCode, {
      ...options, key: stream, value: value.toBytes(), options: opts,
    });
    decodeBody(opCode, body, () => undefined);
  }
}
