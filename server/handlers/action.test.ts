// Conformance of the action family (flo-wire.md §7.6) against startFloServer with the raw
// socket peer: one test per checklist item 119-131, with the exact reply bytes of REGISTER,
// INVOKE, STATUS and the task assignment in both header versions. Time runs on the engine's
// ManualClock: leases, delays and await timeouts move only when a test advances it. Parking,
// paging, delete and the error cases of every op are in action_ops.test.ts; the worker family
// in worker.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { Status } from '../wire/frame.ts';
import { OpCode } from '../wire/opcodes.ts';
import { OptionTag } from '../wire/option_tags.ts';
import {
  assertStatus, hex, opts, serveFlo, text, waitParked,
} from '../testing/flo_peer.ts';
import {
  awaitValue, completeValue, failValue, invoke, newestInvoke, olderInvoke, readTask,
  registerAction, registerValue, runStatus, takeTask, workerValue,
} from '../testing/action_values.ts';

const RUN_ID = /^[A-Za-z][A-Za-z0-9._:-]{2,127}$/;

test('item 119: ACTION_REGISTER of the same name twice is OK both times; the second wins',
  async (t) => {
    const peer = await (await serveFlo(t)).peer();
    await registerAction(peer, 'resize', { timeoutMs: 5_000, maxRetries: 1 });
    await registerAction(peer, 'resize', { timeoutMs: 7_000, maxRetries: 2, description: 'd',
      trailer: 5 });
    const reader = await peer.okBody(OpCode.ACTION_LIST, { value: '' });
    assert.equal(reader.u32(), 1);
    assert.deepEqual([text(reader.bytesU16()), reader.u8(), reader.u32(), reader.u32(),
      reader.u8(), text(reader.bytesU16())], ['resize', 0, 7_000, 2, 1, 'd']);
    assert.equal(hex(reader.rest()), '000000', 'has_more 0, cursor_len 0');
  });

test('item 120: ACTION_INVOKE of an unregistered action is NOT_FOUND', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  const reply = await peer.ask(OpCode.ACTION_INVOKE, { key: 'nope', value: newestInvoke('x') });
  assertStatus(reply, Status.NOT_FOUND, 'action not found');
});

test('item 121: ACTION_INVOKE returns the run id as raw text; ACTION_STATUS shows pending',
  async (t) => {
    const served = await serveFlo(t);
    const peer = await served.peer();
    await registerAction(peer, 'resize');
    const runId = await invoke(peer, 'resize', newestInvoke('{"w":1}'));
    assert.match(runId, RUN_ID);
    const reply = await peer.ask(OpCode.ACTION_STATUS, { key: runId });
    assertStatus(reply, Status.OK);
    const now = Buffer.alloc(8);
    now.writeBigInt64LE(BigInt(served.clock.nowMs()));
    // run id, status 0, created_at, no started, completed, output or error; retry_count 0.
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16LE(runId.length);
    assert.equal(hex(reply.body), hex(idLength) + Buffer.from(runId).toString('hex') + '00' +
      hex(now) + '00000000' + '00000000');
    const other = await invoke(peer, 'resize');
    assert.notEqual(other, runId, 'each invoke is a new run');
  });

test('item 122: the older form (first byte 10) is accepted and its input reaches the worker',
  async (t) => {
    const peer = await (await serveFlo(t)).peer();
    await registerAction(peer, 'resize');
    // Binary input with zero bytes where the newest form's detection could trip.
    const input = Uint8Array.of(0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0);
    const runId = await invoke(peer, 'resize', olderInvoke(input));
    assert.equal((await runStatus(peer, runId)).status, 0);
    const task = await takeTask(peer, 'w1', ['resize']);
    assert.equal(hex(task!.payload), hex(input));
    // The older form's fields: priority (lower first), delay, idempotency key, labels.
    const late = await invoke(peer, 'resize', olderInvoke('late', { priority: 1,
      delayMs: 60_000 }));
    const first = await invoke(peer, 'resize', olderInvoke('low', { priority: 200 }));
    const second = await invoke(peer, 'resize', olderInvoke('high', { priority: 0,
      idempotencyKey: 'k1' }));
    assert.equal(await invoke(peer, 'resize', olderInvoke('again', { idempotencyKey: 'k1' })),
      second, 'the same idempotency key returns the first run');
    assert.match(await invoke(peer, 'resize', olderInvoke('neg', { delayMs: -5 })), RUN_ID,
      'a negative delay counts as 0');
    const order = [];
    for (let task2 = await takeTask(peer, 'w1', ['resize']); task2 !== null;
      task2 = await takeTask(peer, 'w1', ['resize'])) order.push(text(task2.payload));
    assert.deepEqual(order, ['high', 'neg', 'low'], 'priority, then age; the delayed run waits');
    assert.equal((await runStatus(peer, first)).status, 1);
    assert.equal((await runStatus(peer, late)).status, 0);
  });

