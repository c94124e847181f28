// The queue family (flo-wire.md §7.3) over the engine's QueueStore: enqueue (one, batch),
// dequeue (leases; parks with block_ms), peek, the seq-list ops, the DLQ listing and
// statistics, promote, stats, purge and the paged list. Handlers decode the value and
// options, call the store with the wire's semantics (strict: false: seqs not in the right
// state are ignored), and encode the reply; queue rules live in engine/queue.
//
// Message list (§7.3.2), used by DEQUEUE, PEEK and DLQ_LIST:
//   [count:u32] ( [seq:u64][payload_len:u32][payload][enqueued_at_ms:i64]
//                 [delivery_count:u32][priority:u8] )*
// Lists stop before the reply passes the soft limit (§3.4); a dequeue leases only what its
// reply carries (the engine's budget), so nothing is leased that the client never sees.

import { ok as assert } from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import type { QueueMessage, QueueStore } from '../../engine/mod.ts';
import { ok, type HandlerRequest, type Reply, type RequestContext } from '../handler.ts';
import type { HandlerTable } from '../handler_table.ts';
import { BodyReader } from '../wire/body_reader.ts';
import { BodyWriter } from '../wire/body_writer.ts';
import { OpCode } from '../wire/opcodes.ts';
import { OptionTag } from '../wire/option_tags.ts';
import { badRequest, malformedValue } from '../wire/wire_error.ts';
import {
  blockMsOf, EMPTY_LIST, firstUint, fitCount, fittedPage, nameListFixedBytes, nameOf,
  nonZeroUint, pageRequestOf, parkHooks, writePageTrailer,
} from './handler_args.ts';

/** Bytes of one message in a list besides its payload. */
const MESSAGE_OVERHEAD_BYTES = 8 + 4 + 8 + 4 + 1;
/** Most seqs in one seq list (§2.7). */
const SEQ_LIST_MAX = 10_000;
/** Most messages in one batch enqueue (§7.3.3). */
const BATCH_MAX = 1_000;

type QueueHandler = (request: HandlerRequest, context: RequestContext) => Promise<Reply>;

/** Registers every op of §7.3 on `table`. */
export function registerQueueHandlers(
  table: HandlerTable,
  store: QueueStore,
  replyBytesSoft: number,
): void {
  const ops = new QueueOps(store, replyBytesSoft);
  const handlers: Array<[number, QueueHandler]> = [
    [OpCode.QUEUE_ENQUEUE, (request) => ops.enqueue(request)],
    [OpCode.QUEUE_BATCH_ENQUEUE, (request) => ops.enqueueBatch(request)],
    [OpCode.QUEUE_DEQUEUE, (request, context) => ops.dequeue(request, context)],
    [OpCode.QUEUE_PEEK, (request) => ops.peek(request)],
    [OpCode.QUEUE_COMPLETE, (request) => ops.seqOp(request, 'ack')],
    [OpCode.QUEUE_FAIL, (request) => ops.seqOp(request, 'nack')],
    [OpCode.QUEUE_FAIL_AUTO, (request) => ops.seqOp(request, 'nackAuto')],
    [OpCode.QUEUE_EXTEND_LEASE, (request) => ops.seqOp(request, 'touch')],
    [OpCode.QUEUE_TOUCH, (request) => ops.seqOp(request, 'touch')],
    [OpCode.QUEUE_DLQ_REQUEUE, (request) => ops.seqOp(request, 'requeue')],
    [OpCode.QUEUE_DLQ_DELETE, (request) => ops.seqOp(request, 'deleteDead')],
    [OpCode.QUEUE_DLQ_LIST, (request) => ops.dlqList(request)],
    [OpCode.QUEUE_DLQ_STATS, (request) => ops.dlqStats(request)],
    [OpCode.QUEUE_PROMOTE_DUE, (request) => ops.promoteDue(request)],
    [OpCode.QUEUE_STATS, (request) => ops.stats(request)],
    [OpCode.QUEUE_PURGE, (request) => ops.purge(request)],
    [OpCode.QUEUE_LIST, (request) => ops.list(request)],
  ];
  for (const [opCode, handler] of handlers) table.register(opCode, handler);
}

type SeqOpKind = 'ack' | 'nack' | 'nackAuto' | 'touch' | 'requeue' | 'deleteDead';

class QueueOps {
  private readonly store: QueueStore;
  private readonly replyBytesSoft: number;

  constructor(store: QueueStore, replyBytesSoft: number) {
    this.store = store;
    this.replyBytesSoft = replyBytesSoft;
  }

