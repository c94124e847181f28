// The action and worker families end to end: FloClient (client/action.ts, client/worker.ts)
// against startFloServer over a real engine, on loopback. Every ActionApi and WorkerApi call
// with the values and typed errors the SDKs give: register and list, invoke in both value
// forms (priority, delay, idempotency key, labels, binary input), status through a run's life,
// run lists page by page, await in both header versions, complete, fail, touch, delete; then
// worker registration, heartbeats, paging, info, drain and deregister.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { openFlo } from '../engine/mod.ts';
import { startFloServer, type RunningFloServer } from '../server/mod.ts';
import { FloClient } from './client.ts';
import { FloBadRequestError, FloNotFoundError } from './errors.ts';

const text = (bytes: Uint8Array | null): string => Buffer.from(bytes ?? []).toString();

async function serve(t: TestContext): Promise<RunningFloServer> {
  const flo = await openFlo({ dir: '/data', durability: 'memory' });
  const server = await startFloServer(flo, { port: 0, http: false, log: () => {} });
  t.after(() => server.close().catch(() => undefined));
  return server;
}

function clientOf(t: TestContext, server: RunningFloServer, version: 1 | 2 = 2): FloClient {
  const client = new FloClient({ port: server.address.port, version, backoffMsMin: 5,
    backoffMsMax: 50 });
  t.after(() => client.close());
  return client;
}

test('register, list, invoke, await, complete and status through a run\'s life', async (t) => {
  const { action } = clientOf(t, await serve(t));
  await action.register('resize', { timeoutMs: 5_000, maxRetries: 2, description: 'images' });
  await action.register('resize', { timeoutMs: 6_000, maxRetries: 1 });
  const listed = await action.list();
  assert.deepEqual(listed.items, [{ name: 'resize', actionType: 0, timeoutMs: 6_000,
    maxRetries: 1, description: null }]);
  assert.deepEqual([listed.hasMore, listed.cursor], [false, null]);
  const runId = await action.invoke('resize', '{"w":64}');
  const pending = await action.status(runId);
  assert.deepEqual([pending.runId, pending.status, pending.startedAtMs, pending.output,
    pending.error, pending.retryCount], [runId, 'pending', null, null, null, 0]);
  const task = await action.awaitTask('w1', ['resize'], { blockMs: 0 });
  assert.deepEqual([task!.action, task!.attempt, task!.caller, text(task!.input)],
    ['resize', 1, null, '{"w":64}']);
  assert.equal((await action.status(runId)).status, 'running');
  await action.touch('w1', 'resize', task!.taskId, 10_000);
  await action.complete('w1', 'resize', task!.taskId, 'small.png');
  const done = await action.status(runId);
  assert.deepEqual([done.status, text(done.output), done.error], ['completed', 'small.png', null]);
  assert.ok(done.completedAtMs! >= done.startedAtMs! && done.startedAtMs! >= done.createdAtMs);
  await assert.rejects(action.complete('w1', 'resize', task!.taskId, 'again'), FloNotFoundError);
  await assert.rejects(action.invoke('nope'), FloNotFoundError);
  await assert.rejects(action.status('run-zzzz'), FloNotFoundError);
  assert.equal(await action.awaitTask('w1', ['resize'], { blockMs: 0 }), null);
});

