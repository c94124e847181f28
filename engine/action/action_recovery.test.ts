// Recovery across the action store's two logs (action_recovery.ts): the scheduling queues'
// journals and the LSM's WAL sync separately, so a crash can keep the newer write of one
// and lose the older write of the other. Each test builds one such state on purpose — the
// LSM synced, the queue journal not (MemFs crash clones that keep only synced bytes) — and
// checks what the reopened store shows and hands out. The first is the situation of crash
// simulator seed 1515708589531 (async), which tripped "every message belongs to an active
// run" in RunScheduler.assign.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemFs } from '../io/mem_fs.ts';
import { ManualClock } from '../io/clock.ts';
import { Prng } from '../io/prng.ts';
import { NotFoundError } from '../errors.ts';
import type { Durability } from '../log/segmented_log.ts';
import { openFlo, type Flo } from '../flo.ts';
import type { Task } from './action_types.ts';
import { parseRunId, parseTaskId } from './run_ids.ts';
import { lostRunError } from './run_state.ts';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// For crashClone: keeps no pending write or directory change, only what was synced.
class SyncedOnly extends Prng {
  constructor() {
    super(1);
  }

  override int(min: number, maxExclusive: number): number {
    assert.ok(min < maxExclusive);
    return min;
  }
}

// Async with a sync interval no test reaches: nothing is synced unless a test says so.
function open(fs: MemFs, clock: ManualClock, durability: Durability): Promise<Flo> {
  return openFlo({ dir: '/flo', fs, clock, durability, syncIntervalMs: 3_600_000,
    action: { prng: new Prng(7) } });
}

async function take(flo: Flo): Promise<Task> {
  const task = await flo.action.awaitTask('', 'w1', ['send'], { blockMs: 0 });
  assert.ok(task !== null, 'a task is handed out');
  return task;
}

// A store with action "send" and one durable pending run (a clean close syncs everything),
// reopened in async mode.
async function oneDurableRun() {
  const fs = new MemFs();
  const clock = new ManualClock(1_700_000_000_000);
  const first = await open(fs, clock, 'sync');
  await first.action.register('', 'send', { timeoutMs: 1000 });
  const runId = await first.action.invoke('', 'send', text('in'));
  await first.close();
  return { fs, clock, runId, flo: await open(fs, clock, 'async') };
}

// Syncs the LSM only, then crashes: the queue journal keeps only what was synced before.
async function crashKeepingLsm(flo: Flo, fs: MemFs, clock: ManualClock): Promise<Flo> {
  for (let i = 0; i < 3; i++) await turn(); // the writers' batches reach the files
  assert.ok(fs.unsyncedFiles().some((path) => path.includes('/actions/queues/')),
    'the queue journal holds unsynced events');
  await flo.kv.db.sync();
  const crashed = fs.crashClone(new SyncedOnly());
  await flo.close();
  const reopened = await open(crashed, clock, 'async');
  reopened.action.checkInvariants();
  return reopened;
}

test('a completed run whose lease and ack were lost is not handed out again (seed 1515708589531)',
  async () => {
    const { fs, clock, runId, flo } = await oneDurableRun();
    const task = await take(flo);
    await flo.action.complete('', task.taskId, text('out'));
    // The LSM keeps the final record; the queue loses the lease and the ack, so the ticket
    // is back to ready and never delivered — a message an ack does not take.
    const reopened = await crashKeepingLsm(flo, fs, clock);
    assert.deepEqual([reopened.action.recovery?.acked, reopened.action.recovery?.activeRuns],
      [1, 0]);
    const status = await reopened.action.status('', runId);
    assert.deepEqual([status.status, new TextDecoder().decode(status.output!)],
      ['completed', 'out']);
    clock.advance(5000);
    assert.equal(await reopened.action.awaitTask('', 'w1', ['send'], { blockMs: 0 }), null);
    await reopened.close();
  });

test('a running record whose lease was lost leaves the run pending; its next task id is new',
  async () => {
    const { fs, clock, runId, flo } = await oneDurableRun();
    const lost = await take(flo);
    const reopened = await crashKeepingLsm(flo, fs, clock);
    const status = await reopened.action.status('', runId);
    assert.deepEqual([status.status, status.attempts, status.taskId], ['pending', 0, null]);
    const task = await take(reopened);
    assert.equal(task.runId, runId);
    assert.equal(task.attempt, 1);
    assert.ok(parseTaskId(task.taskId)!.taskSeq > parseTaskId(lost.taskId)!.taskSeq,
      'task ids never go backwards, also past a record the queue does not match');
    await assert.rejects(reopened.action.complete('', lost.taskId, text('x')), NotFoundError);
    await reopened.action.complete('', task.taskId, text('out'));
    assert.equal((await reopened.action.status('', runId)).status, 'completed');
    await reopened.close();
  });

