// Behaviour tests of ActionStore, one sentence each, following the wire conformance items for
// actions (spec §10, 119-131) and the issue: register, invoke, status, await, complete, fail
// with retries and backoff, lease expiry and timed_out, touch, stale tasks, idempotency,
// labels, priorities and delays, FIFO parked awaits, awaitResult, listings, delete, reopen.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemFs } from '../io/mem_fs.ts';
import { ManualClock } from '../io/clock.ts';
import { Prng } from '../io/prng.ts';
import { CorruptionError, LeaseExpiredError, NotFoundError } from '../errors.ts';
import { openFlo, type Flo, type FloOptions } from '../flo.ts';
import { WriteBatch } from '../lsm/write_batch.ts';
import type { Task } from './action_types.ts';
import { runKey } from './action_keys.ts';
import { parseRunId } from './run_ids.ts';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const decode = (bytes: Uint8Array | null): string | null =>
  bytes === null ? null : new TextDecoder().decode(bytes);

// A clock whose time can move without firing timers (an expiry not yet seen by a timer).
class SkewClock extends ManualClock {
  skewMs = 0;
  override nowMs(): number {
    return super.nowMs() + this.skewMs;
  }
}

async function open(overrides: Partial<FloOptions> = {}, fs = new MemFs(),
  clock = new ManualClock()) {
  const flo = await openFlo({ dir: '/flo', fs, clock, durability: 'sync',
    action: { prng: new Prng(7), ...overrides.action }, ...overrides });
  return { flo, fs, clock, actions: flo.action };
}

async function take(flo: Flo, worker = 'w1', names = ['send'], blockMs = 0): Promise<Task> {
  const task = await flo.action.awaitTask('', worker, names, { blockMs });
  assert.ok(task !== null, 'a task is handed out');
  return task;
}

test('register twice succeeds and replaces the settings; list shows them sorted', async () => {
  const { flo, actions } = await open();
  await actions.register('', 'send', { timeoutMs: 1000 });
  const info = await actions.register('', 'send', { timeoutMs: 2000, description: 'mail' });
  assert.deepEqual([info.timeoutMs, info.maxRetries, info.description], [2000, 3, 'mail']);
  await actions.register('', 'resize');
  const page = await actions.list('');
  assert.deepEqual(page.actions.map((a) => a.name), ['resize', 'send']);
  await assert.rejects(actions.register('', 'x', { type: 1 }), /not supported: action type/);
  await flo.close();
});

test('invoke of an unknown action is NotFoundError; a run starts pending', async () => {
  const { flo, actions, clock } = await open();
  await assert.rejects(actions.invoke('', 'nope', text('x')), NotFoundError);
  await actions.register('', 'send');
  const runId = await actions.invoke('', 'send', text('hello'));
  assert.match(runId, /^[A-Za-z][A-Za-z0-9._:-]{2,127}$/);
  const status = await actions.status('', runId);
  assert.deepEqual([status.status, status.attempts, status.retryCount, status.createdAtMs],
    ['pending', 0, 0, clock.nowMs()]);
  await assert.rejects(actions.status('', 'run-zz'), NotFoundError);
  await assert.rejects(actions.status('other', runId), NotFoundError);
  await flo.close();
});

test('await hands the input to a worker; complete records the output', async () => {
  const { flo, actions, clock } = await open();
  await actions.register('', 'send');
  const runId = await actions.invoke('', 'send', text('hello'));
  clock.advance(5);
  const task = await take(flo);
  assert.deepEqual([task.runId, task.action, task.attempt, decode(task.input)],
    [runId, 'send', 1, 'hello']);
  assert.equal(task.deadlineMs, clock.nowMs() + 30_000);
  const running = await actions.status('', runId);
  assert.deepEqual([running.status, running.startedAtMs, running.taskId, running.workerId],
    ['running', clock.nowMs(), task.taskId, 'w1']);
  clock.advance(5);
  await actions.complete('', task.taskId, text('done'), { outcome: 'sent' });
  const done = await actions.status('', runId);
  assert.deepEqual([done.status, decode(done.output), done.outcome, done.completedAtMs,
    done.error], ['completed', 'done', 'sent', clock.nowMs(), null]);
  await assert.rejects(actions.complete('', task.taskId, text('again')), /unknown task/);
  await flo.close();
});