test('item 123: a v1 await gets a task with has_caller, a v2 await one without', async (t) => {
  const served = await serveFlo(t);
  const peer = await served.peer();
  await registerAction(peer, 'resize');
  const created = served.clock.nowMs();
  await invoke(peer, 'resize', newestInvoke('one'));
  await invoke(peer, 'resize', newestInvoke('two'));
  for (const [version, payload] of [[1, 'one'], [2, 'two']] as const) {
    const reply = await peer.ask(OpCode.ACTION_AWAIT, { key: 'w1', value: awaitValue(['resize']),
      opts: opts().uint(OptionTag.block_ms, 0, 4), version });
    assertStatus(reply, Status.OK);
    const task = readTask(reply.body, version);
    assert.match(task.taskId, RUN_ID);
    assert.equal(task.action, 'resize');
    assert.equal(task.createdAtMs, created);
    assert.equal(task.attempt, 1);
    assert.equal(task.hasCaller, version === 1 ? 0 : null);
    assert.equal(text(task.payload), payload);
    const fixed = 2 + task.taskId.length + 2 + 6 + 8 + 4 + (version === 1 ? 1 : 0);
    assert.equal(reply.body.length, fixed + payload.length, 'nothing else in the body');
  }
});

test('item 124: ACTION_AWAIT with block_ms 0 and no pending run is OK and empty at once',
  async (t) => {
    const peer = await (await serveFlo(t)).peer();
    await registerAction(peer, 'resize');
    const reply = await peer.ask(OpCode.ACTION_AWAIT, { key: 'w1', value: awaitValue(['resize']),
      opts: opts().uint(OptionTag.block_ms, 0, 1) });
    assertStatus(reply, Status.OK);
    assert.equal(reply.body.length, 0);
  });

test('item 125: ACTION_AWAIT without block_ms waits (30 s) and gets a run invoked 1 s later',
  async (t) => {
    const served = await serveFlo(t);
    const worker = await served.peer();
    const caller = await served.peer();
    // A lease longer than the waits below: the first task is not re-offered meanwhile.
    await registerAction(caller, 'resize', { timeoutMs: 3_600_000 });
    const id = worker.send(OpCode.ACTION_AWAIT, { key: 'w1', value: awaitValue(['resize']) });
    await waitParked(served.server, 1);
    served.clock.advance(1_000);
    await invoke(caller, 'resize', newestInvoke('late'));
    const reply = await worker.raw.next();
    assert.equal(reply.requestIdLo, id);
    assert.equal(text(readTask(reply.body, 1).payload), 'late');
    // Without a run, the default wait ends empty at 30 000 ms, not before.
    worker.send(OpCode.ACTION_AWAIT, { key: 'w1', value: awaitValue(['resize']) });
    await waitParked(served.server, 1);
    served.clock.advance(29_999);
    assert.equal(served.server.parkedCount, 1, 'still parked at 29 999 ms');
    served.clock.advance(1);
    const timeout = await worker.raw.next();
    assertStatus(timeout, Status.OK);
    assert.equal(timeout.body.length, 0);
  });

test('item 126: after ACTION_COMPLETE, ACTION_STATUS shows completed with the output',
  async (t) => {
    const served = await serveFlo(t);
    const peer = await served.peer();
    await registerAction(peer, 'resize');
    const runId = await invoke(peer, 'resize', newestInvoke('in'));
    const started = served.clock.nowMs();
    const task = await takeTask(peer, 'w1', ['resize']);
    served.clock.advance(40);
    const reply = await peer.ask(OpCode.ACTION_COMPLETE, { key: 'w1',
      value: completeValue('resize', task!.taskId, 'result bytes') });
    assertStatus(reply, Status.OK);
    assert.equal(reply.body.length, 0);
    assert.deepEqual(await runStatus(peer, runId), {
      runId, status: 2, createdAtMs: started, startedAtMs: started, completedAtMs: started + 40,
      output: 'result bytes', error: null, retryCount: 0,
    });
  });

