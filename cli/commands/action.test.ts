// Tests of `flo action …` and `flo worker list` against a real in-process server, capturing
// the output of main(argv, io): register and list (pages, --max, --json), invoke (text, hex,
// priority, idempotency key, labels) and status through a run's life (completed by a client
// acting as the worker), runs newest first, delete cancelling runs, the worker list, and
// one-line errors with exit code 1 (unknown action or run) or 2 (usage).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FloClient } from '../../client/mod.ts';
import { runFlo as flo, serveForCli as serve } from '../testing/cli_server.ts';

function clientAt(addr: string): FloClient {
  return new FloClient({ port: Number(addr.split(':')[1]) });
}

test('flo action register, list, invoke and status through a run\'s life', async (t) => {
  const addr = await serve(t);
  assert.deepEqual(await flo(addr, 'action', 'register', 'resize', '--timeout-ms', '5000',
    '--max-retries', '1', '--description', 'make images small'),
  { code: 0, stdout: 'registered resize\n', stderr: '' });
  await flo(addr, 'action', 'register', 'zip');
  const list = await flo(addr, 'action', 'list');
  assert.match(list.stdout, /^action\s+timeout_ms\s+max_retries\s+description$/m);
  assert.match(list.stdout, /^resize\s+5000\s+1\s+make images small$/m);
  assert.match(list.stdout, /^zip\s+30000\s+3$/m);
  const paged = JSON.parse((await flo(addr, 'action', 'list', '--limit', '1', '--json')).stdout);
  assert.deepEqual(paged.map((a: { name: string }) => a.name), ['resize', 'zip'], 'both pages');
  assert.equal(JSON.parse((await flo(addr, 'action', 'list', 'z', '--json')).stdout).length, 1);
  const invoked = await flo(addr, 'action', 'invoke', 'resize', '{"w":64}');
  assert.equal(invoked.code, 0);
  const runId = invoked.stdout.trim();
  assert.match(runId, /^[A-Za-z][A-Za-z0-9._:-]{2,127}$/);
  const pending = await flo(addr, 'action', 'status', runId);
  assert.match(pending.stdout, new RegExp(`^run\\s+${runId}$`, 'm'));
  assert.match(pending.stdout, /^status\s+pending$/m);
  assert.match(pending.stdout, /^started\s+-$/m);
  const client = clientAt(addr);
  t.after(() => client.close());
  const task = await client.action.awaitTask('w1', ['resize'], { blockMs: 0 });
  assert.equal(Buffer.from(task!.input).toString(), '{"w":64}');
  await client.action.complete('w1', 'resize', task!.taskId, 'small.png');
  const done = JSON.parse((await flo(addr, 'action', 'status', runId, '--json')).stdout);
  assert.deepEqual([done.runId, done.status, done.output, done.error, done.retryCount],
    [runId, 'completed', { utf8: 'small.png' }, null, 0]);
  assert.match((await flo(addr, 'action', 'status', runId)).stdout, /^output\s+"small.png"$/m);
});

test('flo action invoke options, runs and delete', async (t) => {
  const addr = await serve(t);
  await flo(addr, 'action', 'register', 'job');
  const first = (await flo(addr, 'action', 'invoke', 'job', '00ff', '--hex')).stdout.trim();
  const keyed = (await flo(addr, 'action', 'invoke', 'job', 'x', '--idempotency-key', 'k',
    '--priority', '1')).stdout.trim();
  assert.equal((await flo(addr, 'action', 'invoke', 'job', 'y', '--idempotency-key', 'k'))
    .stdout.trim(), keyed, 'the same key returns the same run');
  const labelled = (await flo(addr, 'action', 'invoke', 'job', '--labels', '{"gpu":true}'))
    .stdout.trim();
  const client = clientAt(addr);
  t.after(() => client.close());
  const task = await client.action.awaitTask('w', ['job'], { blockMs: 0 });
  assert.equal(Buffer.from(task!.input).toString(), 'x', 'priority 1 runs first');
  const second = await client.action.awaitTask('w', ['job'], { blockMs: 0 });
  assert.deepEqual([...second!.input], [0x00, 0xff], '--hex input');
  assert.equal(await client.action.awaitTask('w', ['job'], { blockMs: 0 }), null,
    'the labelled run waits for a gpu worker');
  const runs = JSON.parse((await flo(addr, 'action', 'runs', 'job', '--json')).stdout);
  assert.deepEqual(runs.map((r: { runId: string; status: string }) => [r.runId, r.status]),
    [[labelled, 'pending'], [keyed, 'running'], [first, 'running']]);
  assert.equal((await flo(addr, 'action', 'runs', '--max', '1')).stdout.split('\n').length, 3,
    'a header and one run');
  assert.equal((await flo(addr, 'action', 'delete', 'job')).stdout, 'deleted\n');
  assert.match((await flo(addr, 'action', 'status', labelled)).stdout, /^status\s+cancelled$/m);
  assert.match((await flo(addr, 'action', 'status', labelled)).stdout, /^error\s+cancelled$/m);
  assert.equal((await flo(addr, 'action', 'runs', 'none')).stdout, '(no runs)\n');
});

test('flo worker list shows registered workers', async (t) => {
  const addr = await serve(t);
  assert.equal((await flo(addr, 'worker', 'list')).stdout, '(no workers)\n');
  const client = clientAt(addr);
  t.after(() => client.close());
  await client.worker.register('w-1', { maxConcurrency: 4,
    processes: [{ name: 'resize', kind: 'action' }, { name: 'events', kind: 'stream' }] });
  await client.worker.heartbeat('w-1', 2);
  const list = await flo(addr, 'worker', 'list');
  assert.match(list.stdout, /^worker\s+type\s+status\s+load\s+last_seen\s+processes$/m);
  assert.match(list.stdout, /^w-1\s+action\s+active\s+2\/4\s+\S+\s+resize, events \(stream\)$/m);
  const json = JSON.parse((await flo(addr, 'worker', 'list', '--json')).stdout);
  assert.deepEqual([json[0].workerId, json[0].currentLoad], ['w-1', 2]);
});

test('flo action errors: one line, exit code 1; bad arguments exit code 2', async (t) => {
  const addr = await serve(t);
  const missing = await flo(addr, 'action', 'invoke', 'nope');
  assert.deepEqual([missing.code, missing.stdout], [1, '']);
  assert.match(missing.stderr, /^flo: action not found.*\(NOT_FOUND\)\n$/);
  const run = await flo(addr, 'action', 'status', 'run-zzz');
  assert.equal(run.code, 1);
  assert.match(run.stderr, /\(NOT_FOUND\)\n$/);
  assert.equal((await flo(addr, 'action', 'delete', 'nope')).code, 1);
  const labels = await flo(addr, 'action', 'invoke', 'x', '--labels', '[1]');
  assert.equal(labels.code, 2);
  assert.match(labels.stderr, /expected a JSON object/);
  assert.equal((await flo(addr, 'action', 'register', 'x', '--timeout-ms', 'soon')).code, 2);
});
