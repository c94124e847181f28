// The decode of every reply layout the vectors do not cover (flo-wire.md §7.1-7.7), each body
// built here field by field from the spec's layout with BodyWriter, so the client's readers
// are checked against the spec and not against themselves; plus the misfits: a short body,
// bytes past the layout, a bad flag or status byte, a page trailer that contradicts itself,
// all FloProtocolError naming the op.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { fcParams } from '../engine/testing/fc_params.ts';
import { BodyReader } from '../server/wire/body_reader.ts';
import { BodyWriter } from '../server/wire/body_writer.ts';
import { Status } from '../server/wire/frame.ts';
import { ActionApi, invokeValue } from './action.ts';
import { readsAsOlderInvoke } from '../server/wire/invoke_form.ts';
import type { CallOptions, WireReply } from './connection.ts';
import { FloNotFoundError, FloProtocolError } from './errors.ts';
import type { Transport } from './family_base.ts';
import { KvApi } from './kv.ts';
import { NamespaceApi } from './namespace.ts';
import { QueueApi } from './queue.ts';
import { StreamApi } from './stream.ts';
import { SystemApi } from './system.ts';
import { WorkerApi } from './worker.ts';

class Canned implements Transport {
  readonly headerVersion = 2 as const;
  last: { opCode: number; call: CallOptions } | null = null;
  private readonly reply: WireReply;

  constructor(body: Uint8Array | BodyWriter, status: number = Status.OK) {
    this.reply = { status, body: body instanceof BodyWriter ? body.toBytes() : body };
  }

  request(opCode: number, call: CallOptions): Promise<WireReply> {
    this.last = { opCode, call };
    return Promise.resolve(this.reply);
  }
}

const w = (): BodyWriter => new BodyWriter();
const text = (bytes: Uint8Array | null): string | null =>
  bytes === null ? null : Buffer.from(bytes).toString('utf8');
const trailer = (writer: BodyWriter, cursor = ''): BodyWriter =>
  writer.u8(cursor === '' ? 0 : 1).utf8U16(cursor);

test('KV: exists, touch/persist, delete found and missing, jsonGet/Set/Del, rollback', async () => {
  const kv = (body: Uint8Array | BodyWriter, status?: number) =>
    new KvApi(new Canned(body, status));
  assert.deepEqual(await kv(w().u64(5).u8(1)).exists('k'), { version: 5, exists: true });
  assert.deepEqual(await kv(w().u64(0).u8(0)).exists('k'), { version: 0, exists: false });
  await kv(w()).touch('k', 1000);
  await kv(w()).persist('k');
  await assert.rejects(kv(w(), Status.NOT_FOUND).touch('k', 5), FloNotFoundError);
  assert.equal(await kv(w()).delete('k'), true);
  assert.equal(await kv(w(), Status.NOT_FOUND).delete('k'), false);
  await assert.rejects(kv(w(), Status.NOT_FOUND).delete('k', { casVersion: 3 }), FloNotFoundError);
  assert.deepEqual(await kv(w().u64(9).utf8('{"a":[1]}')).jsonGet('k', '$.a'),
    { version: 9, json: '{"a":[1]}' });
  assert.equal(await kv(w(), Status.NOT_FOUND).jsonGet('k'), null);
  assert.equal(await kv(w().u64(10)).jsonSet('k', '$', '{}'), 10);
  assert.equal(await kv(w().u64(0)).jsonDel('k', '$'), 0);
  await kv(w()).rollbackTxn(3);
  assert.equal(await kv(w(), Status.NOT_FOUND).history('k'), null);
});

test('KV requests carry their values and options as §7.2 lays them out', async () => {
  const transport = new Canned(w().u64(1).i64(-3n));
  const kv = new KvApi(transport, 'tenant');
  assert.deepEqual(await kv.incr('n', -5), { version: 1, value: -3n });
  assert.equal(Buffer.from(transport.last!.call.value as Uint8Array).toString('hex'),
    'fbffffffffffffff');
  assert.equal(transport.last!.call.namespace, 'tenant');
  const set = new Canned(w().u64(2));
  await new KvApi(set).jsonSet('k', '$.a', '[1]', { namespace: 'other' });
  assert.equal(Buffer.from(set.last!.call.value as Uint8Array).toString(), '\x03\x00$.a[1]');
  assert.equal(set.last!.call.namespace, 'other', 'a call names its own namespace');
  const touch = new Canned(w());
  await new KvApi(touch).touch('k', 60_000);
  assert.equal(Buffer.from(touch.last!.call.value as Uint8Array).toString('hex'),
    '60ea000000000000');
  const get = new Canned(w().u64(1));
  await new KvApi(get).get('k', { waitMs: 200, blockMs: 100, timeoutMs: 50 });
  assert.equal(get.last!.call.blockMs, 200, 'the wait extends the reply deadline');
  assert.equal(get.last!.call.timeoutMs, 50);
  await assert.rejects(new KvApi(get).mget([]), RangeError);
});

