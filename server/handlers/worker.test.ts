// Conformance of the worker family (flo-wire.md §7.7) with the raw peer: the exact bytes of
// a list entry and of WORKER_INFO, paging (and the older SDKs' bare limit), statuses (idle,
// active, draining, unhealthy after worker.timeout_ms on the ManualClock, contact from
// awaits and task calls), deregister, and each op's error cases.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { BodyReader } from '../wire/body_reader.ts';
import { Status } from '../wire/frame.ts';
import { OpCode } from '../wire/opcodes.ts';
import {
  assertStatus, hex, pageValue, serveFlo, text, type FloPeer,
} from '../testing/flo_peer.ts';
import {
  completeValue, invoke, registerAction, takeTask, workerValue,
} from '../testing/action_values.ts';

interface Entry {
  id: string;
  type: number;
  status: number;
  maxConcurrency: number;
  load: number;
  lastSeenMs: number;
  processes: Array<[string, number]>;
}

function readEntry(reader: BodyReader): Entry {
  const id = text(reader.bytesU16());
  const [type, status] = [reader.u8(), reader.u8()];
  const [maxConcurrency, load] = [reader.u32(), reader.u32()];
  const lastSeenMs = reader.i64();
  const processes = Array.from({ length: reader.u16() },
    (): [string, number] => [text(reader.bytesU16()), reader.u8()]);
  return { id, type, status, maxConcurrency, load, lastSeenMs, processes };
}

async function list(peer: FloPeer, value: Uint8Array) {
  const reader = await peer.okBody(OpCode.WORKER_LIST, { value });
  const entries = Array.from({ length: reader.u32() }, () => readEntry(reader));
  const hasMore = reader.u8();
  const cursor = reader.bytesU16();
  assert.ok(reader.atEnd);
  return { entries, hasMore, cursor };
}

const load = (value: number): Uint8Array => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value);
  return bytes;
};

test('WORKER_REGISTER then WORKER_INFO and WORKER_LIST show the registration byte for byte',
  async (t) => {
    const served = await serveFlo(t);
    const peer = await served.peer();
    const reply = await peer.ask(OpCode.WORKER_REGISTER, { key: 'w1', value: workerValue({
      maxConcurrency: 4, processes: [['resize', 0], ['events', 1]],
      metadata: '{"gpu":true}', machineId: 'm-1' }) });
    assert.deepEqual([reply.status, reply.body.length], [Status.OK, 0]);
    const info = await peer.ask(OpCode.WORKER_INFO, { key: 'w1' });
    const now = Buffer.alloc(8);
    now.writeBigInt64LE(BigInt(served.clock.nowMs()));
    const expected = '0200' + hex(Buffer.from('w1')) + '00' + '01' + '04000000' + '00000000' +
      hex(now) + '0200' + '0600' + hex(Buffer.from('resize')) + '00' + '0600' +
      hex(Buffer.from('events')) + '01' + '01' + '0c00' + hex(Buffer.from('{"gpu":true}')) +
      '01' + '0300' + hex(Buffer.from('m-1'));
    assert.equal(hex(info.body), expected);
    const page = await list(peer, pageValue(0));
    assert.deepEqual(page.entries, [{ id: 'w1', type: 0, status: 1, maxConcurrency: 4, load: 0,
      lastSeenMs: served.clock.nowMs(), processes: [['resize', 0], ['events', 1]] }]);
    assert.deepEqual([page.hasMore, page.cursor.length], [0, 0]);
  });

test('WORKER_REGISTER: max_concurrency 0 means 10; registering again replaces everything',
  async (t) => {
    const peer = await (await serveFlo(t)).peer();
    await peer.okBody(OpCode.WORKER_REGISTER, { key: 'w', value: workerValue({
      processes: [['a', 0]], metadata: '{"x":1}', machineId: 'm' }) });
    await peer.okBody(OpCode.WORKER_REGISTER, { key: 'w', value: workerValue({ type: 1 }) });
    const reader = await peer.okBody(OpCode.WORKER_INFO, { key: 'w' });
    const entry = readEntry(reader);
    assert.deepEqual([entry.type, entry.maxConcurrency, entry.processes], [1, 10, []]);
    assert.equal(hex(reader.rest()), '0000', 'no metadata, no machine id');
  });