test('fail with retry re-offers the run with attempt 2; without retry it fails', async () => {
  const { flo, actions } = await open();
  await actions.register('', 'send');
  const runId = await actions.invoke('', 'send', text('x'));
  const first = await take(flo);
  assert.equal(await actions.fail('', first.taskId, 'boom', { backoff: false }), 'pending');
  const second = await take(flo);
  assert.deepEqual([second.runId, second.attempt], [runId, 2]);
  assert.notEqual(second.taskId, first.taskId);
  await assert.rejects(actions.complete('', first.taskId, text('late')), NotFoundError);
  assert.equal(await actions.fail('', second.taskId, 'fatal', { retry: false }), 'failed');
  const status = await actions.status('', runId);
  assert.deepEqual([status.status, status.error, status.retryCount, status.output],
    ['failed', 'fatal', 1, null]);
  await flo.close();
});

test('a retry waits for its backoff: exponential, capped, jittered within its upper half',
  async () => {
    const { flo, actions, clock } = await open({ action: { backoffMsBase: 100,
      backoffMsMax: 300, prng: new Prng(3) } });
    await actions.register('', 'send', { maxRetries: 5 });
    await actions.invoke('', 'send', text('x'));
    const waits: number[] = [];
    let task = await take(flo);
    for (let attempt = 1; attempt <= 4; attempt++) {
      assert.equal(task.attempt, attempt);
      assert.equal(await actions.fail('', task.taskId, 'again'), 'pending');
      const startMs = clock.nowMs();
      let next: Task | null;
      while ((next = await actions.awaitTask('', 'w1', ['send'], { blockMs: 0 })) === null) {
        clock.advance(1);
      }
      waits.push(clock.nowMs() - startMs);
      task = next;
    }
    const caps = [100, 200, 300, 300];
    waits.forEach((waitMs, i) => {
      assert.ok(waitMs >= caps[i]! / 2 && waitMs <= caps[i]!, `wait ${i}: ${waitMs}`);
    });
    await flo.close();
  });

test('an expired lease counts as an attempt; on the last one the run is timed_out', async () => {
  const { flo, actions, clock } = await open();
  await actions.register('', 'send', { timeoutMs: 1000, maxRetries: 1 });
  const runId = await actions.invoke('', 'send', text('x'));
  const first = await take(flo);
  clock.advance(1000);
  await assert.rejects(actions.complete('', first.taskId, text('late')), NotFoundError);
  const second = await take(flo);
  assert.equal(second.attempt, 2);
  clock.advance(999);
  await assert.rejects(actions.touch('', first.taskId), NotFoundError);
  clock.advance(1);
  const status = await actions.status('', runId);
  assert.deepEqual([status.status, status.error, status.attempts], ['timed_out', 'timed out', 2]);
  assert.equal(await actions.awaitTask('', 'w1', ['send'], { blockMs: 0 }), null);
  actions.checkInvariants();
  await flo.close();
});

test('touch moves the deadline; a task completed after its deadline is LeaseExpiredError',
  async () => {
    const { flo, actions, clock } = await open();
    await actions.register('', 'send', { timeoutMs: 1000 });
    await actions.invoke('', 'send', text('x'));
    const task = await take(flo);
    clock.advance(900);
    assert.equal(await actions.touch('', task.taskId, { extendMs: 500 }), clock.nowMs() + 500);
    clock.advance(400);
    assert.equal((await actions.status('', task.runId)).status, 'running');
    // The lease's own length when no extension is given.
    assert.equal(await actions.touch('', task.taskId), clock.nowMs() + 1000);
    clock.advance(999);
    await actions.complete('', task.taskId, text('ok'), { action: 'send', workerId: 'w1' });
    assert.equal((await actions.status('', task.runId)).status, 'completed');
    await flo.close();
  });

test('complete with the wrong action name is unknown task', async () => {
  const { flo, actions } = await open();
  await actions.register('', 'send');
  await actions.invoke('', 'send', text('x'));
  const task = await take(flo);
  await assert.rejects(actions.complete('', task.taskId, text('x'), { action: 'other' }),
    /unknown task/);
  await assert.rejects(actions.complete('', 'task-1-zz', text('x')), NotFoundError);
  await assert.rejects(actions.complete('', 'garbage', text('x')), NotFoundError);
  await flo.close();
});

