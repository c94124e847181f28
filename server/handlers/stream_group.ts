// Consumer groups (flo-wire.md §7.5) over the engine's StreamStore.groups: create, join,
// leave, read (parks with block_ms; `prefix*` keys read every matching stream), ack, nack,
// touch, pending, claim, configure, info and delete. Group rules live in engine/stream.
//
// Values start with [group_len:u16][group] (1-255 bytes), most continue with
// [consumer_len:u16][consumer] (0-255 bytes); ids are [timestamp_ms:u64][sequence:u64] LE
// and are matched by sequence. Reads and claims deliver only what their reply carries (the
// engine's budget), so nothing is handed out past the reply soft limit.

import { ok as assert } from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import type { GroupOptions, StreamGroups } from '../../engine/mod.ts';
import { ok, type HandlerRequest, type Reply, type RequestContext } from '../handler.ts';
import type { HandlerTable } from '../handler_table.ts';
import { BodyReader } from '../wire/body_reader.ts';
import { BodyWriter } from '../wire/body_writer.ts';
import { nameBytesMax } from '../wire/limits.ts';
import { OpCode } from '../wire/opcodes.ts';
import { OptionTag } from '../wire/option_tags.ts';
import type { TlvOptions } from '../wire/options.ts';
import { badRequest, malformedValue } from '../wire/wire_error.ts';
import {
  blockMsOf, EMPTY_LIST, fitCount, nameOf, nonZeroUint, parkHooks,
} from './handler_args.ts';
import { streamRecordBytes, streamRecordList } from './stream_records.ts';

/** Most ids in one ACK, NACK or TOUCH (§2.7). */
const ID_LIST_MAX = 10_000;
/** CLAIM's trailer when the scan reached the end of the pending list. */
const CLAIM_END = 0xffff_ffff_ffff_ffffn;
const CLAIM_TRAILER_BYTES = 16;

type GroupHandler = (request: HandlerRequest, context: RequestContext) => Promise<Reply>;

/** Registers the consumer-group ops of §7.5 on `table`. */
export function registerStreamGroupHandlers(
  table: HandlerTable,
  groups: StreamGroups,
  replyBytesSoft: number,
): void {
  const ops = new GroupOps(groups, replyBytesSoft);
  const handlers: Array<[number, GroupHandler]> = [
    [OpCode.STREAM_GROUP_CREATE, (request) => ops.create(request)],
    [OpCode.STREAM_GROUP_JOIN, (request) => ops.join(request)],
    [OpCode.STREAM_GROUP_LEAVE, (request) => ops.leave(request)],
    [OpCode.STREAM_GROUP_READ, (request, context) => ops.read(request, context)],
    [OpCode.STREAM_GROUP_ACK, (request) => ops.changePending(request, 'ack')],
    [OpCode.STREAM_GROUP_NACK, (request) => ops.changePending(request, 'nack')],
    [OpCode.STREAM_GROUP_TOUCH, (request) => ops.changePending(request, 'touch')],
    [OpCode.STREAM_GROUP_PENDING, (request) => ops.pending(request)],
    [OpCode.STREAM_GROUP_CLAIM, (request) => ops.claim(request)],
    [OpCode.STREAM_GROUP_CONFIGURE_SWEEPER, (request) => ops.configure(request)],
    [OpCode.STREAM_GROUP_INFO, (request) => ops.info(request)],
    [OpCode.STREAM_GROUP_DELETE, (request) => ops.delete(request)],
  ];
  for (const [opCode, handler] of handlers) table.register(opCode, handler);
}

/** A request's stream, group and (where the layout has one) consumer. */
interface Addressed {
  readonly stream: string;
  readonly group: string;
  readonly consumer: string;
  /** The value after the names. */
  readonly reader: BodyReader;
}

class GroupOps {
  private readonly groups: StreamGroups;
  private readonly replyBytesSoft: number;

  constructor(groups: StreamGroups, replyBytesSoft: number) {
    this.groups = groups;
    this.replyBytesSoft = replyBytesSoft;
  }