test('WORKER_LIST pages by id; a bare [limit:u32] value works; bad cursors are refused',
  async (t) => {
    const peer = await (await serveFlo(t)).peer();
    for (const id of ['w3', 'w1', 'w2']) {
      await peer.okBody(OpCode.WORKER_REGISTER, { key: id, value: workerValue() });
    }
    const first = await list(peer, pageValue(2));
    assert.deepEqual([first.entries.map((entry) => entry.id), first.hasMore], [['w1', 'w2'], 1]);
    const rest = await list(peer, pageValue(2, first.cursor));
    assert.deepEqual([rest.entries.map((entry) => entry.id), rest.hasMore], [['w3'], 0]);
    assert.equal((await list(peer, new Uint8Array(0))).entries.length, 3, 'empty: defaults');
    assertStatus(await peer.ask(OpCode.WORKER_LIST, { value: pageValue(1, Uint8Array.of(7)) }),
      Status.BAD_REQUEST, 'invalid cursor');
    assertStatus(await peer.ask(OpCode.WORKER_LIST, { value: Uint8Array.of(1, 0, 0) }),
      Status.BAD_REQUEST);
    const other = await peer.okBody(OpCode.WORKER_LIST, { namespace: 'other',
      value: pageValue(0) });
    assert.equal(other.u32(), 0, 'workers live in their namespace');
  });

test('statuses: unhealthy after 60 s of silence; awaits and task calls count as contact',
  async (t) => {
    const served = await serveFlo(t);
    const peer = await served.peer();
    await registerAction(peer, 'a', { timeoutMs: 3_600_000 });
    await peer.okBody(OpCode.WORKER_REGISTER, { key: 'w', value: workerValue() });
    const statusOf = async (): Promise<Entry> =>
      readEntry(await peer.okBody(OpCode.WORKER_INFO, { key: 'w' }));
    served.clock.advance(59_999);
    assert.equal((await statusOf()).status, 1, 'idle');
    served.clock.advance(1);
    assert.equal((await statusOf()).status, 3, 'unhealthy');
    await invoke(peer, 'a');
    const task = (await takeTask(peer, 'w', ['a']))!;
    const seen = await statusOf();
    assert.deepEqual([seen.status, seen.lastSeenMs], [1, served.clock.nowMs()], 'an await');
    served.clock.advance(59_000);
    assertStatus(await peer.ask(OpCode.ACTION_COMPLETE, { key: 'w',
      value: completeValue('a', task.taskId, 'r') }), Status.OK);
    served.clock.advance(59_000);
    assert.equal((await statusOf()).status, 1, 'the complete counted as contact');
    const beat = await peer.ask(OpCode.WORKER_HEARTBEAT, { key: 'w', value: load(2) });
    assert.equal(hex(beat.body), '00', 'active with load 2');
    assert.equal((await statusOf()).load, 2);
  });

test('worker ops on unknown ids: HEARTBEAT, INFO and DRAIN are NOT_FOUND, DEREGISTER is OK',
  async (t) => {
    const peer = await (await serveFlo(t)).peer();
    assertStatus(await peer.ask(OpCode.WORKER_HEARTBEAT, { key: 'x', value: load(0) }),
      Status.NOT_FOUND);
    assertStatus(await peer.ask(OpCode.WORKER_INFO, { key: 'x' }), Status.NOT_FOUND);
    assertStatus(await peer.ask(OpCode.WORKER_DRAIN, { key: 'x' }), Status.NOT_FOUND);
    const gone = await peer.ask(OpCode.WORKER_DEREGISTER, { key: 'x' });
    assert.deepEqual([gone.status, gone.body.length], [Status.OK, 0]);
    await peer.okBody(OpCode.WORKER_REGISTER, { key: 'x', value: workerValue() });
    await peer.okBody(OpCode.WORKER_DEREGISTER, { key: 'x' });
    assertStatus(await peer.ask(OpCode.WORKER_INFO, { key: 'x' }), Status.NOT_FOUND);
  });

test('WORKER_REGISTER and HEARTBEAT refuse malformed values', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  const bad = async (value: Uint8Array, key = 'w', prefix?: string): Promise<void> =>
    assertStatus(await peer.ask(OpCode.WORKER_REGISTER, { key, value }), Status.BAD_REQUEST,
      prefix);
  await bad(workerValue({ type: 2 }));
  await bad(workerValue({ processes: [['a', 2]] }));
  await bad(workerValue({ metadata: '[1]' }), 'w', 'malformed value');
  await bad(workerValue({ metadata: '{"a":' }), 'w', 'malformed value');
  await bad(workerValue().subarray(0, 8), 'w', 'malformed value');
  await bad(Uint8Array.of(0, 0, 0, 0, 0, 0xff, 0xff), 'w', 'malformed value');
  await bad(workerValue(), '');
  await bad(workerValue({ processes: [['x'.repeat(256), 0]] }));
  assertStatus(await peer.ask(OpCode.WORKER_HEARTBEAT, { key: 'w', value: Uint8Array.of(1) }),
    Status.BAD_REQUEST, 'malformed value');
  assertStatus(await peer.ask(OpCode.WORKER_REGISTER, { key: 'w',
    value: workerValue({ machineId: '' }) }), Status.OK);
});