test('invoke options: priority, delay, idempotency key, labels, binary input', async (t) => {
  const client = clientOf(t, await serve(t));
  const { action } = client;
  await action.register('job');
  const binary = Uint8Array.of(0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  const plain = await action.invoke('job', binary);
  const urgent = await action.invoke('job', 'urgent', { priority: 0 });
  const keyed = await action.invoke('job', 'keyed', { idempotencyKey: 'order-7' });
  assert.equal(await action.invoke('job', 'dup', { idempotencyKey: 'order-7' }), keyed);
  await action.invoke('job', 'later', { delayMs: 3_600_000 });
  await action.invoke('job', 'gpu only', { labels: { gpu: true } });
  const order: string[] = [];
  for (let task = await action.awaitTask('cpu', ['job'], { blockMs: 0 }); task !== null;
    task = await action.awaitTask('cpu', ['job'], { blockMs: 0 })) {
    order.push(task.input.length === binary.length && task.input[1] === 1 ? 'binary'
      : text(task.input));
  }
  assert.deepEqual(order, ['urgent', 'binary', 'keyed'], 'priority first; delayed and ' +
    'labelled runs are not for this worker');
  assert.equal((await action.status(urgent)).status, 'running');
  assert.equal((await action.status(plain)).status, 'running');
  await client.worker.register('gpu-1', { processes: [{ name: 'job', kind: 'action' }],
    metadata: { gpu: true } });
  const gpu = await action.awaitTask('gpu-1', [], { blockMs: 0 });
  assert.equal(text(gpu!.input), 'gpu only');
});

test('fail retries at once while attempts remain, then the run fails; delete cancels',
  async (t) => {
    const { action } = clientOf(t, await serve(t), 1);
    await action.register('flaky', { maxRetries: 1 });
    const runId = await action.invoke('flaky', 'x');
    const first = await action.awaitTask('w', ['flaky'], { blockMs: 0 });
    assert.equal(first!.caller, null, 'a version 1 reply carries has_caller 0');
    await action.fail('w', 'flaky', first!.taskId, 'boom');
    const second = await action.awaitTask('w', ['flaky'], { blockMs: 0 });
    assert.equal(second!.attempt, 2);
    await action.fail('w', 'flaky', second!.taskId, 'boom again');
    const failed = await action.status(runId);
    assert.deepEqual([failed.status, failed.error, failed.retryCount],
      ['failed', 'boom again', 1]);
    const fatal = await action.invoke('flaky');
    const task = await action.awaitTask('w', ['flaky'], { blockMs: 0 });
    await action.fail('w', 'flaky', task!.taskId, 'bad input', { retry: false });
    assert.equal((await action.status(fatal)).status, 'failed');
    const cancelled = await action.invoke('flaky');
    await action.delete('flaky');
    assert.deepEqual([(await action.status(cancelled)).status,
      (await action.status(cancelled)).error], ['cancelled', 'cancelled']);
    await assert.rejects(action.delete('flaky'), FloNotFoundError);
    await assert.rejects(action.awaitTask('w', [], { blockMs: 0 }), FloBadRequestError);
  });

test('listRuns walks every run newest first, page by page', async (t) => {
  const { action } = clientOf(t, await serve(t));
  await action.register('a');
  await action.register('b');
  const made: string[] = [];
  for (let index = 0; index < 7; index++) made.push(await action.invoke(index % 2 ? 'b' : 'a'));
  const seen: string[] = [];
  let cursor: Uint8Array | null = null;
  do {
    const page = await action.listRuns('', { limit: 3, cursor });
    assert.ok(page.items.length <= 3);
    seen.push(...page.items.map((run) => run.runId));
    cursor = page.cursor;
  } while (cursor !== null);
  assert.deepEqual(seen, [...made].reverse());
  const onlyB = await action.listRuns('b');
  assert.deepEqual(onlyB.items.map((run) => [run.runId, run.action, run.status]),
    [made[5], made[3], made[1]].map((id) => [id, 'b', 'pending']));
});

test('a parked await is answered by an invoke from another client', async (t) => {
  const server = await serve(t);
  const worker = clientOf(t, server);
  const caller = clientOf(t, server);
  await caller.action.register('a');
  const waiting = worker.action.awaitTask('w', ['a'], { blockMs: 10_000 });
  await new Promise((resolve) => setTimeout(resolve, 50));
  await caller.action.invoke('a', 'wake');
  assert.equal(text((await waiting)!.input), 'wake');
  const began = performance.now();
  assert.equal(await worker.action.awaitTask('w', ['a'], { blockMs: 100 }), null);
  assert.ok(performance.now() - began >= 90, 'the timeout waited');
});

test('workers: register, heartbeat, list, info, drain and deregister', async (t) => {
  const { worker, action } = clientOf(t, await serve(t));
  await worker.register('w-2', { processes: [{ name: 'a', kind: 'action' }],
    metadata: { zone: 'eu' }, machineId: 'host-1', maxConcurrency: 8 });
  await worker.register('w-1', { type: 'stream',
    processes: [{ name: 'events', kind: 'stream' }] });
  assert.equal(await worker.heartbeat('w-2', 3), 'active');
  assert.equal(await worker.heartbeat('w-1', 0), 'idle');
  const first = await worker.list({ limit: 1 });
  assert.deepEqual([first.items.map((entry) => entry.workerId), first.hasMore], [['w-1'], true]);
  const second = await worker.list({ limit: 1, cursor: first.cursor });
  assert.deepEqual([second.items[0]!.workerId, second.items[0]!.currentLoad,
    second.items[0]!.maxConcurrency, second.hasMore], ['w-2', 3, 8, false]);
  const info = await worker.info('w-2');
  assert.deepEqual([info.type, info.metadata, info.machineId, info.processes],
    ['action', '{"zone":"eu"}', 'host-1', [{ name: 'a', kind: 'action' }]]);
  await worker.drain('w-2');
  assert.equal(await worker.heartbeat('w-2', 0), 'draining');
  await action.register('a');
  await action.invoke('a');
  assert.equal(await action.awaitTask('w-2', [], { blockMs: 5_000 }), null);
  await worker.deregister('w-2');
  await worker.deregister('never-registered');
  await assert.rejects(worker.info('w-2'), FloNotFoundError);
  await assert.rejects(worker.heartbeat('w-2', 0), FloNotFoundError);
  await assert.rejects(worker.drain('w-2'), FloNotFoundError);
});
