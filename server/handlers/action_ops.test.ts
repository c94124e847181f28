// The action family beyond the checklist items (flo-wire.md §7.6, §3.3, §8): parked awaits
// (first parked first served, replies overtaking a parked await, a closed connection taking
// nothing, the parked limit, shutdown), ACTION_TOUCH, ACTION_DELETE cancelling runs, paging
// of ACTION_LIST and ACTION_LIST_RUNS (and the soft limit), namespaces, the server's own state
// staying out of KV and queue listings, option decoding, and each op's error cases.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Status } from '../wire/frame.ts';
import { OpCode } from '../wire/opcodes.ts';
import { OptionTag } from '../wire/option_tags.ts';
import { BodyReader } from '../wire/body_reader.ts';
import { BodyWriter } from '../wire/body_writer.ts';
import {
  assertStatus, hex, opts, pageValue, serveFlo, text, waitParked, type FloPeer,
} from '../testing/flo_peer.ts';
import {
  awaitValue, completeValue, failValue, invoke, newestInvoke, olderInvoke, readTask,
  registerAction, runStatus, takeTask, taskHead,
} from '../testing/action_values.ts';

const blockMs = (ms: number) => opts().uint(OptionTag.block_ms, ms, 4);

function readPage<T>(reader: BodyReader, item: () => T) {
  const items = Array.from({ length: reader.u32() }, item);
  const hasMore = reader.u8();
  const cursor = reader.bytesU16();
  assert.ok(reader.atEnd, 'nothing follows the page trailer');
  assert.equal(hasMore === 0, cursor.length === 0, 'a cursor exactly when has_more');
  return { items, hasMore, cursor };
}

async function listRuns(peer: FloPeer, action: string, limit: number, cursor?: Uint8Array) {
  const reader = await peer.okBody(OpCode.ACTION_LIST_RUNS, { key: action,
    value: pageValue(limit, cursor) });
  return readPage(reader, () => {
    const runId = text(reader.bytesU16());
    const name = text(reader.bytesU16());
    return { runId, action: name, status: reader.u8(), createdAtMs: reader.i64() };
  });
}

async function listActions(peer: FloPeer, prefix: string, limit: number, cursor?: Uint8Array) {
  const reader = await peer.okBody(OpCode.ACTION_LIST, { key: prefix,
    value: pageValue(limit, cursor) });
  return readPage(reader, () => {
    const name = text(reader.bytesU16());
    assert.equal(reader.u8(), 0, 'action_type 0');
    reader.u32();
    reader.u32();
    if (reader.flag()) reader.bytesU16();
    return name;
  });
}

test('parked awaits are served first parked, first served; replies overtake them', async (t) => {
  const served = await serveFlo(t);
  const [first, second, caller] = [await served.peer(), await served.peer(), await served.peer()];
  await registerAction(caller, 'a');
  const one = first.send(OpCode.ACTION_AWAIT, { key: 'w1', value: awaitValue(['a']) });
  await waitParked(served.server, 1);
  const two = second.send(OpCode.ACTION_AWAIT, { key: 'w2', value: awaitValue(['a']) });
  await waitParked(served.server, 2);
  assertStatus(await first.ask(OpCode.PING), Status.OK);
  await invoke(caller, 'a', newestInvoke('r1'));
  await invoke(caller, 'a', newestInvoke('r2'));
  const got1 = await first.raw.next();
  const got2 = await second.raw.next();
  assert.deepEqual([got1.requestIdLo, text(readTask(got1.body, 1).payload)], [one, 'r1']);
  assert.deepEqual([got2.requestIdLo, text(readTask(got2.body, 1).payload)], [two, 'r2']);
});

