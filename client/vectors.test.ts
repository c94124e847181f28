// The client's families against the golden frames of fixtures/wire/vectors.json (a copy of
// the spec's): each request vector the client can produce is produced by the matching API
// call, byte for byte (header included, with the vector's id and version), and each reply
// vector decodes to the fields the file states. The transport is a recording double, so
// this pins the codec without a server; client.test.ts runs the same families over TCP.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import { encodeRequest } from '../server/wire/encoder.ts';
import { decodeReplyFrame, reservedOf, splitRequestId } from '../server/wire/frame.ts';
import type { CallOptions, WireReply } from './connection.ts';
import { FloBadRequestError, FloConflictError, FloUnauthorizedError } from './errors.ts';
import { ActionApi } from './action.ts';
import { KvApi } from './kv.ts';
import { QueueApi } from './queue.ts';
import { StreamApi } from './stream.ts';
import { SystemApi } from './system.ts';
import { WorkerApi } from './worker.ts';
import type { Transport } from './family_base.ts';

interface Vector {
  name: string;
  direction: 'request' | 'response';
  hex: string;
  fields: Record<string, unknown>;
}

const vectors = JSON.parse(readFileSync(
  join(import.meta.dirname, '..', 'fixtures', 'wire', 'vectors.json'), 'utf8')) as Vector[];
const vector = (name: string): Vector => vectors.find((v) => v.name === name)!;
const text = (bytes: Uint8Array | null | undefined): string =>
  bytes === null || bytes === undefined ? '<null>' : Buffer.from(bytes).toString('utf8');

/** Records each request and answers with the next canned reply (default: OK, empty). */
class RecordingTransport implements Transport {
  readonly headerVersion: 1 | 2;
  readonly calls: Array<{ opCode: number; call: CallOptions }> = [];
  reply: WireReply = { status: 0, body: new Uint8Array(0) };

  constructor(version: 1 | 2) {
    this.headerVersion = version;
  }

  request(opCode: number, call: CallOptions): Promise<WireReply> {
    this.calls.push({ opCode, call });
    return Promise.resolve(this.reply);
  }
}

interface Families {
  kv: KvApi;
  queue: QueueApi;
  stream: StreamApi;
  action: ActionApi;
  worker: WorkerApi;
  system: SystemApi;
  transport: RecordingTransport;
}

function families(version: 1 | 2, reply?: Vector): Families {
  const transport = new RecordingTransport(version);
  if (reply !== undefined) {
    const frame = decodeReplyFrame(new Uint8Array(Buffer.from(reply.hex, 'hex')));
    transport.reply = { status: frame.status, body: frame.body };
  }
  const ns = 'default';
  return {
    kv: new KvApi(transport, ns), queue: new QueueApi(transport, ns),
    stream: new StreamApi(transport, ns), action: new ActionApi(transport, ns),
    worker: new WorkerApi(transport, ns), system: new SystemApi(transport, ns), transport,
  };
}

const bytes = (value: string | Uint8Array | undefined): Uint8Array =>
  typeof value === 'string' ? new Uint8Array(Buffer.from(value)) : (value ?? new Uint8Array(0));

/** The frame FloConnection would send for the recorded call, with the vector's id. */
function frameHex(recorded: { opCode: number; call: CallOptions }, v: Vector): string {
  const version = v.fields['version'] as number;
  const { lo, hi } = splitRequestId(v.fields['request_id'] as number);
  const options = recorded.call.options;
  const frame = encodeRequest({
    requestIdLo: lo, requestIdHi: hi, version, reserved: reservedOf(version),
    opCode: recorded.opCode, flags: 0,
  }, {
    namespace: bytes(recorded.call.namespace),
    key: bytes(recorded.call.key),
    value: bytes(recorded.call.value),
    options: options instanceof Uint8Array ? options : options?.toBytes(),
  });
  return Buffer.from(frame).toString('hex');
}

const i64 = (value: bigint): Uint8Array => {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigInt64(0, value, true);
  return out;
};