test('item 127: ACTION_FAIL with retry 1 re-offers attempt 2; with retry 0 the run fails',
  async (t) => {
    const peer = await (await serveFlo(t)).peer();
    await registerAction(peer, 'resize', { maxRetries: 1 });
    const runId = await invoke(peer, 'resize');
    const first = await takeTask(peer, 'w1', ['resize']);
    assertStatus(await peer.ask(OpCode.ACTION_FAIL, { key: 'w1',
      value: failValue('resize', first!.taskId, 1, 'flaky') }), Status.OK);
    assert.equal((await runStatus(peer, runId)).status, 0, 'pending again');
    const second = await takeTask(peer, 'w1', ['resize']);
    assert.equal(second!.attempt, 2, 'offered again at once, attempt 2');
    assert.notEqual(second!.taskId, first!.taskId, 'a new task id per attempt');
    // retry 1 on the last attempt (max_retries 1: two attempts) fails the run.
    assertStatus(await peer.ask(OpCode.ACTION_FAIL, { key: 'w1',
      value: failValue('resize', second!.taskId, 1, 'still broken') }), Status.OK);
    const failed = await runStatus(peer, runId);
    assert.deepEqual([failed.status, failed.error, failed.retryCount, failed.output],
      [3, 'still broken', 1, null]);
    const other = await invoke(peer, 'resize');
    const task = await takeTask(peer, 'w1', ['resize']);
    assertStatus(await peer.ask(OpCode.ACTION_FAIL, { key: 'w1',
      value: failValue('resize', task!.taskId, 0, 'fatal') }), Status.OK);
    const fatal = await runStatus(peer, other);
    assert.deepEqual([fatal.status, fatal.error, fatal.retryCount], [3, 'fatal', 0]);
    assert.notEqual(fatal.completedAtMs, null, 'a failed run has completed_at');
  });

test('item 128: an expired lease re-offers the task with attempt + 1; on the last attempt the ' +
  'run is timed_out', async (t) => {
  const served = await serveFlo(t);
  const peer = await served.peer();
  await registerAction(peer, 'slow', { timeoutMs: 1_000, maxRetries: 1 });
  const runId = await invoke(peer, 'slow');
  const first = await takeTask(peer, 'w1', ['slow']);
  served.clock.advance(999);
  assert.equal(await takeTask(peer, 'w1', ['slow']), null, 'the lease still holds at 999 ms');
  served.clock.advance(1);
  const second = await takeTask(peer, 'w1', ['slow']);
  assert.equal(second!.attempt, 2);
  assert.notEqual(second!.taskId, first!.taskId);
  served.clock.advance(1_000);
  const ended = await runStatus(peer, runId);
  assert.deepEqual([ended.status, ended.error, ended.retryCount], [5, 'timed out', 1]);
  assert.equal(await takeTask(peer, 'w1', ['slow']), null, 'nothing is offered any more');
});

test('item 129: ACTION_COMPLETE with a stale task id is NOT_FOUND `unknown task`', async (t) => {
  const served = await serveFlo(t);
  const peer = await served.peer();
  await registerAction(peer, 'slow', { timeoutMs: 1_000 });
  const runId = await invoke(peer, 'slow');
  const first = await takeTask(peer, 'w1', ['slow']);
  served.clock.advance(1_000);
  const second = await takeTask(peer, 'w1', ['slow']);
  const stale = await peer.ask(OpCode.ACTION_COMPLETE, { key: 'w1',
    value: completeValue('slow', first!.taskId, 'late') });
  assertStatus(stale, Status.NOT_FOUND, 'unknown task');
  assertStatus(await peer.ask(OpCode.ACTION_COMPLETE, { key: 'w1',
    value: completeValue('slow', second!.taskId, 'ok') }), Status.OK);
  assertStatus(await peer.ask(OpCode.ACTION_COMPLETE, { key: 'w1',
    value: completeValue('slow', second!.taskId, 'twice') }), Status.NOT_FOUND, 'unknown task');
  assert.equal((await runStatus(peer, runId)).output, 'ok');
});

