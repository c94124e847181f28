// The queue family (flo-wire.md §7.3): enqueue (one or a batch), dequeue (leases, with
// block_ms), peek, the seq-list ops (ack, nack, failAuto, extendLease, touch, dlqRequeue,
// dlqDelete), the DLQ listing and statistics, promoteDue, stats, purge and the paged list.
// Messages come back as QueueMessage; seqs are numbers (per-queue counters from 1).

import { BodyWriter } from '../server/wire/body_writer.ts';
import type { BodyReader } from '../server/wire/body_reader.ts';
import { OpCode } from '../server/wire/opcodes.ts';
import { OptionTag } from '../server/wire/option_tags.ts';
import { bytesOf, textOf, type Bytes } from './bytes.ts';
import { badReply, decodeBody, FamilyBase, type CallBase } from './family_base.ts';
import { pageValue, readItems, readPage, type Page, type PageOptions } from './paging.ts';
import { RequestOptions } from './request_options.ts';

export interface EnqueueOptions extends CallBase {
  /** 0-255; lower values are dequeued first. Default 0. */
  readonly priority?: number;
  /** Ready only after this many ms (at most 30 days). */
  readonly delayMs?: number;
  /** Within the server's dedup window, a second enqueue with this key adds nothing. */
  readonly dedupKey?: Bytes;
  /** Deliveries allowed = maxRetries + 1 (0-255). */
  readonly maxRetries?: number;
}

export interface DequeueOptions extends CallBase {
  /** Messages wanted (default 1, at most 100). */
  readonly count?: number;
  /** Wait up to this long for a ready message (ms). */
  readonly blockMs?: number;
  /** Lease length (ms); 0 or absent: the server default. */
  readonly visibilityTimeoutMs?: number;
}

export interface NackOptions extends CallBase {
  /** Straight to the dead-letter queue. */
  readonly toDlq?: boolean;
  /** Ready again only after this many ms. */
  readonly delayMs?: number;
}

export interface QueueMessage {
  readonly seq: number;
  readonly payload: Uint8Array;
  readonly enqueuedAtMs: number;
  /** Deliveries so far, this one included (for dequeue). */
  readonly deliveryCount: number;
  readonly priority: number;
}

export interface QueueStats {
  readonly enqueued: number;
  readonly dequeued: number;
  readonly acked: number;
  readonly nacked: number;
  readonly dlqTotal: number;
  readonly leasesExpired: number;
  /** Ready plus delayed messages now. */
  readonly ready: number;
  readonly leased: number;
  readonly dlqCurrent: number;
}

export interface QueueInfo {
  readonly name: Uint8Array;
  readonly namespace: string;
  /** Ready + delayed + leased. */
  readonly pending: number;
  readonly available: number;
  readonly enqueued: number;
  readonly dequeued: number;
  readonly dlq: number;
}

const SEQS_MAX = 10_000;
const BATCH_MAX = 1_000;

/** The seq-list value `[n:u32]([seq:u64])*` (§7.3.5). */
export function seqListValue(seqs: readonly number[], extraBytes = 0): BodyWriter {
  if (seqs.length > SEQS_MAX) throw new RangeError(`at most ${SEQS_MAX} seqs, got ${seqs.length}`);
  const writer = new BodyWriter(4 + seqs.length * 8 + extraBytes).u32(seqs.length);
  for (const seq of seqs) writer.u64(seq);
  return writer;
}

function readMessage(reader: BodyReader): QueueMessage {
  return {
    seq: reader.u64('seq'),
    payload: reader.bytesU32('payload'),
    enqueuedAtMs: reader.i64('enqueued_at_ms'),
    deliveryCount: reader.u32('delivery_count'),
    priority: reader.u8('priority'),
  };
}

const readMessages = (opCode: number, body: Uint8Array): QueueMessage[] =>
  decodeBody(opCode, body, (reader) => readItems(reader, reader.u32('count'), readMessage));

const readU64 = (opCode: number, body: Uint8Array, field: string): number =>
  decodeBody(opCode, body, (reader) => reader.u64(field));

export class QueueApi extends FamilyBase {
  /** Adds a message; resolves with its seq (the first one's, for a dedup hit). */
  async enqueue(queue: Bytes, payload: Bytes, options: EnqueueOptions = {}): Promise<number> {
    const body = await this.call(OpCode.QUEUE_ENQUEUE, {
      ...options, key: queue, value: bytesOf(payload), options: enqueueOptions(options)
        .bytes(OptionTag.dedup_key, options.dedupKey),
    });
    return readU64(OpCode.QUEUE_ENQUEUE, body, 'seq');
  }