/** Request vector name -> the API call that must produce it. */
const requestCalls: Record<string, (f: Families) => Promise<unknown>> = {
  kv_get_request_v1: (f) => f.kv.get('k'),
  kv_get_request_v2: (f) => f.kv.get('k'),
  ping_request_v2_full_envelope: (f) => f.system.ping(),
  kv_put_request_ttl_cas_v1: (f) => f.kv.put('session:1', 'abc', { ttlMs: 60_000, casVersion: 7 }),
  kv_put_request_if_not_exists_v2: (f) => f.kv.put('lock:a', 'owner-1', { ifNotExists: true }),
  kv_scan_request_first_page: (f) => f.kv.scan('user:', { limit: 2 }),
  kv_scan_request_next_page: (f) =>
    f.kv.scan('user:', { limit: 2, cursor: Buffer.from('01757365723a32', 'hex') }),
  kv_mget_request: (f) => f.kv.mget(['a', 'zz']),
  kv_begin_txn_request: (f) => f.kv.beginTxn('acct:1'),
  kv_put_in_txn_request: (f) => f.kv.put('acct:1:balance', i64(100n), { txnId: 1 }),
  queue_enqueue_request_priority: (f) => f.queue.enqueue('jobs', 'job-1', { priority: 3 }),
  queue_dequeue_request: (f) => f.queue.dequeue('jobs', { count: 2, blockMs: 5000 }),
  queue_ack_request: (f) => f.queue.ack('jobs', [1, 2]),
  queue_nack_to_dlq_request: (f) => f.queue.nack('jobs', [3], { toDlq: true }),
  stream_append_request_batch: (f) => f.stream.append('events', {
    payload: '{"a":1}', headers: [['type', 'created']],
  }),
  stream_read_request: (f) => f.stream.read('events', {
    start: { timestampMs: 1_700_000_000_000, sequence: 1 }, count: 10, blockMs: 1000,
  }),
  group_read_request: (f) => f.stream.group.read('events', 'billing', 'c1', {
    count: 10, blockMs: 30_000,
  }),
  group_ack_request: (f) => f.stream.group.ack('events', 'billing',
    [{ timestampMs: 1_700_000_000_007, sequence: 2 }], { consumer: 'c1' }),
  action_invoke_request_newest_form: (f) =>
    f.action.invoke('send-email', '{"to":"a@b.c"}', { labels: { region: 'eu' } }),
  action_invoke_request_older_form: (f) =>
    f.action.invoke('send-email', '{"to":"a@b.c"}', { priority: 10, idempotencyKey: 'idem-1' }),
  action_await_request_v1: (f) => f.action.awaitTask('worker-1', ['send-email']),
  action_complete_request: (f) =>
    f.action.complete('worker-1', 'send-email', 'run-1f2e3d:1', '{"ok":true}',
      { outcome: 'success' }),
  worker_register_request: (f) => f.worker.register('worker-1', {
    type: 'action', maxConcurrency: 10, processes: [{ name: 'send-email', kind: 'action' }],
    metadata: { region: 'eu' }, machineId: 'host-a',
  }),
  worker_heartbeat_request: (f) => f.worker.heartbeat('worker-1', 3),
  auth_request: (f) => f.system.auth('s3cret-token'),
};

for (const [name, run] of Object.entries(requestCalls)) {
  test(`the client produces request vector ${name} byte for byte`, async () => {
    const v = vector(name);
    const f = families(v.fields['version'] as 1 | 2);
    await run(f).catch(() => undefined);
    assert.equal(f.transport.calls.length, 1);
    assert.equal(frameHex(f.transport.calls[0]!, v), v.hex);
  });
}

test('ACTION_REGISTER is the vector without the five unused bytes the SDKs append', async () => {
  const v = vector('action_register_request');
  const f = families(1);
  await f.action.register('send-email', {
    timeoutMs: 30_000, maxRetries: 3, description: 'Sends an email',
  });
  const value = Buffer.from(f.transport.calls[0]!.call.value as Uint8Array).toString('hex');
  assert.equal(`${value}0000000000`, v.fields['value_hex']);
});

test('every request vector is either produced above or named here with the reason', () => {
  const notProduced: Record<string, string> = {
    ping_request_v1_empty_payload: 'the client always sends all four sections',
    unknown_op_request_v1: 'not an op',
    unsupported_version_request: 'not a version',
    ts_write_request_v2: 'a non-goal family',
    stream_append_request_raw: 'the client always batch-frames (binary-safe)',
    action_register_request: 'checked above without the trailing unused bytes',
  };
  for (const v of vectors.filter((x) => x.direction === 'request')) {
    assert.ok(v.name in requestCalls || v.name in notProduced, v.name);
  }
});