  async enqueue(request: HandlerRequest): Promise<Reply> {
    const options = request.options;
    const dedupKey = options.bytesOf(OptionTag.dedup_key);
    const seq = await this.store.enqueue(request.namespace, queueName(request), request.value, {
      ...enqueueOptions(request),
      // Copied: the store keeps the key for the dedup window; the request's bytes are a view.
      ...(dedupKey === undefined || dedupKey.length === 0 ? {} : { dedupKey: dedupKey.slice() }),
    });
    return ok(new BodyWriter(8).u64(seq).toBytes());
  }

  async enqueueBatch(request: HandlerRequest): Promise<Reply> {
    const dedupKey = request.options.bytesOf(OptionTag.dedup_key);
    if (dedupKey !== undefined && dedupKey.length > 0) {
      throw badRequest('dedup_key is not allowed on QUEUE_BATCH_ENQUEUE');
    }
    const name = queueName(request);
    const payloads = readBatch(request.value);
    const seqs = await this.store.enqueueBatch(request.namespace, name, payloads,
      enqueueOptions(request));
    const body = new BodyWriter(4 + seqs.length * 8).u32(seqs.length);
    for (const seq of seqs) body.u64(seq);
    return ok(body.toBytes());
  }

  async dequeue(request: HandlerRequest, context: RequestContext): Promise<Reply> {
    const { options } = request;
    const blockMs = blockMsOf(options);
    const budget = { bytesMax: this.replyBytesSoft - 4, sizeOf: messageBytes };
    const messages = await this.store.dequeue(request.namespace, queueName(request),
      Object.assign(parkHooks(context, blockMs > 0), {
        count: nonZeroUint(options, OptionTag.count),
        visibilityTimeoutMs: nonZeroUint(options, OptionTag.visibility_timeout_ms),
        blockMs,
        budget,
      }));
    assert(messages.length <= 1 || 4 + messages.reduce((sum, message) =>
      sum + messageBytes(message.payload.length), 0) <= this.replyBytesSoft,
    'the engine leased only what the reply carries');
    return ok(messages.length === 0 ? EMPTY_LIST : messageList(messages));
  }

  async peek(request: HandlerRequest): Promise<Reply> {
    const count = nonZeroUint(request.options, OptionTag.count);
    const messages = await this.store.peek(request.namespace, queueName(request), count);
    return ok(this.cutList(messages));
  }

  async seqOp(request: HandlerRequest, kind: SeqOpKind): Promise<Reply> {
    const name = queueName(request);
    const reader = new BodyReader(request.value);
    const seqs = readSeqList(reader);
    const { namespace, options } = request;
    const lenient = { strict: false };
    switch (kind) {
      case 'ack':
        await this.store.ack(namespace, name, seqs, lenient);
        break;
      case 'nack':
      case 'nackAuto':
        await this.store.nack(namespace, name, seqs, {
          ...lenient, delayMs: options.uint(OptionTag.delay_ms),
          toDlq: kind === 'nack' && options.flag(OptionTag.send_to_dlq),
        });
        break;
      case 'touch':
        await this.store.touch(namespace, name, seqs,
          { ...lenient, extendMs: extensionOf(request, reader) });
        break;
      case 'requeue':
        await this.store.dlqRequeue(namespace, name, seqs, lenient);
        break;
      case 'deleteDead':
        await this.store.dlqDelete(namespace, name, seqs, lenient);
        break;
    }
    return ok();
  }

  async dlqList(request: HandlerRequest): Promise<Reply> {
    const limit = firstUint(request.options, OptionTag.limit, OptionTag.count);
    const page = await this.store.dlqList(request.namespace, queueName(request),
      { limit: limit === 0 ? undefined : limit });
    return ok(this.cutList(page.messages));
  }

  async dlqStats(request: HandlerRequest): Promise<Reply> {
    const stats = await this.store.stats(request.namespace, queueName(request));
    return ok(new BodyWriter(16).u64(stats.dlq).u64(stats.dlqTotal).toBytes());
  }

  async promoteDue(request: HandlerRequest): Promise<Reply> {
    const promoted = await this.store.promoteDue(request.namespace, queueName(request));
    return ok(new BodyWriter(8).u64(promoted).toBytes());
  }

  async stats(request: HandlerRequest): Promise<Reply> {
    const stats = await this.store.stats(request.namespace, queueName(request));
    const body = new BodyWriter(72).u64(stats.enqueued).u64(stats.dequeued).u64(stats.acked)
      .u64(stats.nacked).u64(stats.dlqTotal).u64(stats.leasesExpired)
      // The wire's `ready` counts delayed messages too (§7.3.6).
      .u64(stats.ready + stats.delayed).u64(stats.leased).u64(stats.dlq);
    return ok(body.toBytes());
  }

  async purge(request: HandlerRequest): Promise<Reply> {
    const removed = await this.store.purge(request.namespace, queueName(request));
    return ok(new BodyWriter(8).u64(removed).toBytes());
  }