test('a running record whose ticket was lost shows the run failed, never running or offered',
  async () => {
    const { fs, clock, runId: durableId, flo } = await oneDurableRun();
    // The first enqueue after an open syncs a seq reservation along; the next one is not.
    await flo.action.invoke('', 'send', text('reserves'));
    const runId = await flo.action.invoke('', 'send', text('gone'), { priority: 0 });
    const task = await take(flo);
    assert.equal(task.runId, runId, 'the new run is taken first (priority 0)');
    const reopened = await crashKeepingLsm(flo, fs, clock);
    await assertLost(reopened, runId);
    clock.advance(5000);
    const offered = new Set<string>();
    for (;;) {
      const next = await reopened.action.awaitTask('', 'w1', ['send'], { blockMs: 0 });
      if (next === null) break;
      offered.add(next.runId);
    }
    assert.ok(offered.has(durableId), 'the durable run is offered');
    assert.ok(!offered.has(runId), 'the lost run is never offered');
    const newer = await reopened.action.invoke('', 'send', text('new'));
    assert.ok(parseRunId(newer)! > parseRunId(runId)!, 'run ids are not reused');
    await reopened.close();
  });

test('sync mode: a record fsynced before its ticket leaves an unacknowledged run, shown lost',
  async () => {
    const fs = new MemFs();
    const clock = new ManualClock(1_700_000_000_000);
    const flo = await open(fs, clock, 'sync');
    await flo.action.register('', 'send', { timeoutMs: 1000 });
    await flo.action.invoke('', 'send', text('first'));
    await flo.action.complete('', (await take(flo)).taskId, text('out'));
    // Invoke and take in one turn: the ticket and its lease share one queue fsync, the
    // running record has its own in the LSM. The queue's fsync fails; the LSM's lands.
    // The register comes first so the LSM's batch goes to its log (end of turn) before the
    // queue's batch, whose fsync fails at once here: an fsync failing while the other runs.
    fs.injectFault('sync', '/actions/queues/');
    const registered = flo.action.register('', 'other', { timeoutMs: 1000 });
    const invoke = flo.action.invoke('', 'send', text('in'));
    const taken = flo.action.awaitTask('', 'w1', ['send'], { blockMs: 0 });
    const [invokeResult, takeResult] = await Promise.allSettled([invoke, taken, registered]);
    assert.equal(invokeResult.status, 'rejected', 'the invoke is never acknowledged');
    assert.equal(takeResult.status, 'rejected', 'the task is never revealed');
    await flo.kv.db.sync();
    const crashed = fs.crashClone(new SyncedOnly());
    await flo.close().catch(() => undefined);
    const reopened = await open(crashed, clock, 'sync');
    reopened.action.checkInvariants();
    const runs = (await reopened.action.listRuns('', '')).runs;
    const lost = runs.filter((run) => run.error === lostRunError);
    assert.equal(lost.length, 1, 'the run of the failed invoke is known only by its record');
    await assertLost(reopened, lost[0]!.runId);
    await reopened.close();
  });

// The run is failed with lostRunError in status, in listings (filtered or not), and an
// awaitResult answers at once.
async function assertLost(flo: Flo, runId: string): Promise<void> {
  const status = await flo.action.status('', runId);
  assert.deepEqual([status.status, status.error, status.taskId, status.completedAtMs],
    ['failed', lostRunError, null, null]);
  const all = await flo.action.listRuns('', '');
  assert.equal(all.runs.find((run) => run.runId === runId)?.status, 'failed');
  const running = await flo.action.listRuns('', '', { status: 'running' });
  assert.equal(running.runs.some((run) => run.runId === runId), false);
  const failed = await flo.action.listRuns('', '', { status: 'failed' });
  assert.equal(failed.runs.some((run) => run.runId === runId), true);
  const result = await flo.action.awaitResult('', runId, { blockMs: 60_000 });
  assert.equal(result.status, 'failed');
}
