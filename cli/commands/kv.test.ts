// Tests of `flo kv …` against a real in-process server (startFloServer over an in-memory
// engine), capturing the output of main(argv, io): put with --ttl, --cas, --nx, --xx and
// --hex; get (text, hex, JSON, --block-ms); del; scan over several pages, --max and
// --keys-only; history; incr with negative deltas; exists; touch and persist; namespaces;
// one-line errors with exit code 1 (missing keys, conflicts) or 2 (usage); help texts; and
// the exit code and error line of a real `flo` process.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../main.ts';
import { collectingIo } from '../output.ts';
import { runFlo as flo, serveForCli as serve } from '../testing/cli_server.ts';

test('flo kv put, get, exists, del and the put conditions', async (t) => {
  const addr = await serve(t);
  assert.deepEqual(await flo(addr, 'kv', 'put', 'greeting', 'hello'),
    { code: 0, stdout: '1\n', stderr: '' });
  assert.equal((await flo(addr, 'kv', 'get', 'greeting')).stdout, 'hello\n');
  const json = await flo(addr, 'kv', 'get', 'greeting', '--json');
  assert.deepEqual(JSON.parse(json.stdout), { key: 'greeting', version: 1,
    value: { utf8: 'hello' } });
  assert.equal((await flo(addr, 'kv', 'put', 'bin', '00ff', '--hex')).stdout, '2\n');
  assert.equal((await flo(addr, 'kv', 'get', 'bin')).stdout, '0x00ff\n');
  const nx = await flo(addr, 'kv', 'put', 'greeting', 'again', '--nx');
  assert.equal(nx.code, 1);
  assert.match(nx.stderr, /^flo: .*\(CONFLICT\)\n$/);
  assert.equal((await flo(addr, 'kv', 'put', 'absent', 'x', '--xx')).code, 1);
  assert.equal((await flo(addr, 'kv', 'put', 'greeting', 'hi', '--cas', '1')).stdout, '3\n');
  const cas = await flo(addr, 'kv', 'put', 'greeting', 'no', '--cas', '1');
  assert.deepEqual([cas.code, cas.stderr], [1, 'flo: cas version mismatch (CONFLICT)\n']);
  assert.equal((await flo(addr, 'kv', 'exists', 'greeting')).stdout, 'exists, version 3\n');
  assert.deepEqual(JSON.parse((await flo(addr, 'kv', 'exists', 'nope', '--json')).stdout),
    { key: 'nope', exists: false, version: 0 });
  assert.equal((await flo(addr, 'kv', 'del', 'greeting', '--cas', '3')).stdout, 'deleted\n');
  const missing = await flo(addr, 'kv', 'get', 'greeting');
  assert.deepEqual([missing.code, missing.stdout, missing.stderr],
    [1, '', 'flo: key not found: "greeting"\n']);
  assert.equal((await flo(addr, 'kv', 'del', 'greeting')).code, 1);
  assert.equal((await flo(addr, 'kv', 'get', 'later', '--block-ms', '20')).code, 1,
    'a wait that ends without a value is a missing key');
});

test('flo kv scan walks every page; --max, --keys-only and --namespace', async (t) => {
  const addr = await serve(t);
  for (const key of ['b', 'a', 'c', 'd']) await flo(addr, 'kv', 'put', `k:${key}`, key);
  await flo(addr, 'kv', 'put', 'other', 'x');
  await flo(addr, 'kv', 'put', 'k:z', 'elsewhere', '--namespace', 'tenant');
  const scan = await flo(addr, 'kv', 'scan', 'k:', '--limit', '3');
  assert.match(scan.stdout, /^key\s+value$/m);
  assert.deepEqual([...scan.stdout.matchAll(/^(k:\w)\s+"(\w)"$/gm)].map((m) => m[1]),
    ['k:a', 'k:b', 'k:c', 'k:d'], 'both pages were fetched');
  assert.equal((await flo(addr, 'kv', 'scan', '--keys-only', '--max', '2')).stdout,
    'k:a\nk:b\n');
  const json = await flo(addr, 'kv', 'scan', 'k:', '--json', '--namespace', 'tenant');
  assert.deepEqual(JSON.parse(json.stdout), [{ key: 'k:z', value: { utf8: 'elsewhere' } }]);
  assert.equal((await flo(addr, 'kv', 'scan', 'none')).stdout, '(no keys)\n');
});

