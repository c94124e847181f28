// The request side of every client op the golden vectors do not cover: op code, key, value
// and options section, each expected value written here from the spec's layout (§7.1-7.7)
// with BodyWriter and OptionsWriter, independently of the families' own encoders. Together
// with vectors.test.ts this covers every request the client can send.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { BodyWriter } from '../server/wire/body_writer.ts';
import { Status } from '../server/wire/frame.ts';
import { OpCode } from '../server/wire/opcodes.ts';
import { OptionTag as T } from '../server/wire/option_tags.ts';
import { OptionsWriter } from '../server/wire/options.ts';
import { ActionApi } from './action.ts';
import type { CallOptions, WireReply } from './connection.ts';
import type { Transport } from './family_base.ts';
import { KvApi } from './kv.ts';
import { NamespaceApi } from './namespace.ts';
import { QueueApi } from './queue.ts';
import { StreamApi } from './stream.ts';
import { WorkerApi } from './worker.ts';

/** Records the request and answers OK with a body long enough for any reader to fail on. */
class Recorder implements Transport {
  readonly headerVersion = 2 as const;
  last: { opCode: number; call: CallOptions } | null = null;

  request(opCode: number, call: CallOptions): Promise<WireReply> {
    this.last = { opCode, call };
    return Promise.resolve({ status: Status.OK, body: new Uint8Array(0) });
  }
}

interface Apis {
  kv: KvApi;
  queue: QueueApi;
  stream: StreamApi;
  action: ActionApi;
  worker: WorkerApi;
  ns: NamespaceApi;
}

const w = (): BodyWriter => new BodyWriter();
const o = (): OptionsWriter => new OptionsWriter();
const hex = (bytes: Uint8Array | BodyWriter | OptionsWriter | undefined | string): string => {
  if (bytes === undefined) return '';
  if (typeof bytes === 'string') return Buffer.from(bytes).toString('hex');
  if (bytes instanceof BodyWriter) return Buffer.from(bytes.toBytes()).toString('hex');
  if (bytes instanceof OptionsWriter) return Buffer.from(bytes.toBytes()).toString('hex');
  return Buffer.from(bytes).toString('hex');
};
const seqs = (...values: number[]): BodyWriter => {
  const writer = w().u32(values.length);
  for (const value of values) writer.u64(value);
  return writer;
};
const id = (timestampMs: number, sequence: number) => ({ timestampMs, sequence });

type Case = [
  name: string, call: (apis: Apis) => Promise<unknown>, opCode: number, key: string,
  value: BodyWriter | string | undefined, options: OptionsWriter | undefined,
];

