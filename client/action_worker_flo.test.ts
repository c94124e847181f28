// ActionWorker end to end against the real server (startFloServer over a real engine, real
// time, loopback): two workers complete many runs with each handler's result, and every
// result is awaited through ACTION_STATUS; a throwing handler's run is retried and completes
// on attempt 2; a task whose lease expires (its first taker never answers) is re-offered to a
// worker with attempt 2; a graceful restart of the server in sync mode keeps every finished
// run with its output, and the pending runs are completed after it by the same worker.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { MemFs, openFlo, type FloOptions } from '../engine/mod.ts';
import { startFloServer, type RunningFloServer } from '../server/mod.ts';
import type { RunInfo } from './action.ts';
import { ActionWorker, type ActionWorkerOptions } from './action_worker.ts';
import { FloClient } from './client.ts';

const text = (bytes: Uint8Array | null): string => Buffer.from(bytes ?? []).toString();

async function serve(t: TestContext, options: Partial<FloOptions> = {}, port = 0) {
  const flo = await openFlo({ dir: '/data', durability: 'memory', ...options });
  const server = await startFloServer(flo, { port, http: false, log: () => {} });
  t.after(() => server.close().catch(() => undefined));
  return server;
}

function workerOf(t: TestContext, server: RunningFloServer,
  options: ActionWorkerOptions = {}): ActionWorker {
  const worker = new ActionWorker({
    port: server.address.port, backoffMsMin: 10, backoffMsMax: 50, pollBlockMs: 1_000,
    heartbeatMs: 200, onError: () => {}, ...options,
  });
  t.after(() => worker.stop());
  return worker;
}

function clientOf(t: TestContext, server: RunningFloServer): FloClient {
  const client = new FloClient({ port: server.address.port, backoffMsMin: 10,
    backoffMsMax: 50 });
  t.after(() => client.close());
  return client;
}

/** Polls ACTION_STATUS until the run has finished (there is no wire op that waits for it). */
async function resultOf(client: FloClient, runId: string, timeoutMs = 10_000): Promise<RunInfo> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const status = await client.action.status(runId);
    if (status.status !== 'pending' && status.status !== 'running') return status;
    if (performance.now() > deadline) throw new Error(`${runId} is still ${status.status}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('two workers complete 200 runs, each with its handler\'s result', async (t) => {
  const server = await serve(t);
  const seenBy = new Map<string, number>();
  for (const id of ['w-a', 'w-b']) {
    const worker = workerOf(t, server, { workerId: id, concurrency: 4 });
    worker.register('square', (task) => {
      seenBy.set(id, (seenBy.get(id) ?? 0) + 1);
      const n = Number(text(task.input));
      return String(n * n);
    });
    await worker.start();
  }
  const client = clientOf(t, server);
  const runIds = await Promise.all(Array.from({ length: 200 },
    (_, index) => client.action.invoke('square', String(index))));
  const results = await Promise.all(runIds.map((runId) => resultOf(client, runId)));
  assert.deepEqual(results.map((run) => [run.status, text(run.output), run.retryCount]),
    runIds.map((_, index) => ['completed', String(index * index), 0]));
  assert.equal([...seenBy.values()].reduce((a, b) => a + b, 0), 200, 'each ran once');
  assert.equal(seenBy.size, 2, 'both workers took runs');
});

test('a handler that throws is retried; the run completes on attempt 2', async (t) => {
  const server = await serve(t);
  const worker = workerOf(t, server);
  worker.register('flaky', (task) => {
    if (task.attempt === 1) throw new Error('first attempt breaks');
    return `fine on ${task.attempt}`;
  }, { maxRetries: 2 });
  await worker.start();
  const client = clientOf(t, server);
  const run = await resultOf(client, await client.action.invoke('flaky', 'x'));
  assert.deepEqual([run.status, text(run.output), run.retryCount, run.error],
    ['completed', 'fine on 2', 1, null]);
});

test('a task whose lease expires is re-offered with attempt 2', async (t) => {
  const server = await serve(t);
  const client = clientOf(t, server);
  await client.action.register('job', { timeoutMs: 300 });
  const runId = await client.action.invoke('job', 'payload');
  // A worker that takes the task and never answers: its lease runs out.
  const lost = await client.action.awaitTask('gone', ['job'], { blockMs: 0 });
  assert.equal(lost!.attempt, 1);
  const worker = workerOf(t, server);
  worker.register('job', (task) => `attempt ${task.attempt}`, { timeoutMs: 300 });
  await worker.start();
  const run = await resultOf(client, runId);
  assert.deepEqual([run.status, text(run.output), run.retryCount],
    ['completed', 'attempt 2', 1]);
  await assert.rejects(client.action.complete('gone', 'job', lost!.taskId, 'late'),
    /unknown task/);
});

test('a graceful restart keeps finished runs; pending ones complete after it', async (t) => {
  const fs = new MemFs();
  const first = await serve(t, { fs, durability: 'sync' });
  const port = first.address.port;
  const worker = workerOf(t, first, { workerId: 'w-restart' });
  worker.register('job', (task) => `done ${text(task.input)}`);
  await worker.start();
  const client = clientOf(t, first);
  const early = await Promise.all(['now', 'now'].map((input) => client.action.invoke('job',
    input)));
  for (const runId of early) assert.equal((await resultOf(client, runId)).status, 'completed');
  // No worker until the restart: these runs are still pending when the server stops.
  await worker.stop();
  const later = await Promise.all(['a', 'b', 'c'].map((input) => client.action.invoke('job',
    input)));
  await first.close();
  const second = await serve(t, { fs, durability: 'sync' }, port);
  const again = workerOf(t, second, { workerId: 'w-restart' });
  again.register('job', (task) => `done ${text(task.input)}`);
  await again.start();
  const after = clientOf(t, second);
  for (const runId of early) {
    const run = await after.action.status(runId);
    assert.deepEqual([run.status, text(run.output)], ['completed', 'done now']);
  }
  const results = await Promise.all(later.map((runId) => resultOf(after, runId)));
  assert.deepEqual(results.map((run) => [run.status, text(run.output)]),
    [['completed', 'done a'], ['completed', 'done b'], ['completed', 'done c']]);
  assert.ok(later.every((runId) => !early.includes(runId)), 'run ids are not reused');
  const newest = await after.action.invoke('job', 'd');
  assert.ok(!early.includes(newest) && !later.includes(newest), 'ids keep growing');
});