  async list(request: HandlerRequest): Promise<Reply> {
    const prefix = nameOf(request.key, 'queue', true);
    const { limit, cursor } = pageRequestOf(request.value);
    const namespaceBytes = Buffer.byteLength(request.namespace);
    const entryBytes = (name: string): number => 4 + Buffer.byteLength(name) + 4 +
      namespaceBytes + 5 * 8;
    const page = await fittedPage({ limit, cursor },
      (fits) => this.store.listQueues(request.namespace, { prefix, limit: fits, cursor }),
      (listed) => listed.queues, {
        sizeOf: (entry) => entryBytes(entry.name), fixedBytes: nameListFixedBytes,
        bytesMax: this.replyBytesSoft,
      });
    const body = new BodyWriter(64 + page.queues.length * 64).u32(page.queues.length);
    for (const entry of page.queues) {
      body.utf8U32(entry.name).utf8U32(entry.namespace).u64(entry.pending)
        .u64(entry.available).u64(entry.enqueued).u64(entry.dequeued).u64(entry.dlq);
    }
    return ok(writePageTrailer(body, page.hasMore ? page.cursor : null).toBytes());
  }

  /** A message list cut short at the soft limit (peek and the DLQ listing change nothing). */
  private cutList(messages: readonly QueueMessage[]): Uint8Array {
    const fits = fitCount(messages, (message) => messageBytes(message.payload.length), 4,
      this.replyBytesSoft);
    return fits === 0 ? EMPTY_LIST : messageList(messages.slice(0, fits));
  }
}

function queueName(request: HandlerRequest): string {
  return nameOf(request.key, 'queue');
}

function messageBytes(payloadBytes: number): number {
  return MESSAGE_OVERHEAD_BYTES + payloadBytes;
}

function messageList(messages: readonly QueueMessage[]): Uint8Array {
  let total = 4;
  for (const message of messages) total += messageBytes(message.payload.length);
  const body = new BodyWriter(total).u32(messages.length);
  for (const message of messages) {
    body.u64(message.seq).bytesU32(message.payload).i64(message.enqueuedAtMs)
      .u32(message.deliveryCount).u8(message.priority);
  }
  assert(body.byteLength === total, 'the message list has the size it was measured at');
  return body.toBytes();
}

/** priority, delay_ms and max_retries; the store refuses values out of range. */
function enqueueOptions(request: HandlerRequest) {
  const { options } = request;
  return {
    priority: options.uint(OptionTag.priority),
    delayMs: options.uint(OptionTag.delay_ms),
    maxRetries: options.uint(OptionTag.max_retries),
  };
}

/** `[n:u32]( [payload_len:u32][payload] )*`, n from 1 to 1 000, nothing after it. */
function readBatch(value: Uint8Array): Uint8Array[] {
  const reader = new BodyReader(value);
  const count = reader.u32('n');
  if (count === 0 || count > BATCH_MAX) {
    throw badRequest(`a batch holds 1 to ${BATCH_MAX} messages, got ${count}`);
  }
  const payloads: Uint8Array[] = [];
  for (let index = 0; index < count; index++) payloads.push(reader.bytesU32('payload'));
  if (!reader.atEnd) throw malformedValue(`${reader.remaining} bytes after the batch`);
  return payloads;
}

/** `[n:u32]( [seq:u64] )*`, n at most 10 000; the reader is left after the list. */
function readSeqList(reader: BodyReader): number[] {
  const count = reader.u32('n');
  if (count > SEQ_LIST_MAX) throw badRequest(`a seq list holds at most ${SEQ_LIST_MAX} seqs, ` +
    `got ${count}`);
  if (reader.remaining < count * 8) {
    throw malformedValue(`${count} seqs need ${count * 8} bytes, ${reader.remaining} follow`);
  }
  const seqs = new Array<number>(count);
  for (let index = 0; index < count; index++) seqs[index] = reader.u64('seq');
  return seqs;
}

/**
 * The lease extension of EXTEND_LEASE and TOUCH (§7.3.5): the first present and non-zero of
 * extend_ms, visibility_timeout_ms and a 4-byte `[extend_ms:u32]` after the seq list;
 * undefined (each lease's own length) otherwise.
 */
function extensionOf(request: HandlerRequest, reader: BodyReader): number | undefined {
  const { options } = request;
  const fromOptions = nonZeroUint(options, OptionTag.extend_ms) ??
    nonZeroUint(options, OptionTag.visibility_timeout_ms);
  if (fromOptions !== undefined) return fromOptions;
  if (reader.remaining !== 4) return undefined;
  const fromValue = reader.u32('extend_ms');
  return fromValue === 0 ? undefined : fromValue;
}