test('a closed connection\'s parked await takes nothing; a shutdown answers awaits empty',
  async (t) => {
    const served = await serveFlo(t);
    const closing = await served.peer();
    const caller = await served.peer();
    await registerAction(caller, 'a');
    closing.send(OpCode.ACTION_AWAIT, { key: 'w1', value: awaitValue(['a']) });
    await waitParked(served.server, 1);
    closing.raw.destroy();
    await waitParked(served.server, 0);
    assert.equal(served.flo.action.parkedCount, 0, 'the engine waiter was aborted');
    const runId = await invoke(caller, 'a');
    assert.equal((await runStatus(caller, runId)).status, 0, 'nobody took it');
    assert.equal((await takeTask(caller, 'w2', ['a']))!.attempt, 1);
    const waiting = caller.send(OpCode.ACTION_AWAIT, { key: 'w2', value: awaitValue(['a']) });
    await waitParked(served.server, 1);
    const closed = served.server.close();
    const reply = await caller.raw.next();
    assert.deepEqual([reply.requestIdLo, reply.status, reply.body.length], [waiting, 0, 0]);
    await closed;
  });

test('past the parked limit an await is answered empty at once and parks nothing', async (t) => {
  const served = await serveFlo(t, { parkedMax: 1 });
  const peer = await served.peer();
  await registerAction(peer, 'a');
  peer.send(OpCode.ACTION_AWAIT, { key: 'w1', value: awaitValue(['a']) });
  await waitParked(served.server, 1);
  const refused = await peer.ask(OpCode.ACTION_AWAIT, { key: 'w2', value: awaitValue(['a']) });
  assert.deepEqual([refused.status, refused.body.length], [Status.OK, 0]);
  assert.equal(served.flo.action.parkedCount, 1, 'the refused await did not park in the engine');
});

test('ACTION_AWAIT: block_ms of any width, above 300 000 refused, timeout_ms ignored; ' +
  'no actions to await; unknown names ignored', async (t) => {
  const served = await serveFlo(t);
  const peer = await served.peer();
  await registerAction(peer, 'a');
  assertStatus(await peer.ask(OpCode.ACTION_AWAIT, { key: 'w1', value: awaitValue(['a']),
    opts: blockMs(300_001) }), Status.BAD_REQUEST);
  assertStatus(await peer.ask(OpCode.ACTION_AWAIT, { key: 'w1', value: awaitValue([]),
    opts: blockMs(0) }), Status.BAD_REQUEST, 'no actions to await');
  assertStatus(await peer.ask(OpCode.ACTION_AWAIT, { key: 'w1', value: awaitValue(['a']),
    opts: opts().add(OptionTag.block_ms, Uint8Array.of(1, 2, 3)) }), Status.BAD_REQUEST,
  'malformed option');
  assertStatus(await peer.ask(OpCode.ACTION_AWAIT, { key: '', value: awaitValue(['a']) }),
    Status.BAD_REQUEST);
  // Names inside values are at most 255 bytes (§2.7), as is a worker id.
  assertStatus(await peer.ask(OpCode.ACTION_AWAIT, { key: 'w1',
    value: awaitValue(['a'.repeat(256)]) }), Status.BAD_REQUEST);
  assertStatus(await peer.ask(OpCode.ACTION_AWAIT, { key: 'w'.repeat(256),
    value: awaitValue(['a']) }), Status.BAD_REQUEST);
  assertStatus(await peer.ask(OpCode.ACTION_INVOKE, { key: 'a'.repeat(256), value: '' }),
    Status.BAD_REQUEST);
  assertStatus(await peer.ask(OpCode.ACTION_AWAIT, { key: 'w1', value: Uint8Array.of(2, 0, 0,
    0, 1, 0) }), Status.BAD_REQUEST, 'malformed value');
  await invoke(peer, 'a', newestInvoke('x'));
  // A u8 block_ms of 0, and a timeout_ms option (0x50) that must not turn into a wait.
  const task = await peer.ask(OpCode.ACTION_AWAIT, { key: 'w1',
    value: awaitValue(['nope', 'a']), opts: opts().uint(OptionTag.block_ms, 0, 1)
      .uint(0x50, 60_000) });
  assert.equal(text(readTask(task.body, 1).payload), 'x', 'unknown names are ignored');
  const empty = await peer.ask(OpCode.ACTION_AWAIT, { key: 'w1', value: awaitValue(['nope']),
    opts: opts().uint(OptionTag.block_ms, 0, 8).uint(0x50, 60_000) });
  assert.deepEqual([empty.status, empty.body.length], [Status.OK, 0]);
  assert.equal(served.server.parkedCount, 0);
});

