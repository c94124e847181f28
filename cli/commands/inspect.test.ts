// Tests of `flo inspect segment|log` on the golden log fixture and on a damaged copy: output
// names every batch, JSON is parseable and exact, damage is reported with exit code 1.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../main.ts';
import { collectingIo } from '../output.ts';

const fixture = new URL('../../fixtures/log/v1/', import.meta.url).pathname;
const firstSegment = join(fixture, '00000000000000000000.seg');

async function run(...args: string[]) {
  const io = collectingIo();
  const code = await main(['node', 'flo', ...args], io);
  return { code, ...io };
}

test('flo inspect segment lists every batch and, with --records, every record', async () => {
  const result = await run('inspect', 'segment', firstSegment, '--records');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /21 batches, 23 records/);
  assert.match(result.stdout, /offset 1 .* key="k1"\s+value="with key"/);
  assert.match(result.stdout, /headers: "content-type"="text\/plain"/);
  assert.match(result.stdout, /lz4/);
});

test('flo inspect segment --json gives exact bytes back', async () => {
  const result = await run('inspect', 'segment', firstSegment, '--records', '--json');
  const parsed = JSON.parse(result.stdout) as {
    recordCount: number; problem: unknown;
    batches: Array<{ records: Array<{ offset: number; value: { utf8?: string; hex?: string } }> }>;
  };
  assert.equal(parsed.recordCount, 23);
  assert.equal(parsed.problem, null);
  assert.deepEqual(parsed.batches[0]!.records[0]!.value, { utf8: 'hello' });
  assert.ok(parsed.batches.some((batch) => batch.records.some((record) => 'hex' in record.value)));
});

test('flo inspect reports a damaged segment with where and what, exit code 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flo-inspect-'));
  try {
    const copy = join(dir, '00000000000000000000.seg');
    copyFileSync(firstSegment, copy);
    const bytes = readFileSync(copy);
    bytes[400] ^= 0xff;
    writeFileSync(copy, bytes);
    const result = await run('inspect', 'segment', copy);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /PROBLEM at byte 315: checksum mismatch/);
    const log = await run('inspect', 'log', dir);
    assert.equal(log.code, 1);
    assert.match(log.stdout, /byte 315: checksum mismatch/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('flo inspect log summarizes segments, offsets and index health', async () => {
  const result = await run('inspect', 'log', fixture);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /3 segments, 45 records/);
  assert.match(result.stdout, /00000000000000000023\.seg\s+23-41\s+19/);
  const json = JSON.parse((await run('inspect', 'log', fixture, '--json')).stdout) as {
    totalRecords: number; gaps: string[];
  };
  assert.equal(json.totalRecords, 45);
  assert.deepEqual(json.gaps, []);
});

test('flo inspect of a missing file prints one clear line and exits 1', async () => {
  const result = await run('inspect', 'segment', '/nonexistent/00.seg');
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^flo: Cannot open "\/nonexistent\/00.seg": ENOENT/);
  assert.equal(result.stderr.trim().split('\n').length, 1);
});

const queueFixture = new URL('../../fixtures/queue/v1', import.meta.url).pathname;

test('flo inspect queue shows counts, oldest ages, the DLQ and the journal', async () => {
  const result = await run('inspect', 'queue', queueFixture, 'jobs');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /queue default\/jobs/);
  assert.match(result.stdout, /3 ready, 1 delayed \(1 due\), 1 leased .*, 1 in DLQ/);
  assert.match(result.stdout, /enqueued 7, dequeued 3, acked 1, nacked 1, dead-lettered 1/);
  assert.match(result.stdout, /checkpoint at 11, 2 events replayed/);
  assert.match(result.stdout, /^6\s+0\s+1\s+2023-11-14T22:13:20\.000Z\s+5$/m);
  const json = JSON.parse((await run('inspect', 'queue', queueFixture, 'jobs', '--json'))
    .stdout) as { ready: number; dlqMessages: Array<{ seq: number }>; nextSeq: number };
  assert.deepEqual([json.ready, json.dlqMessages.map((m) => m.seq)], [3, [6]]);
});

test('flo inspect queue of an unknown queue prints one clear line and exits 1', async () => {
  const result = await run('inspect', 'queue', queueFixture, 'nope');
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^flo: Cannot inspect queue "nope" of namespace "default"/);
  assert.equal(result.stderr.trim().split('\n').length, 1);
});
