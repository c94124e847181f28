// Model-based test of the run lifecycle (fast-check): random sequences of invoke (idempotency
// keys, labels, priorities, delays), awaitTask by labelled workers, complete, fail with and
// without retry, touch, clock advances (lease expiry, unhealthy workers), drain, worker
// re-register and heartbeat, action delete and re-register, and clean reopens run against
// ActionStore (MemFs, ManualClock) and engine/testing/action_model.ts; after every step the
// status of every run must agree with the model. Replay a failure with FC_SEED/FC_PATH.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LeaseExpiredError, NotFoundError } from '../errors.ts';
import { ManualClock } from '../io/clock.ts';
import { MemFs } from '../io/mem_fs.ts';
import { Prng } from '../io/prng.ts';
import { openFlo, type Flo } from '../flo.ts';
import { ActionModel, type ModelActionSettings, type ModelRun } from '../testing/action_model.ts';
import { fcParams } from '../testing/fc_params.ts';

const SETTINGS = new Map<string, ModelActionSettings>([
  ['a', { timeoutMs: 1000, maxRetries: 2 }],
  ['b', { timeoutMs: 2500, maxRetries: 0 }],
]);
const ACTIONS = [...SETTINGS.keys()];
const WORKER_TIMEOUT_MS = 4000;
const BACKOFF = { backoffMsBase: 100, backoffMsMax: 400 };
const WORKERS = [
  { id: 'w-eu', metadata: { region: 'eu', gpu: true } },
  { id: 'w-us', metadata: { region: 'us' } },
  { id: 'w-plain', metadata: {} },
];
const LABELS: Array<Record<string, string | boolean>> = [
  {}, {}, { region: 'eu' }, { region: 'us' }, { region: 'eu', gpu: true }, { gpu: false },
];
const NAME_LISTS = [['a'], ['b'], ['a', 'b'], [], ['b', 'zz']];

type Op =
  | { op: 'invoke'; action: number; key: number | null; labels: number; priority: number;
    delayMs: number }
  | { op: 'await'; worker: number; names: number }
  | { op: 'complete'; pick: number; named: boolean }
  | { op: 'fail'; pick: number; retry: boolean }
  | { op: 'touch'; pick: number; extendMs: number }
  | { op: 'advance'; ms: number }
  | { op: 'drain' | 'registerWorker' | 'heartbeat'; worker: number }
  | { op: 'deleteAction' | 'registerAction'; action: number }
  | { op: 'reopen' };

const action = fc.nat(ACTIONS.length - 1);
const worker = fc.nat(WORKERS.length - 1);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('invoke' as const), action,
    key: fc.option(fc.nat(3)), labels: fc.nat(LABELS.length - 1),
    priority: fc.constantFrom(10, 10, 0, 200), delayMs: fc.constantFrom(0, 0, 0, 300) }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('await' as const), worker,
    names: fc.nat(NAME_LISTS.length - 1) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('complete' as const), pick: fc.nat(20),
    named: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('fail' as const), pick: fc.nat(20),
    retry: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('touch' as const), pick: fc.nat(20),
    extendMs: fc.constantFrom(500, 3000) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('advance' as const),
    ms: fc.constantFrom(1, 150, 400, 999, 1000, 2600) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('drain' as const,
    'registerWorker' as const, 'heartbeat' as const), worker }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom('deleteAction' as const,
    'registerAction' as const), action }) },
  { weight: 1, arbitrary: fc.constant({ op: 'reopen' as const }) },
);

interface Held {
  taskId: string;
  workerId: string;
}

class Harness {
  flo!: Flo;
  readonly fs = new MemFs();
  readonly clock = new ManualClock();
  readonly model = new ActionModel(this.clock.nowMs(), SETTINGS, WORKER_TIMEOUT_MS,
    BACKOFF.backoffMsBase, BACKOFF.backoffMsMax);
  readonly held: Held[] = [];
  private seq = 0;

  async open(): Promise<void> {
    this.flo = await openFlo({ dir: '/flo', fs: this.fs, clock: this.clock, durability: 'sync',
      action: { prng: new Prng(11), workerTimeoutMs: WORKER_TIMEOUT_MS, ...BACKOFF } });
  }

  async start(): Promise<void> {
    await this.open();
    for (const name of ACTIONS) await this.registerAction(name);
    for (let i = 0; i < WORKERS.length; i++) await this.registerWorker(i);
  }

  async registerAction(name: string): Promise<void> {
    await this.flo.action.register('', name, SETTINGS.get(name));
    this.model.actions.add(name);
  }