  /** Adds 1-1 000 messages atomically; resolves with their consecutive seqs. */
  async enqueueBatch(
    queue: Bytes,
    payloads: readonly Bytes[],
    options: Omit<EnqueueOptions, 'dedupKey'> = {},
  ): Promise<number[]> {
    if (payloads.length === 0 || payloads.length > BATCH_MAX) {
      throw new RangeError(`a batch holds 1-${BATCH_MAX} messages, got ${payloads.length}`);
    }
    const value = new BodyWriter().u32(payloads.length);
    for (const payload of payloads) value.bytesU32(bytesOf(payload));
    const body = await this.call(OpCode.QUEUE_BATCH_ENQUEUE, {
      ...options, key: queue, value: value.toBytes(), options: enqueueOptions(options),
    });
    const seqs = decodeBody(OpCode.QUEUE_BATCH_ENQUEUE, body, (reader) =>
      readItems(reader, reader.u32('n'), () => reader.u64('seq')));
    if (seqs.length !== payloads.length) {
      throw badReply(OpCode.QUEUE_BATCH_ENQUEUE, `${seqs.length} seqs for ${payloads.length}`);
    }
    return seqs;
  }

  /** Leases up to `count` ready messages; [] when none came within blockMs. */
  async dequeue(queue: Bytes, options: DequeueOptions = {}): Promise<QueueMessage[]> {
    const opts = new RequestOptions()
      .u32(OptionTag.count, options.count ?? 1)
      .u32(OptionTag.block_ms, options.blockMs)
      .u32(OptionTag.visibility_timeout_ms, options.visibilityTimeoutMs);
    const body = await this.call(OpCode.QUEUE_DEQUEUE, { ...options, key: queue, options: opts });
    return readMessages(OpCode.QUEUE_DEQUEUE, body);
  }

  /** The first `count` ready messages, changing nothing. */
  async peek(queue: Bytes, options: CallBase & { count?: number } = {}): Promise<QueueMessage[]> {
    const opts = new RequestOptions().u32(OptionTag.count, options.count);
    const body = await this.call(OpCode.QUEUE_PEEK, { ...options, key: queue, options: opts });
    return readMessages(OpCode.QUEUE_PEEK, body);
  }

  /** Acknowledges (removes) delivered messages; other seqs are ignored. */
  ack(queue: Bytes, seqs: readonly number[], options: CallBase = {}): Promise<void> {
    return this.seqOp(OpCode.QUEUE_COMPLETE, queue, seqs, options);
  }

  /** Returns leased messages: ready again (or delayed, or dead-lettered). */
  nack(queue: Bytes, seqs: readonly number[], options: NackOptions = {}): Promise<void> {
    const opts = new RequestOptions()
      .flagByte(OptionTag.send_to_dlq, options.toDlq)
      .u64(OptionTag.delay_ms, options.delayMs);
    return this.seqOp(OpCode.QUEUE_FAIL, queue, seqs, options, opts);
  }

  /** As nack, without the straight-to-DLQ choice. */
  failAuto(queue: Bytes, seqs: readonly number[], options: NackOptions = {}): Promise<void> {
    const opts = new RequestOptions().u64(OptionTag.delay_ms, options.delayMs);
    return this.seqOp(OpCode.QUEUE_FAIL_AUTO, queue, seqs, options, opts);
  }

  /** New lease deadline = now + extendMs (absent: the lease's own length). */
  extendLease(
    queue: Bytes,
    seqs: readonly number[],
    options: CallBase & { extendMs?: number } = {},
  ): Promise<void> {
    const opts = new RequestOptions().u32(OptionTag.extend_ms, options.extendMs);
    return this.seqOp(OpCode.QUEUE_EXTEND_LEASE, queue, seqs, options, opts);
  }

  /** As extendLease (QUEUE_TOUCH). */
  touch(
    queue: Bytes,
    seqs: readonly number[],
    options: CallBase & { extendMs?: number } = {},
  ): Promise<void> {
    const opts = new RequestOptions().u32(OptionTag.extend_ms, options.extendMs);
    return this.seqOp(OpCode.QUEUE_TOUCH, queue, seqs, options, opts);
  }