  async create(request: HandlerRequest): Promise<Reply> {
    const { stream, group } = addressed(request, 'none');
    await this.groups.create(request.namespace, stream, group, groupOptions(request.options));
    return ok();
  }

  async join(request: HandlerRequest): Promise<Reply> {
    const { stream, group, consumer } = addressed(request, 'required');
    await this.groups.join(request.namespace, stream, group, consumer,
      groupOptions(request.options));
    return ok();
  }

  async leave(request: HandlerRequest): Promise<Reply> {
    const { stream, group, consumer } = addressed(request, 'required');
    await this.groups.leave(request.namespace, stream, group, consumer);
    return ok();
  }

  async read(request: HandlerRequest, context: RequestContext): Promise<Reply> {
    const { stream, group, consumer } = addressed(request, 'required');
    const { options } = request;
    const blockMs = blockMsOf(options);
    const records = await this.groups.read(request.namespace, stream, group, consumer,
      Object.assign(parkHooks(context, blockMs > 0), {
        count: nonZeroUint(options, OptionTag.count),
        blockMs,
        noAck: options.flag(OptionTag.no_ack),
        budget: { bytesMax: this.replyBytesSoft - 4, sizeOf: streamRecordBytes },
      }));
    const body = records.length === 0 ? EMPTY_LIST : streamRecordList(records).toBytes();
    assert(records.length <= 1 || body.length <= this.replyBytesSoft,
      'the engine delivered only what the reply carries');
    return ok(body);
  }

  async changePending(request: HandlerRequest, kind: 'ack' | 'nack' | 'touch'): Promise<Reply> {
    const { stream, group, consumer, reader } = addressed(request, 'optional');
    const sequences = readIdList(reader);
    const { namespace, options } = request;
    if (kind === 'ack') {
      await this.groups.ack(namespace, stream, group, sequences, consumer);
    } else if (kind === 'nack') {
      await this.groups.nack(namespace, stream, group, sequences,
        { delayMs: options.uint(OptionTag.redelivery_delay_ms), consumer });
    } else {
      await this.groups.touch(namespace, stream, group, sequences,
        { extendMs: options.uint(OptionTag.extend_ack_ms), consumer });
    }
    return ok();
  }

  async pending(request: HandlerRequest): Promise<Reply> {
    const { stream, group, reader } = addressed(request, 'none');
    // An optional [consumer_len:u16][consumer] filter follows; empty means every consumer.
    const consumer = reader.atEnd ? '' : consumerOf(reader, false);
    const entries = await this.groups.pending(request.namespace, stream, group, { consumer });
    const consumerBytes = new Map<string, Uint8Array>();
    const bytesOf = (name: string): Uint8Array => {
      let bytes = consumerBytes.get(name);
      if (bytes === undefined) consumerBytes.set(name, bytes = Buffer.from(name, 'utf8'));
      return bytes;
    };
    const fits = fitCount(entries, (entry) => 8 + 8 + 4 + 2 + bytesOf(entry.consumer).length, 4,
      this.replyBytesSoft);
    const body = new BodyWriter(4 + fits * 48).u32(fits);
    for (const entry of entries.slice(0, fits)) {
      body.u64(entry.id.timestampMs).u64(entry.id.sequence).u32(entry.deliveryCount)
        .bytesU16(bytesOf(entry.consumer));
    }
    return ok(body.toBytes());
  }

  async claim(request: HandlerRequest): Promise<Reply> {
    const { stream, group, consumer, reader } = addressed(request, 'required');
    const minIdleMs = reader.u32('min_idle_ms');
    const start = { timestampMs: reader.u64('start_ts'), sequence: reader.u64('start_seq') };
    const count = reader.u32('count');
    const result = await this.groups.claim(request.namespace, stream, group, consumer, {
      minIdleMs, start, count: count === 0 ? undefined : count,
      budget: { bytesMax: this.replyBytesSoft - 4 - CLAIM_TRAILER_BYTES,
        sizeOf: streamRecordBytes },
    });
    const body = streamRecordList(result.records, CLAIM_TRAILER_BYTES);
    if (result.next === null) body.u64(CLAIM_END).u64(CLAIM_END);
    else body.u64(result.next.timestampMs).u64(result.next.sequence);
    return ok(body.toBytes());
  }

