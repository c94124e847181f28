// Opens the golden actions fixture (fixtures/action/v1, made by
// fixtures/action/generate_action.ts: runs in every status, a worker, three actions) and
// checks what it recovers to exactly — statuses, outputs, errors, attempts, the running task
// and the delayed, labelled run still to come — so a change that cannot read old action
// records or scheduling queues fails here; and that the generator still writes the committed
// bytes, so a silent format change fails too.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../io/clock.ts';
import { MemFs } from '../io/mem_fs.ts';
import { NodeFs } from '../io/node_fs.ts';
import { treeFiles } from '../testing/fixture_tree.ts';
import { copyTree } from '../../fixtures/copy_tree.ts';
import {
  ACTION_FIXTURE_START_MS, openActionFixture, writeActionFixture,
} from '../../fixtures/action/generate_action.ts';

const fixtureDir = new URL('../../fixtures/action/v1', import.meta.url).pathname;
const decoder = new TextDecoder();

// A copy in memory: a test may change it without touching the committed files.
function loadFixtureTree(root: string): MemFs {
  const fs = new MemFs();
  copyTree(new NodeFs(), fixtureDir, fs, root);
  return fs;
}

const at = (deltaMs: number): number => ACTION_FIXTURE_START_MS + deltaMs;

test('the v1 actions fixture recovers every run, action and worker it was written with',
  async () => {
    const clock = new ManualClock(at(700));
    const flo = await openActionFixture(loadFixtureTree('/flo'), clock, '/flo');
    const page = await flo.action.listRuns('', '', { limit: 100 });
    const summary = page.runs.map((run) => [run.runId, run.action, run.status, run.attempts,
      run.output === null ? null : decoder.decode(run.output), run.outcome, run.error]);
    assert.deepEqual(summary, [
      ['run-e', 'notify', 'pending', 0, null, null, null],
      ['run-c', 'notify', 'running', 1, null, null, null],
      ['run-7', 'email', 'cancelled', 0, null, null, 'cancelled'],
      ['run-6', 'email', 'timed_out', 1, null, null, 'timed out'],
      ['run-5', 'resize', 'failed', 2, null, null, 'corrupt image 2'],
      ['run-4', 'resize', 'completed', 1, 'a-small.png', 'resized', null],
    ]);
    const waiting = page.runs[0]!;
    assert.deepEqual([waiting.priority, waiting.labels, waiting.eligibleAtMs],
      [3, { region: 'eu' }, at(5_601)]);
    const running = page.runs[1]!;
    assert.deepEqual([running.taskId, running.workerId, running.deadlineMs],
      ['task-c-d', 'w1', at(60_601)]);
    assert.deepEqual((await flo.action.list('')).actions.map((a) =>
      [a.name, a.timeoutMs, a.maxRetries, a.description]),
    [['notify', 60_000, 3, null], ['resize', 1_000, 1, 'resize an image']]);
    const [worker] = (await flo.worker.list('')).workers;
    assert.deepEqual([worker?.workerId, worker?.metadata, worker?.maxConcurrency],
      ['w1', { region: 'eu' }, 4]);
    // The idempotency key still names its run; the running task can still be completed.
    assert.equal(await flo.action.invoke('', 'resize', new Uint8Array(1),
      { idempotencyKey: 'img-a' }), 'run-4');
    await flo.action.complete('', 'task-c-d', new TextEncoder().encode('pong'));
    assert.equal((await flo.action.status('', 'run-c')).status, 'completed');
    // The delayed run is offered once due, to a worker holding its label.
    clock.advance(5_000);
    const task = await flo.action.awaitTask('', 'w1', ['notify'], { blockMs: 0 });
    assert.deepEqual([task?.runId, task && decoder.decode(task.input)], ['run-e', 'eu only']);
    await flo.close();
  });

test('the actions fixture generator still writes the committed bytes', async () => {
  const committed = loadFixtureTree('/fixture');
  const fs = new MemFs();
  await writeActionFixture(fs, '/regen');
  assert.deepEqual(treeFiles(fs, '/regen'), treeFiles(committed, '/fixture'));
  for (const path of treeFiles(committed, '/fixture')) {
    assert.deepEqual(fs.readFile(`/regen/${path}`), committed.readFile(`/fixture/${path}`),
      `${path} changed`);
  }
});