test('queue: batch seqs, peek, DLQ list and stats, promote, stats, purge, list', async () => {
  const queue = (body: BodyWriter) => new QueueApi(new Canned(body));
  assert.deepEqual(await queue(w().u32(2).u64(7).u64(8)).enqueueBatch('q', ['a', 'b']), [7, 8]);
  const message = w().u32(1).u64(4).bytesU32(Buffer.from('p')).i64(-1).u32(2).u8(9);
  const [peeked] = await queue(message).peek('q', { count: 5 });
  assert.deepEqual({ ...peeked!, payload: text(peeked!.payload) },
    { seq: 4, payload: 'p', enqueuedAtMs: -1, deliveryCount: 2, priority: 9 });
  assert.equal((await queue(w().u32(0)).dlqList('q')).length, 0);
  assert.deepEqual(await queue(w().u64(3).u64(11)).dlqStats('q'), { current: 3, total: 11 });
  assert.equal(await queue(w().u64(6)).promoteDue('q'), 6);
  const nine = w();
  for (let value = 1; value <= 9; value++) nine.u64(value);
  assert.deepEqual(await queue(nine).stats('q'), {
    enqueued: 1, dequeued: 2, acked: 3, nacked: 4, dlqTotal: 5, leasesExpired: 6, ready: 7,
    leased: 8, dlqCurrent: 9,
  });
  assert.equal(await queue(w().u64(12)).purge('q'), 12);
  const list = w().u32(1).bytesU32(Buffer.from('jobs')).bytesU32(Buffer.from('default'))
    .u64(1).u64(2).u64(3).u64(4).u64(5);
  const page = await queue(trailer(list, '\x01jobs')).list('j', { limit: 10 });
  assert.deepEqual(page.items.map((q) => ({ ...q, name: text(q.name) })), [{
    name: 'jobs', namespace: 'default', pending: 1, available: 2, enqueued: 3, dequeued: 4,
    dlq: 5,
  }]);
  assert.equal(text(page.cursor), '\x01jobs');
  await assert.rejects(queue(w()).enqueueBatch('q', []), RangeError);
});

test('streams: trim, info, list; groups: pending, claim (end and next), info', async () => {
  const stream = (body: BodyWriter) => new StreamApi(new Canned(body));
  assert.deepEqual(await stream(w().u64(3).u64(4)).trim('s', { keepCount: 1 }),
    { removed: 3, firstSeq: 4 });
  const info = w().u64(10).u64(1).u64(20).u64(5).u64(5).u64(100).u32(2).u64(60).u64(0).u64(9);
  assert.deepEqual(await stream(info).info('s'), {
    first: { timestampMs: 10, sequence: 1 }, last: { timestampMs: 20, sequence: 5 },
    count: 5, bytes: 100, partitionCount: 2, retentionAgeSeconds: 60, retentionCount: 0,
    retentionBytes: 9,
  });
  const listed = await stream(trailer(w().u32(1).bytesU32(Buffer.from('s1')).u32(4)))
    .list();
  assert.deepEqual(listed.items.map((s) => [text(s.name), s.partitionCount]), [['s1', 4]]);
  assert.equal(listed.hasMore, false);
  const pending = w().u32(1).u64(7).u64(3).u32(2).utf8U16('c1');
  assert.deepEqual(await stream(pending).group.pending('s', 'g'),
    [{ id: { timestampMs: 7, sequence: 3 }, deliveryCount: 2, consumer: 'c1' }]);
  const record = (writer: BodyWriter): BodyWriter => writer.u64(3).i64(7).u8(0).u32(1).u8(1)
    .bytesU32(Buffer.from('s')).bytesU32(Buffer.from('x')).u32(0);
  const end = await stream(record(w().u32(1)).u64(0xffff_ffff_ffff_ffffn)
    .u64(0xffff_ffff_ffff_ffffn)).group.claim('s', 'g', 'c1');
  assert.equal(end.next, null);
  assert.equal(end.records[0]!.partition, 1);
  const more = await stream(w().u32(0).u64(8).u64(4)).group.claim('s', 'g', 'c1');
  assert.deepEqual(more.next, { timestampMs: 8, sequence: 4 });
  const groupInfo = w().u64(7).u64(3).u64(2).u64(1).u32(30_000).u8(10).u32(1).utf8U16('c1')
    .u64(2).u64(500);
  assert.deepEqual(await stream(groupInfo).group.info('s', 'g'), {
    cursor: { timestampMs: 7, sequence: 3 }, pending: 2, deadLettered: 1, ackTimeoutMs: 30_000,
    maxDeliver: 10, consumers: [{ name: 'c1', pending: 2, idleMs: 500 }],
  });
});