  async configure(request: HandlerRequest): Promise<Reply> {
    const { stream, group } = addressed(request, 'none');
    await this.groups.configure(request.namespace, stream, group, groupSettings(request.options));
    return ok();
  }

  async info(request: HandlerRequest): Promise<Reply> {
    const { stream, group } = addressed(request, 'none');
    const info = await this.groups.info(request.namespace, stream, group);
    const body = new BodyWriter(64 + info.consumers.length * 40)
      .u64(info.cursor.timestampMs).u64(info.cursor.sequence).u64(info.pending)
      .u64(info.deadLettered).u32(info.ackTimeoutMs).u8(info.maxDeliver)
      .u32(info.consumers.length);
    for (const consumer of info.consumers) {
      body.utf8U16(consumer.name).u64(consumer.pending).u64(consumer.idleMs);
    }
    return ok(body.toBytes());
  }

  async delete(request: HandlerRequest): Promise<Reply> {
    const { stream, group } = addressed(request, 'none');
    await this.groups.delete(request.namespace, stream, group);
    return ok();
  }
}

/**
 * The stream (key), group and consumer of a request. `consumer`: 'none' when the layout has
 * no consumer, 'required' for JOIN, LEAVE, READ and CLAIM, 'optional' for ACK, NACK, TOUCH.
 * Bytes after the layout an op reads are left in `reader`.
 */
function addressed(
  request: HandlerRequest,
  consumer: 'none' | 'required' | 'optional',
): Addressed {
  const stream = nameOf(request.key, 'stream');
  const reader = new BodyReader(request.value);
  const group = nameOf(reader.bytesU16('group', nameBytesMax), 'group');
  const consumerName = consumer === 'none' ? '' : consumerOf(reader, consumer === 'required');
  return { stream, group, consumer: consumerName, reader };
}

function consumerOf(reader: BodyReader, required: boolean): string {
  return nameOf(reader.bytesU16('consumer', nameBytesMax), 'consumer', !required);
}

/** `[n:u32]( [timestamp_ms:u64][sequence:u64] )*`: the sequences (ids match by sequence). */
function readIdList(reader: BodyReader): number[] {
  const count = reader.u32('n');
  if (count > ID_LIST_MAX) {
    throw badRequest(`an id list holds at most ${ID_LIST_MAX} ids, got ${count}`);
  }
  if (reader.remaining < count * 16) {
    throw malformedValue(`${count} ids need ${count * 16} bytes, ${reader.remaining} follow`);
  }
  const sequences = new Array<number>(count);
  for (let index = 0; index < count; index++) {
    reader.u64('timestamp_ms');
    sequences[index] = reader.u64('sequence');
  }
  return sequences;
}

/**
 * ack_timeout_ms and max_deliver (CREATE, JOIN, CONFIGURE_SWEEPER): absent ones stay
 * unchanged; ack_timeout_ms 0 means the default (left to the engine), max_deliver 0 means
 * unlimited.
 */
function groupSettings(options: TlvOptions): { ackTimeoutMs?: number; maxDeliver?: number } {
  return {
    ackTimeoutMs: nonZeroUint(options, OptionTag.ack_timeout_ms),
    maxDeliver: options.uint(OptionTag.max_deliver),
  };
}

/** CREATE and JOIN: the settings, the start position, and shared subscriptions only. */
function groupOptions(options: TlvOptions): GroupOptions {
  const mode = options.uint(OptionTag.subscription_mode);
  if (mode !== undefined && mode !== 0) throw badRequest('not supported: subscription mode');
  const tail = options.flag(OptionTag.stream_tail);
  // tail wins over a start position, as for STREAM_READ.
  return { ...groupSettings(options), tail,
    start: tail ? undefined : options.streamId(OptionTag.stream_start) };
}