test('ACTION_TOUCH moves the deadline (0 means 30 000); stale or wrong tasks are NOT_FOUND',
  async (t) => {
    const served = await serveFlo(t);
    const peer = await served.peer();
    await registerAction(peer, 'a', { timeoutMs: 1_000 });
    await registerAction(peer, 'b');
    const runId = await invoke(peer, 'a');
    const task = (await takeTask(peer, 'w1', ['a']))!;
    const touch = (action: string, taskId: string, extendMs: number) =>
      peer.ask(OpCode.ACTION_TOUCH, { key: 'w1',
        value: taskHead(action, taskId).u32(extendMs).toBytes() });
    served.clock.advance(900);
    assertStatus(await touch('a', task.taskId, 5_000), Status.OK);
    served.clock.advance(4_999);
    assert.equal(await takeTask(peer, 'w1', ['a']), null, 'the touched lease holds');
    assertStatus(await touch('a', task.taskId, 0), Status.OK);
    served.clock.advance(29_999);
    assert.equal(await takeTask(peer, 'w1', ['a']), null, '0 extends by 30 000');
    assertStatus(await touch('b', task.taskId, 1_000), Status.NOT_FOUND, 'unknown task');
    assertStatus(await touch('', task.taskId, 1_000), Status.NOT_FOUND, 'unknown task');
    assertStatus(await touch('a', 'task-zz-zz', 1_000), Status.NOT_FOUND, 'unknown task');
    assertStatus(await touch('a', 'x'.repeat(256), 1_000), Status.BAD_REQUEST);
    assertStatus(await peer.ask(OpCode.ACTION_TOUCH, { key: 'w1',
      value: taskHead('a', task.taskId).u16(7).toBytes() }), Status.BAD_REQUEST,
    'malformed value');
    served.clock.advance(1);
    assert.equal((await takeTask(peer, 'w1', ['a']))!.attempt, 2, 'then the lease ran out');
    assertStatus(await touch('a', task.taskId, 1_000), Status.NOT_FOUND, 'unknown task');
    assert.equal((await runStatus(peer, runId)).status, 1);
  });

test('ACTION_COMPLETE and ACTION_FAIL: the action must be the run\'s; malformed values; ' +
  'a named outcome; the worker id is not checked', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  await registerAction(peer, 'a');
  await registerAction(peer, 'b');
  const runId = await invoke(peer, 'a');
  const task = (await takeTask(peer, 'w1', ['a']))!;
  assertStatus(await peer.ask(OpCode.ACTION_COMPLETE, { key: 'w1',
    value: completeValue('b', task.taskId, 'r') }), Status.NOT_FOUND, 'unknown task');
  assertStatus(await peer.ask(OpCode.ACTION_FAIL, { key: 'w1',
    value: failValue('a', task.taskId, 2, 'e') }), Status.BAD_REQUEST, 'malformed value');
  assertStatus(await peer.ask(OpCode.ACTION_COMPLETE, { key: 'w1',
    value: taskHead('a', task.taskId).utf8U16('ok').toBytes() }), Status.BAD_REQUEST,
  'malformed value');
  assertStatus(await peer.ask(OpCode.ACTION_FAIL, { key: 'w1',
    value: failValue('a', 'run-1', 1, 'e') }), Status.NOT_FOUND, 'unknown task');
  // An empty worker id (no contact) is accepted, and the result may be binary.
  const value = taskHead('a', task.taskId).utf8U16('approved')
    .bytes(new BodyWriter().u16(3).bytes(Uint8Array.of(0, 0xff, 0)).toBytes()).toBytes();
  assertStatus(await peer.ask(OpCode.ACTION_COMPLETE, { key: '', value }), Status.OK);
  const reader = await peer.okBody(OpCode.ACTION_STATUS, { key: runId });
  reader.bytesU16();
  assert.equal(reader.u8(), 2);
  reader.i64();
  for (let flag = 0; flag < 2; flag++) if (reader.flag()) reader.i64();
  assert.ok(reader.flag(), 'has_output');
  assert.equal(hex(reader.bytesU32()), '00ff00');
  assertStatus(await peer.ask(OpCode.ACTION_FAIL, { key: 'w1',
    value: failValue('a', task.taskId, 1, 'late') }), Status.NOT_FOUND, 'unknown task');
});