test('actions: status with and without the optional blocks, list, listRuns', async () => {
  const action = (body: BodyWriter) => new ActionApi(new Canned(body));
  const done = w().utf8U16('run-1').u8(2).i64(100).u8(1).i64(110).u8(1).i64(120).u8(1)
    .bytesU32(Buffer.from('out')).u8(0).u32(1);
  const status = await action(done).status('run-1');
  assert.deepEqual({ ...status, output: text(status.output) }, {
    runId: 'run-1', status: 'completed', createdAtMs: 100, startedAtMs: 110,
    completedAtMs: 120, output: 'out', error: null, retryCount: 1,
  });
  const pending = w().utf8U16('run-2').u8(5).i64(100).u8(0).u8(0).u8(0).u8(1)
    .bytesU32(Buffer.from('timed out')).u32(0);
  assert.deepEqual(await action(pending).status('run-2'), {
    runId: 'run-2', status: 'timed_out', createdAtMs: 100, startedAtMs: null,
    completedAtMs: null, output: null, error: 'timed out', retryCount: 0,
  });
  const list = w().u32(2).utf8U16('a').u8(0).u32(30_000).u32(3).u8(0)
    .utf8U16('b').u8(0).u32(5).u32(0).u8(1).utf8U16('does b');
  assert.deepEqual((await action(trailer(list, '\x01b')).list()).items, [
    { name: 'a', actionType: 0, timeoutMs: 30_000, maxRetries: 3, description: null },
    { name: 'b', actionType: 0, timeoutMs: 5, maxRetries: 0, description: 'does b' },
  ]);
  const runs = w().u32(1).utf8U16('run-9').utf8U16('a').u8(1).i64(50);
  assert.deepEqual((await action(trailer(runs)).listRuns('a')).items,
    [{ runId: 'run-9', action: 'a', status: 'running', createdAtMs: 50 }]);
});

test('workers: list entries and info with metadata and machine id', async () => {
  const entry = (writer: BodyWriter): BodyWriter => writer.utf8U16('w1').u8(0).u8(2).u32(10)
    .u32(3).i64(99).u16(1).utf8U16('send').u8(0);
  const worker = (body: BodyWriter) => new WorkerApi(new Canned(body));
  const expected = {
    workerId: 'w1', type: 'action', status: 'draining', maxConcurrency: 10, currentLoad: 3,
    lastSeenMs: 99, processes: [{ name: 'send', kind: 'action' }],
  };
  assert.deepEqual((await worker(trailer(entry(w().u32(1)))).list()).items, [expected]);
  assert.deepEqual(await worker(entry(w()).u8(1).utf8U16('{"r":1}').u8(1).utf8U16('host'))
    .info('w1'), { ...expected, metadata: '{"r":1}', machineId: 'host' });
  assert.deepEqual(await worker(entry(w()).u8(0).u8(0)).info('w1'),
    { ...expected, metadata: null, machineId: null });
});

test('namespaces and cluster: list, info, config, status and members JSON', async () => {
  const ns = (body: BodyWriter) => new NamespaceApi(new Canned(body));
  assert.deepEqual(await ns(w().u32(2).utf8U16('a').utf8U16('default')).list(), ['a', 'default']);
  assert.deepEqual(await ns(w().u8(1).utf8U16('a')).info('a'), { exists: true, name: 'a' });
  assert.deepEqual(await ns(w()).configGet('a'), {});
  const system = (json: string) => new SystemApi(new Canned(Buffer.from(json)));
  assert.deepEqual(await system('{"mode":"single","node_id":"n","role":"leader",' +
    '"leader_id":"n","members":1}').clusterStatus(),
  { mode: 'single', nodeId: 'n', role: 'leader', leaderId: 'n', members: 1 });
  assert.deepEqual(await system('[{"node_id":"n","address":"h:1","role":"leader",' +
    '"healthy":true}]').clusterMembers(),
  [{ nodeId: 'n', address: 'h:1', role: 'leader', healthy: true }]);
  await assert.rejects(system('{').clusterStatus(), FloProtocolError);
});

