// Tests of `flo queue …` against a real in-process server (startFloServer over an in-memory
// engine), capturing the output of main(argv, io): enqueue (one, batch, options), dequeue,
// peek, ack, nack to the DLQ, dlq list/requeue/delete, stats, purge and list, in text and
// JSON; one-line errors with their exit codes; and help texts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../main.ts';
import { collectingIo } from '../output.ts';
import { runFlo, serveForCli } from '../testing/cli_server.ts';

const serve = serveForCli;
const flo = runFlo;

test('flo queue enqueue, peek, dequeue, ack and stats work against a server', async (t) => {
  const addr = await serve(t);
  const one = await flo(addr, 'queue', 'enqueue', 'jobs', 'hello');
  assert.deepEqual([one.code, one.stdout, one.stderr], [0, '1\n', '']);
  assert.equal((await flo(addr, 'queue', 'enqueue', 'jobs', 'a', 'b', '--priority', '3'))
    .stdout, '2\n3\n');
  assert.equal((await flo(addr, 'queue', 'enqueue', 'jobs', '00ff', '--hex')).stdout, '4\n');
  const peek = await flo(addr, 'queue', 'peek', 'jobs', '--count', '10');
  assert.match(peek.stdout, /^seq\s+deliveries\s+priority\s+enqueued\s+payload$/m);
  assert.match(peek.stdout, /^1\s+0\s+0\s+\S+Z\s+"hello"$/m);
  assert.match(peek.stdout, /^4\s+0\s+0\s+\S+\s+0x00ff$/m);
  const leased = await flo(addr, 'queue', 'dequeue', 'jobs', '--count', '2', '--json');
  const messages = JSON.parse(leased.stdout) as Array<{ seq: number; deliveryCount: number;
    payload: unknown }>;
  assert.deepEqual(messages.map((m) => [m.seq, m.deliveryCount, m.payload]),
    [[1, 1, { utf8: 'hello' }], [4, 1, { hex: '00ff' }]]);
  assert.equal((await flo(addr, 'queue', 'ack', 'jobs', '1', '4')).stdout, 'ok\n');
  const stats = await flo(addr, 'queue', 'stats', 'jobs', '--json');
  assert.deepEqual(JSON.parse(stats.stdout), { enqueued: 4, dequeued: 2, acked: 2, nacked: 0,
    dlqTotal: 0, leasesExpired: 0, ready: 2, leased: 0, dlqCurrent: 0 });
  assert.match((await flo(addr, 'queue', 'stats', 'jobs')).stdout, /^acked\s+2$/m);
  const empty = await flo(addr, 'queue', 'dequeue', 'nothing', '--block-ms', '20');
  assert.deepEqual([empty.code, empty.stdout], [0, '(no messages)\n']);
});

test('flo queue nack --dlq, dlq list, requeue and delete, purge and list', async (t) => {
  const addr = await serve(t);
  await flo(addr, 'queue', 'enqueue', 'jobs', 'x', 'y', 'z');
  await flo(addr, 'queue', 'dequeue', 'jobs', '--count', '3');
  assert.equal((await flo(addr, 'queue', 'nack', 'jobs', '1', '2', '--dlq')).code, 0);
  assert.equal((await flo(addr, 'queue', 'nack', 'jobs', '3', '--delay-ms', '60000')).code, 0);
  const dlq = await flo(addr, 'queue', 'dlq', 'list', 'jobs');
  assert.match(dlq.stdout, /^1\s+1\s+0\s+\S+\s+"x"$/m);
  assert.match(dlq.stdout, /^2\s+1\s+0\s+\S+\s+"y"$/m);
  await flo(addr, 'queue', 'dlq', 'requeue', 'jobs', '1');
  await flo(addr, 'queue', 'dlq', 'delete', 'jobs', '2');
  assert.deepEqual(JSON.parse((await flo(addr, 'queue', 'dlq', 'list', 'jobs', '--json'))
    .stdout), []);
  await flo(addr, 'queue', 'enqueue', 'mail', 'm', '--namespace', 'other');
  await flo(addr, 'queue', 'enqueue', 'alerts', 'a');
  const list = await flo(addr, 'queue', 'list', '--limit', '1');
  assert.match(list.stdout, /^queue\s+pending\s+available\s+enqueued\s+dequeued\s+dlq$/m);
  assert.match(list.stdout, /^alerts\s+1\s+1\s+1\s+0\s+0$/m);
  assert.match(list.stdout, /^jobs\s+2\s+1\s+3\s+3\s+0$/m, 'both pages were fetched');
  assert.doesNotMatch(list.stdout, /mail/);
  assert.equal((await flo(addr, 'queue', 'purge', 'jobs')).stdout, 'removed 2\n');
  const other = await flo(addr, 'queue', 'list', '--namespace', 'other', '--json');
  assert.deepEqual((JSON.parse(other.stdout) as Array<{ name: string }>).map((q) => q.name),
    ['mail']);
});

test('flo queue errors are one line with a non-zero exit code', async (t) => {
  const addr = await serve(t);
  const bad = await flo(addr, 'queue', 'enqueue', 'jobs', 'x', '--delay-ms', '2592000001');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^flo: .*delayMs.*\(BAD_REQUEST\)\n$/);
  const local = await flo(addr, 'queue', 'enqueue', 'jobs', 'x', '--priority', '300');
  assert.deepEqual([local.code, local.stderr], [1,
    'flo: option 0x10 (priority) value 300 does not fit 1 bytes\n']);
  const notInt = await flo(addr, 'queue', 'ack', 'jobs', 'abc');
  assert.equal(notInt.code, 2);
  assert.match(notInt.stderr, /^flo: expected a non-negative integer, got "abc"\n$/);
  const badAddr = await flo('nowhere', 'queue', 'stats', 'jobs');
  assert.deepEqual([badAddr.code, badAddr.stderr.split('\n').length], [2, 2]);
  assert.match(badAddr.stderr, /invalid --addr "nowhere"/);
  const down = await flo('127.0.0.1:1', 'queue', 'stats', 'jobs');
  assert.equal(down.code, 1);
  assert.match(down.stderr, /^flo: .*(ECONNREFUSED|connect).*\n$/);
  const usage = await flo(addr, 'queue', 'enqueue');
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /missing required argument 'queue'/);
});

test('flo queue --help lists the subcommands with their descriptions', async () => {
  const io = collectingIo();
  await main(['node', 'flo', 'queue', '--help'], io);
  for (const name of ['enqueue', 'dequeue', 'peek', 'ack', 'nack', 'stats', 'purge', 'list',
    'dlq']) {
    assert.match(io.stdout, new RegExp(`^\\s+${name}\\b.*\\S`, 'm'), name);
  }
  const enqueue = collectingIo();
  await main(['node', 'flo', 'queue', 'enqueue', '--help'], enqueue);
  assert.match(enqueue.stdout,
    /--addr <host:port>\s+server address \(default: "127\.0\.0\.1:9000", env: FLO_ADDR\)/);
});
