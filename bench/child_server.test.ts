// Tests of child_server.ts: a server is ready when its output says so (port from the line or
// given), stop() ends it, one that exits before it is ready rejects with what it printed, and
// findExecutable looks through the directories of a search path only.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { delimiter, dirname } from 'node:path';
import {
  cpuMicrosOf, findExecutable, freePort, peakRssOf, startChildServer,
} from './child_server.ts';

// A stand-in server: prints its ready line on stderr after a little chatter, then waits.
const SERVER = `process.stdout.write('starting\\n');
setTimeout(() => process.stderr.write('listening on 127.0.0.1:4321, ready\\n'), 50);
setInterval(() => {}, 1000);`;

test('startChildServer resolves on the ready line, with its port, and stop ends it', async () => {
  const server = await startChildServer({ name: 'stand-in', command: process.execPath,
    args: ['-e', SERVER], ready: /listening on 127\.0\.0\.1:(\d+), ready/ });
  assert.equal(server.port, 4321);
  if (process.platform === 'linux') {
    assert.ok(server.peakRssBytes()! > 1 << 20);
    // Starting Node takes some CPU; this test's own process has used more than a tick too.
    assert.ok(server.cpuMicros()! > 0);
    const own = cpuMicrosOf(process.pid)!;
    const { user, system } = process.cpuUsage();
    assert.ok(Math.abs(own - (user + system)) < 50_000, `${own} µs against ${user + system}`);
  }
  const code = await server.stop();
  assert.equal(code, null, 'ended by SIGTERM');
  assert.equal(peakRssOf(server.pid), null, 'the process is gone');
  assert.equal(cpuMicrosOf(server.pid), null);
  assert.equal(await server.stop(), null, 'a second stop is harmless');
});

test('startChildServer takes the given port when the ready line names none', async () => {
  const port = await freePort();
  assert.ok(port > 0 && port < 65536);
  const server = await startChildServer({ name: 'stand-in', command: process.execPath,
    args: ['-e', SERVER], ready: /ready/, port });
  assert.equal(server.port, port);
  await server.stop();
});

test('a server that exits before it is ready rejects with its exit code and output', async () => {
  await assert.rejects(startChildServer({ name: 'broken', command: process.execPath,
    args: ['-e', 'console.error("bad config line 3"); process.exit(2)'], ready: /ready/ }),
  /^Error: broken exited with 2: bad config line 3/);
  await assert.rejects(startChildServer({ name: 'absent', command: '/no/such/server',
    args: [], ready: /ready/ }), /absent (could not start|exited)/);
});

test('findExecutable searches only the directories it is given', () => {
  assert.equal(findExecutable('node', dirname(process.execPath)), process.execPath);
  assert.equal(findExecutable('node', ['', '/no/such/dir'].join(delimiter)), null);
  assert.equal(findExecutable('no-such-server-here', dirname(process.execPath)), null);
});