  async registerWorker(index: number): Promise<void> {
    const { id, metadata } = WORKERS[index]!;
    await this.flo.worker.register('', id, { actions: ACTIONS, metadata });
    const known = this.model.workers.get(id);
    const labels = metadata as Record<string, string | boolean>;
    const nowMs = this.model.nowMs;
    if (known === undefined) {
      this.model.workers.set(id, { id, labels, actions: ACTIONS, draining: false,
        unhealthy: false, lastSeenMs: nowMs, persistedSeenMs: nowMs });
    } else {
      Object.assign(known, { draining: false, unhealthy: false, lastSeenMs: nowMs,
        persistedSeenMs: nowMs });
    }
  }

  nextInput(): Uint8Array {
    this.seq += 1;
    return Uint8Array.of(this.seq & 0xff, this.seq >> 8);
  }

  // Every run's status, attempts, output and error agree with the model.
  async check(): Promise<void> {
    for (const run of this.model.runs.values()) {
      const info = await this.flo.action.status('', run.runId);
      const where = `run ${run.runId} at +${this.model.nowMs - 1_700_000_000_000} ms`;
      assert.equal(info.status, run.status, `${where}: status`);
      assert.equal(info.attempts, run.attempts, `${where}: attempts`);
      assert.equal(info.retryCount, Math.max(run.attempts - 1, 0), `${where}: retry count`);
      assert.deepEqual(info.output, run.output, `${where}: output`);
      assert.equal(info.error, run.status === 'pending' || run.status === 'running'
        ? null : run.error, `${where}: error`);
      assert.equal(info.taskId, run.taskId, `${where}: task`);
      assert.equal(info.workerId, run.workerId, `${where}: worker`);
      if (run.status === 'running') assert.equal(info.deadlineMs, run.deadlineMs, where);
    }
  }
}

async function isRejected(promise: Promise<unknown>): Promise<boolean> {
  try {
    await promise;
    return false;
  } catch (error) {
    if (error instanceof NotFoundError || error instanceof LeaseExpiredError) return true;
    throw error;
  }
}

async function invoke(h: Harness, op: Extract<Op, { op: 'invoke' }>): Promise<void> {
  const name = ACTIONS[op.action]!;
  const labels = LABELS[op.labels]!;
  const key = op.key === null ? undefined : `key-${op.key}`;
  const promise = h.flo.action.invoke('', name, h.nextInput(), { idempotencyKey: key, labels,
    priority: op.priority, delayMs: op.delayMs });
  if (!h.model.actions.has(name)) {
    assert.equal(await isRejected(promise), true, 'invoke of a deleted action is rejected');
    return;
  }
  const runId = await promise;
  const known = key === undefined ? undefined : h.model.idempotent.get(`${name}/${key}`);
  if (known !== undefined) {
    assert.equal(runId, known, 'an idempotency key returns its run');
    return;
  }
  h.model.invoke(runId, name, labels, op.priority, op.delayMs);
  if (key !== undefined) h.model.idempotent.set(`${name}/${key}`, runId);
}

async function awaitTask(h: Harness, op: Extract<Op, { op: 'await' }>): Promise<void> {
  const { id } = WORKERS[op.worker]!;
  const worker = h.model.workers.get(id)!;
  const names = NAME_LISTS[op.names]!;
  const task = await h.flo.action.awaitTask('', id, names, { blockMs: 0 });
  h.model.contact(id);
  if (worker.draining) {
    assert.equal(task, null, 'a draining worker gets nothing');
    return;
  }
  const wanted = names.length > 0 ? names : worker.actions;
  const runs = [...h.model.runs.values()];
  const sure = runs.filter((run) => h.model.eligibility(run, wanted, worker) === 'sure');
  if (task === null) {
    assert.deepEqual(sure.map((run) => run.runId), [], 'an eligible run was not handed out');
    return;
  }
  const run = h.model.runs.get(task.runId);
  assert.ok(run !== undefined, `task of an unknown run ${task.runId}`);
  assert.notEqual(h.model.eligibility(run, wanted, worker), 'no',
    `run ${run.runId} (${run.status}, labels ${JSON.stringify(run.labels)}) handed to ${id}`);
  const best = Math.min(...sure.map((candidate) => candidate.priority));
  assert.ok(run.priority <= best, `priority ${run.priority} handed out before ${best}`);
  h.model.assign(run, task.taskId, id);
  assert.deepEqual([task.attempt, task.action, task.deadlineMs],
    [run.attempts, run.action, run.deadlineMs]);
  h.held.push({ taskId: task.taskId, workerId: id });
}