test('item 130: a run invoked with {"gpu":true} never goes to a worker without "gpu":true',
  async (t) => {
    const peer = await (await serveFlo(t)).peer();
    await registerAction(peer, 'train');
    const register = async (id: string, metadata?: string): Promise<void> => {
      assertStatus(await peer.ask(OpCode.WORKER_REGISTER, { key: id,
        value: workerValue({ processes: [['train', 0]], ...(metadata ? { metadata } : {}) }) }),
      Status.OK);
    };
    await register('plain');
    await register('cpu', '{"gpu":false}');
    await register('text', '{"gpu":"true"}');
    await register('gpu', '{"gpu":true,"zone":"eu"}');
    const runId = await invoke(peer, 'train', newestInvoke('big', '{"gpu":true}'));
    for (const worker of ['plain', 'cpu', 'text', 'unregistered']) {
      assert.equal(await takeTask(peer, worker, ['train']), null, `${worker} gets nothing`);
    }
    const task = await takeTask(peer, 'gpu', []);
    assert.equal(text(task!.payload), 'big', 'n = 0 awaits the worker\'s registered actions');
    assert.equal((await runStatus(peer, runId)).status, 1);
  });

test('item 131: WORKER_HEARTBEAT returns one status byte; after WORKER_DRAIN it is 2 and ' +
  'ACTION_AWAIT answers empty at once', async (t) => {
  const served = await serveFlo(t);
  const peer = await served.peer();
  await registerAction(peer, 'resize');
  assertStatus(await peer.ask(OpCode.WORKER_REGISTER, { key: 'w1',
    value: workerValue({ processes: [['resize', 0]] }) }), Status.OK);
  const beat = async (load: number): Promise<string> => {
    const value = Buffer.alloc(4);
    value.writeUInt32LE(load);
    const reply = await peer.ask(OpCode.WORKER_HEARTBEAT, { key: 'w1', value });
    assertStatus(reply, Status.OK);
    return hex(reply.body);
  };
  assert.equal(await beat(0), '01', 'idle');
  assert.equal(await beat(3), '00', 'active');
  // A parked await of the worker ends empty when it is drained.
  const parked = peer.send(OpCode.ACTION_AWAIT, { key: 'w1', value: awaitValue([]) });
  await waitParked(served.server, 1);
  const drain = peer.send(OpCode.WORKER_DRAIN, { key: 'w1' });
  // Either reply may come first: the drain answers the parked await when it is applied.
  const replies = [await peer.raw.next(), await peer.raw.next()]
    .sort((a, b) => a.requestIdLo - b.requestIdLo);
  assert.deepEqual(replies.map((reply) => [reply.requestIdLo, reply.status, reply.body.length]),
    [[parked, 0, 0], [drain, 0, 0]]);
  assert.equal(await beat(0), '02', 'draining');
  await invoke(peer, 'resize');
  const reply = await peer.ask(OpCode.ACTION_AWAIT, { key: 'w1', value: awaitValue(['resize']),
    opts: opts().uint(OptionTag.block_ms, 5_000, 4) });
  assertStatus(reply, Status.OK);
  assert.equal(reply.body.length, 0, 'a draining worker gets nothing, at once');
  assertStatus(await peer.ask(OpCode.WORKER_REGISTER, { key: 'w1',
    value: workerValue({ processes: [['resize', 0]] }) }), Status.OK);
  assert.equal(await beat(0), '01', 'registering again ends the drain');
  assert.notEqual(await takeTask(peer, 'w1', []), null);
});

test('ACTION_REGISTER: empty value is every default; type 1 is not supported', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  assertStatus(await peer.ask(OpCode.ACTION_REGISTER, { key: 'a', value: '' }), Status.OK);
  const reader = await peer.okBody(OpCode.ACTION_LIST, { key: 'a' });
  assert.equal(reader.u32(), 1);
  assert.deepEqual([text(reader.bytesU16()), reader.u8(), reader.u32(), reader.u32(),
    reader.u8()], ['a', 0, 30_000, 3, 0]);
  assertStatus(await peer.ask(OpCode.ACTION_REGISTER, { key: 'b',
    value: registerValue({ type: 1 }) }), Status.BAD_REQUEST, 'not supported: action type');
  assertStatus(await peer.ask(OpCode.ACTION_REGISTER, { key: 'b', value: Uint8Array.of(0, 1) }),
    Status.BAD_REQUEST, 'malformed value');
  assertStatus(await peer.ask(OpCode.ACTION_REGISTER, { key: 'b',
    value: Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 2) }), Status.BAD_REQUEST, 'malformed value');
  assertStatus(await peer.ask(OpCode.ACTION_REGISTER, { key: '', value: '' }),
    Status.BAD_REQUEST);
  assertStatus(await peer.ask(OpCode.ACTION_REGISTER, { key: 'x'.repeat(256), value: '' }),
    Status.BAD_REQUEST);
  assertStatus(await peer.ask(OpCode.ACTION_REGISTER, { key: 'x'.repeat(255), value: '' }),
    Status.OK);
});