  /** Dead-lettered messages in ascending seq (at most `limit`, default 100). */
  async dlqList(
    queue: Bytes,
    options: CallBase & { limit?: number } = {},
  ): Promise<QueueMessage[]> {
    const opts = new RequestOptions().u32(OptionTag.limit, options.limit);
    const body = await this.call(OpCode.QUEUE_DLQ_LIST, { ...options, key: queue, options: opts });
    return readMessages(OpCode.QUEUE_DLQ_LIST, body);
  }

  /** Back from the DLQ to ready, attempts reset. */
  dlqRequeue(queue: Bytes, seqs: readonly number[], options: CallBase = {}): Promise<void> {
    return this.seqOp(OpCode.QUEUE_DLQ_REQUEUE, queue, seqs, options);
  }

  dlqDelete(queue: Bytes, seqs: readonly number[], options: CallBase = {}): Promise<void> {
    return this.seqOp(OpCode.QUEUE_DLQ_DELETE, queue, seqs, options);
  }

  async dlqStats(
    queue: Bytes,
    options: CallBase = {},
  ): Promise<{ current: number; total: number }> {
    const body = await this.call(OpCode.QUEUE_DLQ_STATS, { ...options, key: queue });
    return decodeBody(OpCode.QUEUE_DLQ_STATS, body, (reader) => ({
      current: reader.u64('dlq_current'), total: reader.u64('dlq_total'),
    }));
  }

  /** Makes due delayed messages ready now; resolves with how many. */
  async promoteDue(queue: Bytes, options: CallBase = {}): Promise<number> {
    const body = await this.call(OpCode.QUEUE_PROMOTE_DUE, { ...options, key: queue });
    return readU64(OpCode.QUEUE_PROMOTE_DUE, body, 'promoted');
  }

  async stats(queue: Bytes, options: CallBase = {}): Promise<QueueStats> {
    const body = await this.call(OpCode.QUEUE_STATS, { ...options, key: queue });
    return decodeBody(OpCode.QUEUE_STATS, body, (reader) => ({
      enqueued: reader.u64('enqueued'),
      dequeued: reader.u64('dequeued'),
      acked: reader.u64('acked'),
      nacked: reader.u64('nacked'),
      dlqTotal: reader.u64('dlq_total'),
      leasesExpired: reader.u64('leases_expired'),
      ready: reader.u64('ready'),
      leased: reader.u64('leased'),
      dlqCurrent: reader.u64('dlq_current'),
    }));
  }

  /** Removes delayed, ready and leased messages (not the DLQ); resolves with how many. */
  async purge(queue: Bytes, options: CallBase = {}): Promise<number> {
    const body = await this.call(OpCode.QUEUE_PURGE, { ...options, key: queue });
    return readU64(OpCode.QUEUE_PURGE, body, 'removed');
  }

  /** Queues of the namespace whose name starts with `prefix`, by name, one page at a time. */
  async list(prefix: Bytes = '', options: CallBase & PageOptions = {}): Promise<Page<QueueInfo>> {
    const body = await this.call(OpCode.QUEUE_LIST, {
      ...options, key: prefix, value: pageValue(options),
    });
    return decodeBody(OpCode.QUEUE_LIST, body, (reader) => readPage(reader, () => ({
      name: reader.bytesU32('name'),
      namespace: textOf(reader.bytesU32('namespace')),
      pending: reader.u64('pending'),
      available: reader.u64('available'),
      enqueued: reader.u64('enqueued'),
      dequeued: reader.u64('dequeued'),
      dlq: reader.u64('dlq'),
    })));
  }

  private async seqOp(
    opCode: number,
    queue: Bytes,
    seqs: readonly number[],
    options: CallBase,
    opts?: RequestOptions,
  ): Promise<void> {
    const value = seqListValue(seqs).toBytes();
    const body = await this.call(opCode, { ...options, key: queue, value, options: opts });
    decodeBody(opCode, body, () => undefined);
  }
}

function enqueueOptions(options: Omit<EnqueueOptions, 'dedupKey'>): RequestOptions {
  return new RequestOptions()
    .u8(OptionTag.priority, options.priority)
    .u64(OptionTag.delay_ms, options.delayMs)
    .u8(OptionTag.max_retries, options.maxRetries);
}