test('a reply that does not fit its layout is a FloProtocolError naming the op', async () => {
  const misfits: Array<[() => Promise<unknown>, RegExp]> = [
    [() => new KvApi(new Canned(w().u32(1))).put('k', 'v'), /KV_PUT reply does not fit/],
    [() => new KvApi(new Canned(w().u64(1).u8(0))).put('k', 'v'), /KV_PUT reply has 1 bytes/],
    [() => new KvApi(new Canned(w().u64(1).u8(2))).exists('k'), /KV_EXISTS.*want 0 or 1/],
    [() => new QueueApi(new Canned(w().u32(3).u64(1))).dequeue('q'), /QUEUE_DEQUEUE/],
    [() => new KvApi(new Canned(trailer(w().u32(0), '').u8(0))).scan(''), /KV_SCAN/],
    [() => new StreamApi(new Canned(w().u32(0).u8(1).u16(0))).list(),
      /has_more true with a 0-byte/],
    [() => new ActionApi(new Canned(w().utf8U16('r').u8(7).i64(0).u8(0).u8(0).u8(0).u8(0).u32(0)))
      .status('r'), /ACTION_STATUS reply: run status 7/],
    [() => new KvApi(new Canned(w().u8(1).u64(1).u64(2))).beginTxn('r'), /variant 1/],
    [() => new WorkerApi(new Canned(w().u8(9))).heartbeat('w', 0), /worker status 9/],
  ];
  for (const [run, message] of misfits) {
    await assert.rejects(run(), (error: unknown) => {
      assert.ok(error instanceof FloProtocolError, String(error));
      assert.match(error.message, message);
      return true;
    });
  }
});

/** The server's reading of an ACTION_INVOKE value (§7.6.3), written from the spec. */
function parseInvoke(value: Uint8Array) {
  const reader = new BodyReader(value);
  if (!readsAsOlderInvoke(value)) {
    const labels = value.length > 0 && reader.flag() ? text(reader.bytesU16()) : null;
    return { priority: 10, delayMs: 0, key: null, labels, input: [...reader.rest()] };
  }
  const priority = reader.u8();
  const delayMs = reader.i64();
  assert.equal(reader.u8(), 0, 'has_caller');
  const key = reader.flag() ? text(reader.bytesU16()) : null;
  const labels = reader.flag() ? text(reader.bytesU16()) : null;
  return { priority, delayMs, key, labels, input: [...reader.rest()] };
}

test('invoke values read back as sent, whichever form the bytes need (property)', () => {
  // Binary input whose bytes fit the older layout: a newest-form value would be misparsed.
  const tricky = new Uint8Array(16);
  assert.equal(readsAsOlderInvoke(Uint8Array.of(0, ...tricky)), true);
  assert.equal(invokeValue(tricky)[0], 10, 'sent in the older form, default priority 10');
  assert.equal(invokeValue(Buffer.from('{"to":"x"}'))[0], 0, 'text keeps the newest form');
  assert.throws(() => invokeValue(tricky, { delayMs: 2 ** 32 }), RangeError);
  fc.assert(fc.property(
    fc.uint8Array({ maxLength: 40 }).map((bytes) => bytes.map((byte) => byte % 3)),
    fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
    fc.option(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { nil: undefined }),
    fc.option(fc.string({ maxLength: 5 }), { nil: undefined }),
    fc.option(fc.dictionary(fc.string({ maxLength: 3 }), fc.integer()), { nil: undefined }),
    (input, priority, delayMs, key, labels) => {
      const options = { priority, delayMs, idempotencyKey: key, labels };
      assert.deepEqual(parseInvoke(invokeValue(input, options)), {
        priority: priority ?? 10, delayMs: delayMs ?? 0, key: key ?? null,
        labels: labels === undefined ? null : JSON.stringify(labels), input: [...input],
      });
    }), fcParams());
});