const cases: Case[] = [
  ['kv.delete cas', (a) => a.kv.delete('k', { casVersion: 4 }), OpCode.KV_DELETE, 'k', undefined,
    o().uint(T.cas_version, 4, 8)],
  ['kv.exists in txn', (a) => a.kv.exists('k', { txnId: 9 }), OpCode.KV_EXISTS, 'k', undefined,
    o().uint(T.txn_id, 9, 8)],
  ['kv.touch', (a) => a.kv.touch('k', 5, { casVersion: 2 }), OpCode.KV_TOUCH, 'k', w().u64(5),
    o().uint(T.cas_version, 2, 8)],
  ['kv.persist', (a) => a.kv.persist('k'), OpCode.KV_PERSIST, 'k', undefined, undefined],
  ['kv.get wait', (a) => a.kv.get('k', { waitMs: 70 }), OpCode.KV_GET, 'k', undefined,
    o().uint(T.wait_ms, 70, 4)],
  ['kv.history', (a) => a.kv.history('k', { limit: 3 }), OpCode.KV_HISTORY, 'k', undefined,
    o().uint(T.limit, 3, 4)],
  ['kv.incr +1', (a) => a.kv.incr('n'), OpCode.KV_INCR, 'n', undefined, undefined],
  ['kv.incr delta', (a) => a.kv.incr('n', -2n), OpCode.KV_INCR, 'n', w().i64(-2n), undefined],
  ['kv.jsonGet', (a) => a.kv.jsonGet('k', '$.a'), OpCode.KV_JSON_GET, 'k', '$.a', undefined],
  ['kv.jsonDel', (a) => a.kv.jsonDel('k', '$[0]'), OpCode.KV_JSON_DEL, 'k', '$[0]', undefined],
  ['kv.scan keysOnly', (a) => a.kv.scan('', { keysOnly: true }), OpCode.KV_SCAN, '', w().u32(0),
    o().flag(T.keys_only)],
  ['kv.commitTxn', (a) => a.kv.commitTxn(7n), OpCode.KV_COMMIT_TXN, '', undefined,
    o().uint(T.txn_id, 7, 8)],
  ['kv.rollbackTxn', (a) => a.kv.rollbackTxn(7), OpCode.KV_ROLLBACK_TXN, '', undefined,
    o().uint(T.txn_id, 7, 8)],
  ['queue.enqueue all options', (a) => a.queue.enqueue('q', 'p', {
    priority: 1, delayMs: 10, maxRetries: 2, dedupKey: 'd',
  }), OpCode.QUEUE_ENQUEUE, 'q', 'p', o().uint(T.priority, 1, 1).uint(T.delay_ms, 10, 8)
    .uint(T.max_retries, 2, 1).add(T.dedup_key, Buffer.from('d'))],
  ['queue.enqueueBatch', (a) => a.queue.enqueueBatch('q', ['a', 'bc'], { priority: 4 }),
    OpCode.QUEUE_BATCH_ENQUEUE, 'q', w().u32(2).bytesU32(Buffer.from('a'))
      .bytesU32(Buffer.from('bc')), o().uint(T.priority, 4, 1)],
  ['queue.dequeue lease', (a) => a.queue.dequeue('q', { visibilityTimeoutMs: 500 }),
    OpCode.QUEUE_DEQUEUE, 'q', undefined, o().uint(T.count, 1, 4)
      .uint(T.visibility_timeout_ms, 500, 4)],
  ['queue.peek', (a) => a.queue.peek('q', { count: 5 }), OpCode.QUEUE_PEEK, 'q', undefined,
    o().uint(T.count, 5, 4)],
  ['queue.nack delay', (a) => a.queue.nack('q', [1], { delayMs: 9 }), OpCode.QUEUE_FAIL, 'q',
    seqs(1), o().uint(T.delay_ms, 9, 8)],
  ['queue.failAuto', (a) => a.queue.failAuto('q', [1, 2]), OpCode.QUEUE_FAIL_AUTO, 'q',
    seqs(1, 2), undefined],
  ['queue.extendLease', (a) => a.queue.extendLease('q', [3], { extendMs: 1000 }),
    OpCode.QUEUE_EXTEND_LEASE, 'q', seqs(3), o().uint(T.extend_ms, 1000, 4)],
  ['queue.touch', (a) => a.queue.touch('q', []), OpCode.QUEUE_TOUCH, 'q', seqs(), undefined],
  ['queue.dlqList', (a) => a.queue.dlqList('q', { limit: 7 }), OpCode.QUEUE_DLQ_LIST, 'q',
    undefined, o().uint(T.limit, 7, 4)],
  ['queue.dlqRequeue', (a) => a.queue.dlqRequeue('q', [5]), OpCode.QUEUE_DLQ_REQUEUE, 'q',
    seqs(5), undefined],
  ['queue.dlqDelete', (a) => a.queue.dlqDelete('q', [6]), OpCode.QUEUE_DLQ_DELETE, 'q', seqs(6),
    undefined],
  ['queue.dlqStats', (a) => a.queue.dlqStats('q'), OpCode.QUEUE_DLQ_STATS, 'q', undefined,
    undefined],
  ['queue.promoteDue', (a) => a.queue.promoteDue('q'), OpCode.QUEUE_PROMOTE_DUE, 'q', undefined,
    undefined],
  ['queue.stats', (a) => a.queue.stats('q'), OpCode.QUEUE_STATS, 'q', undefined, undefined],
  ['queue.purge', (a) => a.queue.purge('q'), OpCode.QUEUE_PURGE, 'q', undefined, undefined],
  ['queue.list', (a) => a.queue.list('j', { limit: 2, cursor: Buffer.from('\x01jobs') }),
    OpCode.QUEUE_LIST, 'j', w().u32(2).utf8('\x01jobs'), undefined],
  ['stream.append options', (a) => a.stream.append('s', 'raw', {
    partition: 1, partitionKey: 'pk', timestampMs: 5,
  }), OpCode.STREAM_APPEND, 's', w().u32(1).bytesU32(Buffer.from('raw')).u16(0),
  o().uint(T.partition, 1, 4).add(T.partition_key, Buffer.from('pk')).i64(T.ts_timestamp, 5)],
  ['stream.read tail', (a) => a.stream.read('s', { tail: true, end: 9, partition: 0 }),
    OpCode.STREAM_READ, 's', undefined, o().flag(T.stream_tail).streamId(T.stream_end, id(0, 9))
      .uint(T.partition, 0, 4)],
  ['stream.trim', (a) => a.stream.trim('s', {
    before: id(1, 2), keepCount: 3, maxAgeSeconds: 4, maxBytes: 5, dryRun: true,
  }), OpCode.STREAM_TRIM, 's', undefined, o().streamId(T.stream_start, id(1, 2))
    .uint(T.retention_count, 3, 8).uint(T.max_age_seconds, 4, 8).uint(T.max_bytes, 5, 8)
    .flag(T.dry_run)],
  ['stream.info', (a) => a.stream.info('s', { partition: 2 }), OpCode.STREAM_INFO, 's',
    undefined, o().uint(T.partition, 2, 4)],
  ['stream.list', (a) => a.stream.list('e'), OpCode.STREAM_LIST, 'e', w().u32(0), undefined],
  ['stream.create', (a) => a.stream.create('s', { partitions: 4, retentionCount: 10 }),
    OpCode.STREAM_CREATE, 's', w().u32(4), o().uint(T.retention_count, 10, 8)],
  ['stream.alter', (a) => a.stream.alter('s', { retentionAgeSeconds: 60, retentionBytes: 0 }),
    OpCode.STREAM_ALTER, 's', undefined, o().uint(T.retention_age, 60, 8)
      .uint(T.retention_bytes, 0, 8)],
  ['stream.delete', (a) => a.stream.delete('s', { force: true }), OpCode.STREAM_DELETE, 's',
    undefined, o().flag(T.force)],
  ['group.create', (a) => a.stream.group.create('s', 'g', { ackTimeoutMs: 100, maxDeliver: 3,
    start: 5 }), OpCode.STREAM_GROUP_CREATE, 's', w().utf8U16('g'),
  o().uint(T.ack_timeout_ms, 100, 4).uint(T.max_deliver, 3, 1).streamId(T.stream_start, id(0, 5))],
  ['group.join', (a) => a.stream.group.join('s', 'g', 'c', { tail: true }),
    OpCode.STREAM_GROUP_JOIN, 's', w().utf8U16('g').utf8U16('c'), o().flag(T.stream_tail)],
  ['group.leave', (a) => a.stream.group.leave('s', 'g', 'c'), OpCode.STREAM_GROUP_LEAVE, 's',
    w().utf8U16('g').utf8U16('c'), undefined],
  ['group.read no_ack', (a) => a.stream.group.read('s', 'g', 'c', { noAck: true }),
    OpCode.STREAM_GROUP_READ, 's', w().utf8U16('g').utf8U16('c'), o().flag(T.no_ack)],
  ['group.nack', (a) => a.stream.group.nack('s', 'g', [7], { redeliveryDelayMs: 50 }),
    OpCode.STREAM_GROUP_NACK, 's', w().utf8U16('g').utf8U16('').u32(1).u64(0).u64(7),
    o().uint(T.redelivery_delay_ms, 50, 4)],
  ['group.touch', (a) => a.stream.group.touch('s', 'g', [id(3, 4)], { extendAckMs: 9 }),
    OpCode.STREAM_GROUP_TOUCH, 's', w().utf8U16('g').utf8U16('').u32(1).u64(3).u64(4),
    o().uint(T.extend_ack_ms, 9, 4)],
  ['group.pending all', (a) => a.stream.group.pending('s', 'g'), OpCode.STREAM_GROUP_PENDING,
    's', w().utf8U16('g'), undefined],
  ['group.pending one', (a) => a.stream.group.pending('s', 'g', { consumer: 'c' }),
    OpCode.STREAM_GROUP_PENDING, 's', w().utf8U16('g').utf8U16('c'), undefined],
  ['group.claim', (a) => a.stream.group.claim('s', 'g', 'c', { minIdleMs: 10, start: id(1, 2),
    count: 3 }), OpCode.STREAM_GROUP_CLAIM, 's', w().utf8U16('g').utf8U16('c').u32(10).u64(1)
    .u64(2).u32(3), undefined],
  ['group.configure', (a) => a.stream.group.configure('s', 'g', { maxDeliver: 0 }),
    OpCode.STREAM_GROUP_CONFIGURE_SWEEPER, 's', w().utf8U16('g'), o().uint(T.max_deliver, 0, 1)],
  ['group.info', (a) => a.stream.group.info('s', 'g'), OpCode.STREAM_GROUP_INFO, 's',
    w().utf8U16('g'), undefined],
  ['group.delete', (a) => a.stream.group.delete('s', 'g'), OpCode.STREAM_GROUP_DELETE, 's',
    w().utf8U16('g'), undefined],
  ['action.register defaults', (a) => a.action.register('act'), OpCode.ACTION_REGISTER, 'act',
    w().u8(0).u32(0).u32(3).u8(0), undefined],
  ['action.invoke plain', (a) => a.action.invoke('act', 'in'), OpCode.ACTION_INVOKE, 'act',
    w().u8(0).utf8('in'), undefined],
  ['action.invoke delayed', (a) => a.action.invoke('act', 'in', { delayMs: 5 }),
    OpCode.ACTION_INVOKE, 'act', w().u8(10).i64(5).u8(0).u8(0).u8(0).utf8('in'), undefined],
  ['action.status', (a) => a.action.status('run-1'), OpCode.ACTION_STATUS, 'run-1', undefined,
    undefined],
  ['action.list', (a) => a.action.list('a', { limit: 5 }), OpCode.ACTION_LIST, 'a', w().u32(5),
    undefined],
  ['action.listRuns', (a) => a.action.listRuns(), OpCode.ACTION_LIST_RUNS, '', w().u32(0),
    undefined],
  ['action.delete', (a) => a.action.delete('act'), OpCode.ACTION_DELETE, 'act', undefined,
    undefined],
  ['action.awaitTask registered', (a) => a.action.awaitTask('w', [], { blockMs: 0 }),
    OpCode.ACTION_AWAIT, 'w', w().u32(0), o().uint(T.block_ms, 0, 4)],
  ['action.fail', (a) => a.action.fail('w', 'act', 't-1', 'boom', { retry: false }),
    OpCode.ACTION_FAIL, 'w', w().utf8U16('act').utf8U16('t-1').u8(0).utf8('boom'), undefined],
  ['action.touch', (a) => a.action.touch('w', 'act', 't-1', 250), OpCode.ACTION_TOUCH, 'w',
    w().utf8U16('act').utf8U16('t-1').u32(250), undefined],
  ['worker.register minimal', (a) => a.worker.register('w'), OpCode.WORKER_REGISTER, 'w',
    w().u8(0).u32(0).u16(0).u8(0).u8(0), undefined],
  ['worker.deregister', (a) => a.worker.deregister('w'), OpCode.WORKER_DEREGISTER, 'w',
    undefined, undefined],
  ['worker.list', (a) => a.worker.list({ limit: 3 }), OpCode.WORKER_LIST, '', w().u32(3),
    undefined],
  ['worker.info', (a) => a.worker.info('w'), OpCode.WORKER_INFO, 'w', undefined, undefined],
  ['worker.drain', (a) => a.worker.drain('w'), OpCode.WORKER_DRAIN, 'w', undefined, undefined],
  ['namespaces.create', (a) => a.ns.create('n'), OpCode.NAMESPACE_CREATE, 'n', undefined,
    undefined],
  ['namespaces.delete force', (a) => a.ns.delete('n', { force: true }), OpCode.NAMESPACE_DELETE,
    'n', w().u8(1), undefined],
  ['namespaces.list', (a) => a.ns.list(), OpCode.NAMESPACE_LIST, '', undefined, undefined],
  ['namespaces.info', (a) => a.ns.info('n'), OpCode.NAMESPACE_INFO, 'n', undefined, undefined],
  ['namespaces.configGet', (a) => a.ns.configGet('n'), OpCode.NAMESPACE_CONFIG_GET, 'n',
    undefined, undefined],
];

for (const [name, call, opCode, key, value, options] of cases) {
  test(`request layout: ${name}`, async () => {
    const recorder = new Recorder();
    const apis: Apis = {
      kv: new KvApi(recorder, 'ns'), queue: new QueueApi(recorder, 'ns'),
      stream: new StreamApi(recorder, 'ns'), action: new ActionApi(recorder, 'ns'),
      worker: new WorkerApi(recorder, 'ns'), ns: new NamespaceApi(recorder, 'ns'),
    };
    // Replies are empty here: only the request matters, so decode errors are expected.
    await call(apis).catch(() => undefined);
    const sent = recorder.last!;
    assert.equal(sent.opCode, opCode);
    assert.equal(sent.call.namespace, 'ns');
    assert.equal(hex(sent.call.key as Uint8Array), hex(key));
    assert.equal(hex(sent.call.value as Uint8Array), hex(value));
    const opts = sent.call.options;
    assert.equal(opts === undefined ? '' : hex(opts as OptionsWriter), hex(options));
  });
}