test('ACTION_DELETE cancels pending and running runs; a cancelled task is unknown', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  await registerAction(peer, 'a');
  const runs = [await invoke(peer, 'a'), await invoke(peer, 'a'), await invoke(peer, 'a')];
  const tasks = [(await takeTask(peer, 'w1', ['a']))!, (await takeTask(peer, 'w1', ['a']))!];
  assertStatus(await peer.ask(OpCode.ACTION_COMPLETE, { key: 'w1',
    value: completeValue('a', tasks[0]!.taskId, 'r') }), Status.OK);
  const reply = await peer.ask(OpCode.ACTION_DELETE, { key: 'a' });
  assert.deepEqual([reply.status, reply.body.length], [Status.OK, 0]);
  const statuses = [];
  for (const runId of runs) statuses.push(await runStatus(peer, runId));
  assert.deepEqual(statuses.map((s) => [s.status, s.error]),
    [[2, null], [4, 'cancelled'], [4, 'cancelled']], 'completed stays; running, pending cancel');
  assert.notEqual(statuses[2]!.completedAtMs, null, 'a cancelled run has completed_at');
  assertStatus(await peer.ask(OpCode.ACTION_COMPLETE, { key: 'w1',
    value: completeValue('a', tasks[1]!.taskId, 'r') }), Status.NOT_FOUND, 'unknown task');
  assertStatus(await peer.ask(OpCode.ACTION_DELETE, { key: 'a' }), Status.NOT_FOUND);
  assertStatus(await peer.ask(OpCode.ACTION_INVOKE, { key: 'a', value: '' }), Status.NOT_FOUND);
  assertStatus(await peer.ask(OpCode.ACTION_DELETE, { key: '' }), Status.BAD_REQUEST);
});

test('ACTION_LIST pages by name within a prefix; a bad cursor or value is BAD_REQUEST',
  async (t) => {
    const peer = await (await serveFlo(t)).peer();
    for (const name of ['img.b', 'img.a', 'txt', 'img.c']) await registerAction(peer, name);
    const first = await listActions(peer, 'img.', 2);
    assert.deepEqual([first.items, first.hasMore], [['img.a', 'img.b'], 1]);
    const second = await listActions(peer, 'img.', 2, first.cursor);
    assert.deepEqual([second.items, second.hasMore], [['img.c'], 0]);
    assert.deepEqual((await listActions(peer, '', 0)).items, ['img.a', 'img.b', 'img.c', 'txt']);
    assertStatus(await peer.ask(OpCode.ACTION_LIST, { value: pageValue(1, Uint8Array.of(9)) }),
      Status.BAD_REQUEST, 'invalid cursor');
    assertStatus(await peer.ask(OpCode.ACTION_LIST, { value: Uint8Array.of(1, 0) }),
      Status.BAD_REQUEST);
  });

test('ACTION_LIST_RUNS pages newest first, per action or for all', async (t) => {
  const served = await serveFlo(t);
  const peer = await served.peer();
  await registerAction(peer, 'a');
  await registerAction(peer, 'b');
  const made: string[] = [];
  for (const action of ['a', 'b', 'a', 'a']) {
    made.push(await invoke(peer, action));
    served.clock.advance(1);
  }
  const all = await listRuns(peer, '', 0);
  assert.deepEqual(all.items.map((run) => run.runId), [...made].reverse());
  assert.deepEqual(all.items.map((run) => [run.action, run.status]),
    [['a', 0], ['a', 0], ['b', 0], ['a', 0]]);
  const seen: string[] = [];
  let cursor: Uint8Array | undefined;
  for (let page = 0; page < 5; page++) {
    const got = await listRuns(peer, 'a', 2, cursor);
    seen.push(...got.items.map((run) => run.runId));
    if (got.hasMore === 0) break;
    cursor = got.cursor;
  }
  assert.deepEqual(seen, [made[3], made[2], made[0]]);
  assert.equal((await listRuns(peer, 'zzz', 0)).items.length, 0);
  assertStatus(await peer.ask(OpCode.ACTION_LIST_RUNS, { value: pageValue(1,
    Uint8Array.of(1, 2)) }), Status.BAD_REQUEST, 'invalid cursor');
});