test('a lease lost by the clock passing without a timer firing is LeaseExpiredError',
  async () => {
    const clock = new SkewClock();
    const { flo, actions } = await open({}, new MemFs(), clock);
    await actions.register('', 'send', { timeoutMs: 1000 });
    await actions.invoke('', 'send', text('x'));
    const task = await take(flo);
    clock.skewMs = 1000;
    await assert.rejects(actions.complete('', task.taskId, text('late')), LeaseExpiredError);
    await flo.close();
  });

test('awaitResult parks and resolves when the run completes, without the clock moving',
  async () => {
    const { flo, actions, clock } = await open();
    await actions.register('', 'send');
    const runId = await actions.invoke('', 'send', text('x'));
    const before = clock.nowMs();
    const result = actions.awaitResult('', runId, { blockMs: 60_000 });
    let settled = false;
    void result.then(() => {
      settled = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false, 'still waiting: nothing finished');
    assert.equal(actions.parkedCount, 1);
    const task = await take(flo);
    await actions.complete('', task.taskId, text('out'));
    const info = await result;
    assert.deepEqual([info.status, decode(info.output), clock.nowMs()],
      ['completed', 'out', before]);
    assert.equal(actions.parkedCount, 0);
    await flo.close();
  });

test('a worker takes only runs whose labels it holds; a parked await of another is skipped',
  async () => {
    const { flo, actions } = await open();
    await actions.register('', 'send');
    await flo.worker.register('', 'eu', { actions: ['send'], metadata: { region: 'eu' } });
    await flo.worker.register('', 'us', { actions: ['send'], metadata: { region: 'us' } });
    const parkedUs = actions.awaitTask('', 'us', [], { blockMs: 10_000 });
    const parkedEu = actions.awaitTask('', 'eu', [], { blockMs: 10_000 });
    const euRun = await actions.invoke('', 'send', text('e'), { labels: { region: 'eu' } });
    const euTask = await parkedEu;
    assert.equal(euTask?.runId, euRun, 'the eu run goes to the eu worker parked second');
    const anyRun = await actions.invoke('', 'send', text('a'));
    assert.equal((await parkedUs)?.runId, anyRun, 'an unlabelled run goes to anyone');
    await actions.invoke('', 'send', text('u'), { labels: { region: 'us', gpu: true } });
    assert.equal(await actions.awaitTask('', 'us', [], { blockMs: 0 }), null,
      'a label the worker lacks keeps the run from it');
    await flo.close();
  });

test('a worker found silent at the instant its lease runs out loses the task once, not twice',
  async () => {
    // Found by the model test (seeds 1817879424, 1906067639, -2050639123): releasing the
    // silent worker's task nacks it, the nack's tick hears the expiry first and releases the
    // run, and the release that followed asserted on a run no longer running.
    const { flo, actions, clock } = await open({ action: { workerTimeoutMs: 4000 } });
    await actions.register('', 'send', { timeoutMs: 2500, maxRetries: 1 });
    await flo.worker.register('', 'w1', { actions: ['send'] });
    const runId = await actions.invoke('', 'send', text('x'));
    const task = await take(flo);
    clock.advance(1000);
    // The lease now ends at +4000 ms, the instant w1 (last seen at +0) turns unhealthy.
    assert.equal(await actions.touch('', task.taskId, { extendMs: 3000 }), clock.nowMs() + 3000);
    clock.advance(3000);
    const status = await actions.status('', runId);
    assert.deepEqual([status.status, status.attempts], ['pending', 1]);
    actions.checkInvariants();
    const again = await take(flo, 'w2');
    assert.deepEqual([again.runId, again.attempt], [runId, 2]);
    await flo.close();
  });

test('status of a finished run whose record does not decode is a CorruptionError', async () => {
  const { flo, actions } = await open();
  await actions.register('', 'send');
  const runId = await actions.invoke('', 'send', text('hello'));
  const task = await take(flo);
  await actions.complete('', task.taskId, text('done'));
  assert.equal((await actions.status('', runId)).status, 'completed');
  const batch = new WriteBatch();
  batch.put(runKey('default', parseRunId(runId)!), Uint8Array.of(0xff));
  await flo.kv.db.write(batch).durable;
  await assert.rejects(actions.status('', runId),
    (error) => error instanceof CorruptionError && /run record/.test(error.message));
  await flo.close();
});
