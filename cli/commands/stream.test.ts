// Tests of `flo stream …` and `flo stream group …` against a real in-process server,
// capturing main(argv, io): create, append (headers, partition), read (ranges, JSON), tail
// and tail --follow (stopped by the io's signal), info, list, trim, delete; group create,
// read (also a pattern), pending, ack, nack, claim, info and delete; errors and exit codes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../main.ts';
import { collectingIo } from '../output.ts';
import { runFlo, serveForCli } from '../testing/cli_server.ts';

const serve = serveForCli;
const flo = runFlo;

test('flo stream create, append, read, info, list, trim and delete', async (t) => {
  const addr = await serve(t);
  assert.equal((await flo(addr, 'stream', 'create', 'events', '--partitions', '2',
    '--retention-count', '100')).stdout, 'ok\n');
  const appended = await flo(addr, 'stream', 'append', 'events', 'a', 'b', '--header',
    'type=created', '--partition', '1');
  assert.match(appended.stdout, /^\d+-1\n$/);
  await flo(addr, 'stream', 'append', 'events', 'c');
  const read = await flo(addr, 'stream', 'read', 'events');
  assert.match(read.stdout, /^id\s+time\s+partition\s+headers\s+payload$/m);
  assert.match(read.stdout, /^\d+-1\s+\S+Z\s+1\s+"type"="created"\s+"a"$/m);
  assert.match(read.stdout, /^\d+-3\s+\S+Z\s+0\s+"c"$/m);
  const ranged = await flo(addr, 'stream', 'read', 'events', '--from', '2', '--to', '2',
    '--json');
  const records = JSON.parse(ranged.stdout) as Array<{ sequence: number; payload: unknown;
    headers: unknown }>;
  assert.deepEqual(records.map((r) => [r.sequence, r.payload, r.headers]),
    [[2, { utf8: 'b' }, [[{ utf8: 'type' }, { utf8: 'created' }]]]]);
  const info = await flo(addr, 'stream', 'info', 'events', '--json');
  assert.deepEqual((({ count, partitionCount, retentionCount }) =>
    ({ count, partitionCount, retentionCount }))(JSON.parse(info.stdout)),
  { count: 3, partitionCount: 2, retentionCount: 100 });
  await flo(addr, 'stream', 'append', 'audit', 'x');
  const list = await flo(addr, 'stream', 'list', '--limit', '1');
  assert.match(list.stdout, /^audit\s+1$/m);
  assert.match(list.stdout, /^events\s+2$/m);
  assert.equal((await flo(addr, 'stream', 'trim', 'events', '--keep', '1', '--dry-run')).stdout,
    'would remove 2, first sequence left 3\n');
  assert.equal((await flo(addr, 'stream', 'trim', 'events', '--before', '3')).stdout,
    'removed 2, first sequence left 3\n');
  const notEmpty = await flo(addr, 'stream', 'delete', 'events');
  assert.equal(notEmpty.code, 1);
  assert.match(notEmpty.stderr, /^flo: stream is not empty: "events" \(CONFLICT\)\n$/);
  assert.equal((await flo(addr, 'stream', 'delete', 'events', '--force')).code, 0);
  const missing = await flo(addr, 'stream', 'info', 'events');
  assert.deepEqual([missing.code, /NOT_FOUND/.test(missing.stderr)], [1, true]);
});

test('flo stream tail shows the newest records; --follow prints new ones until stopped',
  async (t) => {
    const addr = await serve(t);
    for (const payload of ['1', '2', '3', '4']) await flo(addr, 'stream', 'append', 's', payload);
    const last = await flo(addr, 'stream', 'tail', 's', '--count', '2');
    assert.deepEqual(last.stdout.split('\n').slice(1, -1).map((line) => line.split(/\s+/).at(-1)),
      ['"3"', '"4"']);
    const io = collectingIo();
    const controller = new AbortController();
    io.signal = controller.signal;
    const following = main(['node', 'flo', 'stream', 'tail', 's', '--count', '1', '--follow',
      '--json', '--addr', addr], io);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await flo(addr, 'stream', 'append', 's', '5', '6');
    for (let tries = 0; io.stdout.split('\n').length < 4 && tries < 200; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    controller.abort();
    assert.equal(await following, 0, 'stopping ends the wait at once');
    const lines = io.stdout.trim().split('\n').map((line) => JSON.parse(line) as
      { sequence: number });
    assert.deepEqual(lines.map((line) => line.sequence).slice(0, 3), [4, 5, 6]);
  });

test('flo stream group create, read, pending, nack, ack, claim, info and delete',
  async (t) => {
    const addr = await serve(t);
    for (const payload of ['a', 'b', 'c']) await flo(addr, 'stream', 'append', 's', payload);
    assert.equal((await flo(addr, 'stream', 'group', 'create', 's', 'g', '--max-deliver', '5'))
      .stdout, 'ok\n');
    const read = await flo(addr, 'stream', 'group', 'read', 's', 'g', 'alice', '--count', '2');
    assert.match(read.stdout, /^\d+-1\s+\S+\s+0\s+"a"$/m);
    assert.match(read.stdout, /^\d+-2\s+\S+\s+0\s+"b"$/m);
    const pending = await flo(addr, 'stream', 'group', 'pending', 's', 'g');
    assert.match(pending.stdout, /^\d+-1\s+1\s+alice$/m);
    assert.equal((await flo(addr, 'stream', 'group', 'nack', 's', 'g', '2')).stdout, 'ok\n');
    assert.equal((await flo(addr, 'stream', 'group', 'ack', 's', 'g', '1')).stdout, 'ok\n');
    const bob = await flo(addr, 'stream', 'group', 'read', 's', 'g', 'bob', '--count', '5',
      '--json');
    assert.deepEqual((JSON.parse(bob.stdout) as Array<{ sequence: number }>)
      .map((r) => r.sequence), [2, 3]);
    const claim = await flo(addr, 'stream', 'group', 'claim', 's', 'g', 'bob');
    assert.match(claim.stdout, /end of the pending list\n$/);
    const info = await flo(addr, 'stream', 'group', 'info', 's', 'g');
    assert.match(info.stdout, /^pending\s+2$/m);
    assert.match(info.stdout, /^max deliver\s+5$/m);
    assert.match(info.stdout, /^bob\s+2\s+\d+$/m);
    await flo(addr, 'stream', 'append', 'orders.eu', 'eu');
    await flo(addr, 'stream', 'append', 'orders.us', 'us');
    const pattern = await flo(addr, 'stream', 'group', 'read', 'orders.*', 'g', 'c', '--count',
      '10');
    assert.match(pattern.stdout, /^stream\s+id/m);
    assert.match(pattern.stdout, /^orders\.eu\s+\d+-1/m);
    assert.match(pattern.stdout, /^orders\.us\s+\d+-1/m);
    assert.equal((await flo(addr, 'stream', 'group', 'delete', 's', 'g')).stdout, 'ok\n');
    const gone = await flo(addr, 'stream', 'group', 'info', 's', 'g');
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /^flo: group "g" not found \(NOT_FOUND\)\n$/);
    const badId = await flo(addr, 'stream', 'group', 'ack', 's', 'g', 'x-1');
    assert.deepEqual([badId.code, badId.stderr],
      [2, 'flo: expected SEQ or TIMESTAMP_MS-SEQ, got "x-1"\n']);
  });
