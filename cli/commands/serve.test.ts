// `flo serve` as a child process (bin/flo.js), as an operator runs it: on port 0 it prints
// the bound ports in its start-up line; PING answers over TCP; /health and /metrics answer
// over HTTP; SIGTERM shuts it down with exit code 0; a second server on the same data
// directory fails with one line naming the lock. Every wait is bounded; only the children
// started here are killed.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import { RawPeer, requestBytes } from '../../server/testing/raw_peer.ts';
import { OpCode, Status } from '../../server/mod.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'flo.js');
const START_LINE =
  /serving on 127\.0\.0\.1:(\d+), http 127\.0\.0\.1:(\d+), data dir (.+), durability (\w+)/;

interface Child {
  process: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

function spawnFlo(t: TestContext, args: string[], env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, [bin, 'serve', '--listen', '127.0.0.1:0',
    '--http', '127.0.0.1:0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const result: Child = {
    process: child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  child.stdout!.on('data', (chunk: Buffer) => (result.stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (result.stderr += chunk.toString('utf8')));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return result;
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for the start-up line; returns the two ports. */
async function started(child: Child): Promise<{ port: number; httpPort: number; line: string }> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const match = START_LINE.exec(child.stdout);
    if (match !== null) {
      return { port: Number(match[1]), httpPort: Number(match[2]), line: match[0] };
    }
    if (child.process.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no start-up line; stdout ${child.stdout} stderr ${child.stderr}`);
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'flo-serve-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('flo serve answers PING, /health and /metrics, and exits 0 on SIGTERM', async (t) => {
  const dir = tempDir(t);
  const child = spawnFlo(t, [], { FLO_DATA_DIR: join(dir, 'data') });
  const { port, httpPort, line } = await started(child);
  assert.ok(line.endsWith(`data dir ${JSON.stringify(join(dir, 'data'))}, durability sync`));
  const raw = await RawPeer.connect(port);
  t.after(() => raw.destroy());
  raw.write(requestBytes(OpCode.PING, { id: 1, emptyPayload: true }));
  const pong = await raw.next(5_000);
  assert.equal(pong.status, Status.OK);
  const health = await fetch(`http://127.0.0.1:${httpPort}/health`, {
    signal: AbortSignal.timeout(5_000),
  });
  assert.equal(health.status, 200);
  const body = await health.json() as { ready: boolean; dataDir: string };
  assert.equal(body.ready, true);
  assert.equal(body.dataDir, join(dir, 'data'));
  const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`, {
    signal: AbortSignal.timeout(5_000),
  })).text();
  assert.match(metrics, /^flo_requests_total\{op="PING",status="OK"\} 1$/m);
  raw.destroy();
  child.process.kill('SIGTERM');
  assert.equal(await within(child.exited, 10_000, 'exit after SIGTERM'), 0, child.stderr);
  assert.match(child.stdout, /SIGTERM received, shutting down\nflo: stopped\n$/);
  assert.equal(child.stderr, '');
});

test('a second flo serve on the same data directory fails with one line', async (t) => {
  const dir = tempDir(t);
  const first = spawnFlo(t, ['--data-dir', dir]);
  await started(first);
  const second = spawnFlo(t, ['--data-dir', dir]);
  const code = await within(second.exited, 20_000, 'second server exit');
  assert.equal(code, 1);
  assert.equal(second.stdout, '');
  assert.match(second.stderr,
    /^flo serve: cannot open data dir ".*": Cannot lock ".*LOCK": held by running process \d+\n$/);
  first.process.kill('SIGINT');
  assert.equal(await within(first.exited, 10_000, 'exit after SIGINT'), 0, first.stderr);
});

test('flo serve --dev runs in memory, with the auth and node id it was given', async (t) => {
  const dir = tempDir(t);
  const child = spawnFlo(t, ['--dev', '--data-dir', join(dir, 'never'), '--auth-token', 's3cret'],
    { FLO_NODE_ID: 'edge-7' });
  const { port, line } = await started(child);
  assert.ok(line.endsWith('data dir (memory), durability memory'), line);
  const raw = await RawPeer.connect(port);
  t.after(() => raw.destroy());
  raw.write(requestBytes(OpCode.NAMESPACE_LIST, { id: 1 }));
  assert.equal((await raw.next(5_000)).status, Status.UNAUTHORIZED);
  raw.write(requestBytes(OpCode.AUTH, { id: 2, value: 's3cret' }));
  assert.equal((await raw.next(5_000)).status, Status.OK);
  raw.write(requestBytes(OpCode.CLUSTER_STATUS, { id: 3 }));
  const status = JSON.parse(Buffer.from((await raw.next(5_000)).body).toString()) as
    { node_id: string };
  assert.equal(status.node_id, 'edge-7');
  raw.destroy();
  child.process.kill('SIGTERM');
  assert.equal(await within(child.exited, 10_000, 'exit after SIGTERM'), 0);
  assert.throws(() => rmSync(join(dir, 'never')), /ENOENT/);
});