test('KV replies decode: get, missing, put, conflict, scan, history, incr, mget, txn', async () => {
  const got = await families(1, vector('kv_get_response_v1_ok')).kv.get('k');
  assert.deepEqual({ version: got!.version, value: text(got!.value) }, { version: 7, value: 'v' });
  assert.equal(await families(1, vector('kv_get_response_v1_not_found')).kv.get('k'), null);
  assert.equal(await families(1, vector('kv_put_response_v1_ok')).kv.put('k', 'v'), 8);
  assert.equal(await families(1, vector('kv_put_in_txn_response')).kv.put('k', 'v'), 0);
  await assert.rejects(families(2, vector('kv_put_response_v2_conflict')).kv.put('k', 'v'),
    (error: unknown) => error instanceof FloConflictError &&
      error.message === 'cas version mismatch');
  const page = await families(1, vector('kv_scan_response_page_with_cursor')).kv.scan('user:');
  assert.deepEqual(page.items.map((e) => [text(e.key), text(e.value)]),
    [['user:1', 'alice'], ['user:2', 'bob']]);
  assert.equal(page.hasMore, true);
  assert.equal(Buffer.from(page.cursor!).toString('hex'), '01757365723a32');
  const history = await families(1, vector('kv_history_response')).kv.history('k');
  assert.deepEqual(history!.map((e) => [e.version, e.timestampMs, text(e.value)]),
    [[12, 1_700_000_005_000, 'v2'], [9, 1_700_000_000_000, 'v1']]);
  assert.deepEqual(await families(1, vector('kv_incr_response')).kv.incr('n'),
    { version: 13, value: 42n });
  const mget = await families(1, vector('kv_mget_response')).kv.mget(['a', 'zz']);
  assert.deepEqual(mget.map((e) => e === null ? null : [e.version, text(e.value)]),
    [[3, 'x'], null]);
  assert.deepEqual(await families(1, vector('kv_begin_txn_response')).kv.beginTxn('acct:1'),
    { txnId: 1n, pinnedHash: 0x8310355f459ce7a0n });
  assert.deepEqual(await families(1, vector('kv_commit_txn_response')).kv.commitTxn(1),
    { commitIndex: 21, opCount: 1 });
});

test('queue and stream replies decode: seq, messages, empty, append id, records', async () => {
  assert.equal(await families(1, vector('queue_enqueue_response')).queue.enqueue('q', 'x'), 1);
  const messages = await families(2, vector('queue_dequeue_response_two_messages'))
    .queue.dequeue('jobs');
  assert.deepEqual(messages.map((m) => ({ ...m, payload: text(m.payload) })), [
    { seq: 1, payload: 'job-1', enqueuedAtMs: 1_700_000_000_000, deliveryCount: 1, priority: 3 },
    { seq: 2, payload: 'job-2', enqueuedAtMs: 1_700_000_000_010, deliveryCount: 2, priority: 5 },
  ]);
  assert.deepEqual(await families(2, vector('queue_dequeue_response_empty'))
    .queue.dequeue('jobs'), []);
  await families(1, vector('queue_ack_response')).queue.ack('jobs', [1]);
  assert.deepEqual(await families(1, vector('stream_append_response')).stream.append('e', 'x'),
    { sequence: 1, timestampMs: 1_700_000_000_000 });
  const [record] = await families(2, vector('stream_read_response_one_record'))
    .stream.read('events');
  assert.deepEqual({
    ...record!, stream: text(record!.stream), payload: text(record!.payload),
    headers: record!.headers.map(([k, v]) => [text(k), text(v)]),
  }, {
    sequence: 1, timestampMs: 1_700_000_000_000, partition: 0, stream: 'events',
    payload: '{"a":1}', headers: [['type', 'created']],
  });
  const [grouped] = await families(1, vector('group_read_response'))
    .stream.group.read('events', 'billing', 'c1');
  assert.deepEqual([grouped!.sequence, grouped!.timestampMs, text(grouped!.payload)],
    [2, 1_700_000_000_007, 'hello']);
});

test('action, worker and system replies decode, task layouts by header version', async () => {
  assert.equal(await families(2, vector('action_invoke_response')).action.invoke('a'),
    'run-1f2e3d');
  const v1 = await families(1, vector('action_await_response_v1_no_caller'))
    .action.awaitTask('w', []);
  assert.deepEqual({ ...v1!, input: text(v1!.input) }, {
    taskId: 'run-1f2e3d:1', action: 'send-email', createdAtMs: 1_700_000_000_000, attempt: 1,
    caller: null, input: '{"to":"a@b.c"}',
  });
  const withCaller = await families(1, vector('action_await_response_v1_with_caller'))
    .action.awaitTask('w', []);
  assert.deepEqual(withCaller!.caller, { runId: 'wf-5d6e7f', workflow: 'order-flow' });
  assert.equal(text(withCaller!.input), '{"id":"A-1"}');
  const v2 = await families(2, vector('action_await_response_v2')).action.awaitTask('w', []);
  assert.deepEqual([v2!.taskId, v2!.attempt, v2!.caller, text(v2!.input)],
    ['run-1f2e3d:1', 1, null, '{"to":"a@b.c"}']);
  assert.equal(await families(2, vector('action_await_response_no_task'))
    .action.awaitTask('w', []), null);
  await families(1, vector('action_register_response')).action.register('send-email');
  assert.equal(await families(1, vector('worker_heartbeat_response'))
    .worker.heartbeat('w', 0), 'active');
  assert.deepEqual(await families(2, vector('auth_response_ok')).system.auth('t'),
    { subject: '', namespaceLock: null });
  await assert.rejects(families(2, vector('unauthorized_response')).kv.get('k'),
    (error: unknown) => error instanceof FloUnauthorizedError &&
      error.message === 'authentication required');
  await assert.rejects(families(2, vector('ts_write_response_v2_not_supported')).kv.get('k'),
    FloBadRequestError);
});