test('the lists stop at the reply soft limit with has_more and a cursor after the last',
  async (t) => {
    const peer = await (await serveFlo(t, { replyBytesSoft: 2_048 })).peer();
    for (const name of ['a', 'b', 'c']) {
      await registerAction(peer, name, { description: 'd'.repeat(700) });
    }
    const first = await listActions(peer, '', 0);
    assert.deepEqual([first.items, first.hasMore], [['a', 'b'], 1]);
    const rest = await listActions(peer, '', 0, first.cursor);
    assert.deepEqual([rest.items, rest.hasMore], [['c'], 0]);
  });

test('actions live in their namespace; their state is never in KV or queue listings',
  async (t) => {
    const peer = await (await serveFlo(t)).peer();
    await registerAction(peer, 'a', {}, 'tenant');
    assertStatus(await peer.ask(OpCode.ACTION_INVOKE, { key: 'a', value: '' }),
      Status.NOT_FOUND, 'action not found');
    const runReply = await peer.ask(OpCode.ACTION_INVOKE, { namespace: 'tenant', key: 'a',
      value: '' });
    const runId = text(runReply.body);
    assertStatus(await peer.ask(OpCode.ACTION_STATUS, { key: runId }), Status.NOT_FOUND);
    assertStatus(await peer.ask(OpCode.ACTION_STATUS, { namespace: 'tenant', key: runId }),
      Status.OK);
    assertStatus(await peer.ask(OpCode.ACTION_STATUS, { key: 'nonsense' }), Status.NOT_FOUND);
    assertStatus(await peer.ask(OpCode.ACTION_STATUS, { key: Uint8Array.of(0xff) }),
      Status.NOT_FOUND);
    for (const namespace of ['default', 'tenant']) {
      const scan = await peer.okBody(OpCode.KV_SCAN, { namespace, value: pageValue(0) });
      assert.equal(scan.u32(), 0, `no KV keys in ${namespace}`);
      const queues = await peer.okBody(OpCode.QUEUE_LIST, { namespace, value: pageValue(0) });
      assert.equal(queues.u32(), 0, `no queues in ${namespace}`);
    }
    assertStatus(await peer.ask(OpCode.NAMESPACE_DELETE, { key: 'tenant' }), Status.CONFLICT,
      'namespace is not empty');
    assertStatus(await peer.ask(OpCode.NAMESPACE_DELETE, { key: 'tenant', value: '\x01' }),
      Status.OK);
    assertStatus(await peer.ask(OpCode.ACTION_STATUS, { namespace: 'tenant', key: runId }),
      Status.NOT_FOUND); // a forced delete takes the runs
  });

test('ACTION_INVOKE: malformed values of either form are BAD_REQUEST', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  await registerAction(peer, 'a');
  const bad = async (value: Uint8Array, prefix = 'malformed value'): Promise<void> =>
    assertStatus(await peer.ask(OpCode.ACTION_INVOKE, { key: 'a', value }), Status.BAD_REQUEST,
      prefix);
  await bad(olderInvoke('x', { priority: 5, hasCaller: 1 }));
  await bad(newestInvoke('x', '[1,2]'));
  await bad(newestInvoke('x', 'not json'));
  await bad(olderInvoke('x', { labels: '"text"' }));
  await bad(Uint8Array.of(1, 5, 0, 0x7b));
  await bad(Uint8Array.of(3, 0, 0));
  await bad(olderInvoke('x', { delayMs: 31 * 86_400_000 }), 'delayMs');
  // Binary input in the newest form, read as such because the detection rule fails on it
  // (byte 10, has_idem, is 7).
  const input = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0);
  const runId = await invoke(peer, 'a', newestInvoke(input));
  assert.equal((await runStatus(peer, runId)).status, 0);
  assert.equal(hex((await takeTask(peer, 'w', ['a']))!.payload), hex(input));
});