async function report(h: Harness, op: Extract<Op, { op: 'complete' | 'fail' | 'touch' }>) {
  if (h.held.length === 0) return;
  const held = h.held[op.pick % h.held.length]!;
  const live = h.model.liveTask(held.taskId);
  const actions = h.flo.action;
  const named = op.op === 'complete' && op.named;
  const options = named ? { workerId: held.workerId } : {};
  if (op.op === 'complete') {
    const output = Uint8Array.of(7, held.taskId.length);
    const done = actions.complete('', held.taskId, output, options);
    assert.equal(await isRejected(done), live === undefined, `complete ${held.taskId}`);
    if (named) h.model.contact(held.workerId);
    if (live !== undefined) h.model.finish(live, 'completed', output, null);
  } else if (op.op === 'fail') {
    const failed = actions.fail('', held.taskId, 'boom', { retry: op.retry });
    if (live === undefined) {
      assert.equal(await isRejected(failed), true, `fail ${held.taskId}`);
      return;
    }
    assert.equal(await failed, h.model.fail(live, 'boom', op.retry));
  } else {
    const touched = actions.touch('', held.taskId, { extendMs: op.extendMs });
    if (live === undefined) {
      assert.equal(await isRejected(touched), true, `touch ${held.taskId}`);
      return;
    }
    live.deadlineMs = h.model.nowMs + op.extendMs;
    assert.equal(await touched, live.deadlineMs);
  }
}

async function workerOp(h: Harness, op: Extract<Op, { op: 'drain' | 'registerWorker' |
  'heartbeat' }>): Promise<void> {
  const { id } = WORKERS[op.worker]!;
  const worker = h.model.workers.get(id)!;
  if (op.op === 'registerWorker') {
    await h.registerWorker(op.worker);
  } else if (op.op === 'drain') {
    await h.flo.worker.drain('', id);
    worker.draining = true;
    worker.persistedSeenMs = worker.lastSeenMs;
  } else {
    const status = await h.flo.worker.heartbeat('', id, 0);
    h.model.contact(id);
    worker.persistedSeenMs = worker.lastSeenMs;
    assert.equal(status, worker.draining ? 'draining' : 'idle');
  }
}

async function step(h: Harness, op: Op): Promise<void> {
  switch (op.op) {
    case 'invoke': return invoke(h, op);
    case 'await': return awaitTask(h, op);
    case 'complete': case 'fail': case 'touch': return report(h, op);
    case 'advance':
      h.clock.advance(op.ms);
      h.model.advance(op.ms);
      return;
    case 'drain': case 'registerWorker': case 'heartbeat': return workerOp(h, op);
    case 'deleteAction': {
      const name = ACTIONS[op.action]!;
      const deleted = h.flo.action.delete('', name);
      if (!h.model.actions.has(name)) {
        assert.equal(await isRejected(deleted), true, 'delete of a deleted action');
        return;
      }
      assert.equal(await deleted, h.model.deleteAction(name));
      return;
    }
    case 'registerAction': return h.registerAction(ACTIONS[op.action]!);
    case 'reopen':
      await h.flo.close();
      await h.open();
      h.model.reopen();
  }
}

async function runOps(ops: Op[]): Promise<void> {
  const h = new Harness();
  await h.start();
  try {
    for (const op of ops) {
      await step(h, op);
      await h.check();
      h.flo.action.checkInvariants();
    }
  } finally {
    await h.flo.close();
  }
}

test('the run lifecycle agrees with the model (retries, leases, labels, drain, unhealthy, ' +
  'delete, reopen)', async () => {
  const ops = fc.array(opArb, { minLength: 10, maxLength: 60, size: 'max' });
  await fc.assert(fc.asyncProperty(ops, runOps), fcParams(120));
});

test('the model test covers every final status', async () => {
  // A fixed scenario that reaches completed, failed, timed_out and cancelled, so the model's
  // own bookkeeping of each is exercised whatever the random runs drew.
  const seen = new Set<ModelRun['status']>();
  const h = new Harness();
  await h.start();
  const script: Op[] = [
    { op: 'invoke', action: 0, key: null, labels: 0, priority: 10, delayMs: 0 },
    { op: 'invoke', action: 1, key: null, labels: 0, priority: 10, delayMs: 0 },
    { op: 'invoke', action: 1, key: null, labels: 0, priority: 10, delayMs: 0 },
    { op: 'invoke', action: 0, key: 1, labels: 2, priority: 0, delayMs: 300 },
    { op: 'await', worker: 2, names: 0 }, { op: 'complete', pick: 0, named: true },
    { op: 'await', worker: 2, names: 1 }, { op: 'fail', pick: 1, retry: true },
    { op: 'await', worker: 2, names: 1 }, { op: 'advance', ms: 2600 },
    { op: 'reopen' }, { op: 'deleteAction', action: 0 },
  ];
  try {
    for (const op of script) {
      await step(h, op);
      await h.check();
    }
    for (const run of h.model.runs.values()) seen.add(run.status);
  } finally {
    await h.flo.close();
  }
  assert.deepEqual([...seen].sort(), ['cancelled', 'completed', 'failed', 'timed_out']);
});
