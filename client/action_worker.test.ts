// ActionWorker end to end over TCP against FakeActions (server/testing/fake_actions.ts),
// which plays the action and worker families: every run is completed once with the
// handler's result and never more than `concurrency` run at once; a throwing handler is
// retried while retries remain and a NonRetryableError fails the run at once; a long task's
// lease is touched every half lease; a drained worker stops; after the server restarts the
// worker registers again and keeps working; stop() lets running tasks finish first.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type FloServer } from '../server/mod.ts';
import { FakeActions } from '../server/testing/fake_actions.ts';
import { ActionWorker, NonRetryableError, type ActionWorkerOptions } from './action_worker.ts';
import { FloClient } from './client.ts';

async function serve(t: TestContext, port = 0): Promise<{ server: FloServer; fake: FakeActions }> {
  const fake = new FakeActions();
  const server = await startServer({ port, register: (table) => fake.register(table) });
  t.after(() => server.shutdown());
  return { server, fake };
}

function worker(t: TestContext, port: number, options: ActionWorkerOptions = {}): ActionWorker {
  const errors: Error[] = [];
  const made = new ActionWorker({
    port, backoffMsMin: 10, backoffMsMax: 50, pollBlockMs: 1_000, heartbeatMs: 1_000,
    onError: (error) => errors.push(error), ...options,
  });
  t.after(() => made.stop());
  return made;
}

function client(t: TestContext, port: number): FloClient {
  const made = new FloClient({ port, backoffMsMin: 10, backoffMsMax: 50 });
  t.after(() => made.close());
  return made;
}

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('every run completes once with its result, at most `concurrency` at a time', async (t) => {
  const { server, fake } = await serve(t);
  let active = 0;
  let most = 0;
  const flo = worker(t, server.address.port, { workerId: 'w-1', concurrency: 3 });
  flo.register('resize', async (task) => {
    most = Math.max(most, ++active);
    await sleep(20);
    active--;
    return `done:${Buffer.from(task.input).toString()}:${task.attempt}`;
  });
  await flo.start();
  assert.equal(fake.registrations.get('w-1'), 1);
  assert.deepEqual([...fake.actions.keys()], ['resize']);
  const caller = client(t, server.address.port);
  const runIds = await Promise.all(
    Array.from({ length: 12 }, (_, index) => caller.action.invoke('resize', `img${index}`)));
  await until(() => fake.count('completed') === 12, 'all runs completed');
  assert.deepEqual(fake.runs.map((run) => [run.runId, run.output, run.attempts]),
    runIds.map((runId, index) => [runId, `done:img${index}:1`, 1]));
  assert.ok(most <= 3, `at most 3 at once, saw ${most}`);
  assert.ok(most >= 2, `tasks ran concurrently, saw ${most}`);
  await flo.stop();
  assert.deepEqual(fake.deregistered, ['w-1']);
});

test('a throwing handler is retried while retries remain; NonRetryableError fails at once',
  async (t) => {
    const { server, fake } = await serve(t);
    const flo = worker(t, server.address.port);
    flo.register('flaky', (task) => {
      if (task.attempt < 3) throw new Error(`attempt ${task.attempt} broke`);
      return 'finally';
    }, { maxRetries: 2 });
    flo.register('fatal', () => {
      throw new NonRetryableError('bad input');
    });
    await flo.start();
    const caller = client(t, server.address.port);
    await caller.action.invoke('flaky', 'x');
    await caller.action.invoke('fatal', 'y');
    await until(() => fake.count('completed') + fake.count('failed') === 2, 'both runs ended');
    const [flaky, fatal] = fake.runs;
    assert.deepEqual([flaky!.status, flaky!.attempts, flaky!.output, flaky!.error],
      ['completed', 3, 'finally', 'attempt 2 broke']);
    assert.deepEqual([fatal!.status, fatal!.attempts, fatal!.error], ['failed', 1, 'bad input']);
  });

test('a long task\'s lease is touched every half lease', async (t) => {
  const { server, fake } = await serve(t);
  const flo = worker(t, server.address.port);
  flo.register('slow', async (task) => {
    await sleep(260);
    await task.touch(1_000);
    return 'ok';
  }, { timeoutMs: 100 });
  await flo.start();
  await client(t, server.address.port).action.invoke('slow');
  await until(() => fake.count('completed') === 1, 'the slow run completed');
  // Timer touches at 50, 100, 150, 200 and 250 ms (give or take), plus the handler's own.
  assert.ok(fake.runs[0]!.touches >= 4, `touches: ${fake.runs[0]!.touches}`);
});

test('a drained worker stops taking work and stops', async (t) => {
  const { server, fake } = await serve(t);
  const flo = worker(t, server.address.port, { workerId: 'w-drain', heartbeatMs: 30 });
  flo.register('job', () => 'ok');
  await flo.start();
  const caller = client(t, server.address.port);
  await caller.worker.drain('w-drain');
  await Promise.race([flo.done, sleep(3_000).then(() => assert.fail('not stopped'))]);
  assert.deepEqual(fake.deregistered, ['w-drain']);
  await caller.action.invoke('job');
  await sleep(50);
  assert.equal(fake.count('pending'), 1, 'a stopped worker takes nothing');
});

test('after the server restarts, the worker registers again and keeps working', async (t) => {
  const first = await serve(t);
  const port = first.server.address.port;
  const flo = worker(t, port, { workerId: 'w-back', heartbeatMs: 50 });
  flo.register('job', (task) => `ok ${Buffer.from(task.input).toString()}`);
  await flo.start();
  await client(t, port).action.invoke('job', 'before');
  await until(() => first.fake.count('completed') === 1, 'the first run completed');
  await first.server.shutdown();
  const second = await serve(t, port);
  await until(() => second.fake.registrations.get('w-back') === 1, 're-registered', 10_000);
  assert.deepEqual([...second.fake.actions.keys()], ['job'], 'the actions were registered too');
  await client(t, port).action.invoke('job', 'after');
  await until(() => second.fake.count('completed') === 1, 'the run after the restart');
  assert.equal(second.fake.runs[0]!.output, 'ok after');
});

test('stop() lets a running task finish and complete before it deregisters', async (t) => {
  const { server, fake } = await serve(t);
  const flo = worker(t, server.address.port, { workerId: 'w-stop' });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  flo.register('job', async () => {
    await gate;
    return 'finished';
  });
  await flo.start();
  await client(t, server.address.port).action.invoke('job');
  await until(() => flo.activeCount === 1, 'the task is running');
  const stopping = flo.stop();
  await sleep(30);
  assert.deepEqual(fake.deregistered, [], 'not before the task ends');
  release();
  await stopping;
  assert.equal(fake.runs[0]!.output, 'finished');
  assert.deepEqual(fake.deregistered, ['w-stop']);
});