test('flo kv history, incr, touch and persist', async (t) => {
  const addr = await serve(t);
  for (const value of ['one', 'two']) await flo(addr, 'kv', 'put', 'h', value);
  const history = await flo(addr, 'kv', 'history', 'h');
  assert.match(history.stdout, /^version\s+written\s+value\n2\s+\S+Z\s+"two"\n1\s+\S+Z\s+"one"\n$/);
  assert.equal((JSON.parse((await flo(addr, 'kv', 'history', 'h', '--limit', '1', '--json'))
    .stdout) as unknown[]).length, 1);
  assert.equal((await flo(addr, 'kv', 'history', 'none')).code, 1);
  assert.equal((await flo(addr, 'kv', 'incr', 'n')).stdout, '1\n');
  assert.equal((await flo(addr, 'kv', 'incr', 'n', '-5')).stdout, '-4\n');
  assert.deepEqual(JSON.parse((await flo(addr, 'kv', 'incr', 'n', '10', '--json')).stdout),
    { key: 'n', version: 5, value: '6' });
  const notCounter = await flo(addr, 'kv', 'incr', 'h');
  assert.deepEqual([notCounter.code, notCounter.stderr],
    [1, 'flo: value is not a counter (BAD_REQUEST)\n']);
  const badDelta = await flo(addr, 'kv', 'incr', 'n', '1.5');
  assert.equal(badDelta.code, 2);
  assert.match(badDelta.stderr, /expected an integer delta/);
  assert.equal((await flo(addr, 'kv', 'put', 'ttl', 'v', '--ttl', '60000')).code, 0);
  assert.equal((await flo(addr, 'kv', 'touch', 'ttl', '0')).stdout, 'ok\n');
  assert.equal((await flo(addr, 'kv', 'persist', 'ttl', '--cas', '6')).stdout, 'ok\n');
  const touchMissing = await flo(addr, 'kv', 'touch', 'gone', '100');
  assert.deepEqual([touchMissing.code, touchMissing.stderr],
    [1, 'flo: key not found: "gone"\n']);
  assert.equal((await flo(addr, 'kv', 'touch', 'ttl', 'soon')).code, 2);
  const reserved = await flo(addr, 'kv', 'get', '_sys:x');
  assert.deepEqual([reserved.code, reserved.stderr],
    [1, 'flo: reserved key prefix (UNAUTHORIZED)\n']);
});

test('flo kv --help lists the subcommands with their descriptions', async () => {
  const io = collectingIo();
  await main(['node', 'flo', 'kv', '--help'], io);
  for (const name of ['get', 'put', 'del', 'scan', 'history', 'incr', 'exists', 'touch',
    'persist']) {
    assert.match(io.stdout, new RegExp(`^\\s+${name}\\b.*\\S`, 'm'), name);
  }
  const put = collectingIo();
  await main(['node', 'flo', 'kv', 'put', '--help'], put);
  assert.match(put.stdout, /--ttl <ms>/);
  assert.match(put.stdout, /--cas <version>/);
});

// Run as a real process, not through main(): only then does the process's end show (an
// unsettled await at exit is code 13 and swallows the error line).
function floProcess(addr: string, ...args: string[]) {
  const bin = join(import.meta.dirname, '..', '..', 'bin', 'flo.js');
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args, '--addr', addr]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('the flo process exits 0 after a command and 1 with its error line', async (t) => {
  const addr = await serve(t);
  assert.deepEqual(await floProcess(addr, 'kv', 'put', 'k', 'v'),
    { code: 0, stdout: '1\n', stderr: '' });
  assert.deepEqual(await floProcess(addr, 'kv', 'get', 'k'),
    { code: 0, stdout: 'v\n', stderr: '' });
  assert.deepEqual(await floProcess(addr, 'kv', 'get', 'nope'),
    { code: 1, stdout: '', stderr: 'flo: key not found: "nope"\n' });
});
