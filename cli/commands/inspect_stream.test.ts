// Tests of `flo inspect stream` on the golden stream fixture and on a damaged copy: the
// summary names partitions and groups with lag and pending, JSON is exact, a missing stream
// and damage are reported with exit code 1.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../main.ts';
import { collectingIo } from '../output.ts';

const fixture = new URL('../../fixtures/stream/v1/', import.meta.url).pathname;

async function run(...args: string[]) {
  const io = collectingIo();
  const code = await main(['node', 'flo', ...args], io);
  return { code, ...io };
}

test('flo inspect stream summarizes partitions and groups with lag and pending', async () => {
  const result = await run('inspect', 'stream', fixture, 'orders');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /stream "orders" \(namespace "default"\)/);
  assert.match(result.stdout, /2 partitions, retention: records 1000/);
  assert.match(result.stdout, /^1\s+1\s+5\s+2-6\s+\d+\s+ok$/m);
  assert.match(result.stdout, /^billing\s+6\s+1\s+2\s+2\s+1000\s+2\s+a \(1\), b \(0\)$/m);
});

test('flo inspect stream --json is parseable; other namespaces need --namespace', async () => {
  const json = await run('inspect', 'stream', fixture, 'audit', '--namespace', 'tenant',
    '--json');
  assert.equal(json.code, 0, json.stderr);
  const parsed = JSON.parse(json.stdout) as { partitions: Array<{ records: number }> };
  assert.equal(parsed.partitions[0]!.records, 1);
  const missing = await run('inspect', 'stream', fixture, 'audit');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no stream "audit" in namespace "default"/);
});

test('flo inspect stream reports a damaged partition segment with exit code 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flo-inspect-stream-'));
  try {
    cpSync(fixture, dir, { recursive: true });
    const segment = join(dir, '0000000001', 'partition-0001', '00000000000000000000.seg');
    const bytes = readFileSync(segment);
    bytes[bytes.length - 3] ^= 0xff;
    writeFileSync(segment, bytes);
    const result = await run('inspect', 'stream', dir, 'orders');
    assert.equal(result.code, 1);
    assert.match(result.stdout, /checksum mismatch/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
