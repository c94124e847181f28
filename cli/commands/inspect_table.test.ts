// Tests of `flo inspect table`, run through main() with captured output: the text and JSON
// reports of the golden table, and a damaged copy reported with its offset and exit code 1
// instead of a stack trace.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../main.ts';
import { collectingIo } from '../output.ts';
import { tableFixturePath } from '../../fixtures/table/generate_table.ts';

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = collectingIo();
  const code = await main(['node', 'flo', ...args], io);
  return { code, out: io.stdout, err: io.stderr };
}

const fixture = tableFixturePath(1);

test('flo inspect table prints properties, blocks and entries of a sound table', async () => {
  const { code, out, err } = await run('inspect', 'table', fixture, '--entries');
  assert.equal(code, 0, err);
  assert.equal(err, '');
  assert.match(out, /: 406 bytes, format v1, ok\n/);
  assert.match(out, /entries 10 \(2 tombstones\), seqs 1\.\.10, keys "apple"\.\."fig"/);
  assert.match(out, /\n  data +1 +75 +48 +149 +lz4 +ok +2\n/);
  assert.match(out, /\n  properties +- +313 +32 +32 +none +ok +-\n/);
  assert.match(out, /\n  0 +"apple" +1 +tombstone +-\n/);
  assert.doesNotMatch(out, /problems/);
});

test('flo inspect table --json gives exact bytes back', async () => {
  const { code, out } = await run('inspect', 'table', fixture, '--json', '--entries');
  assert.equal(code, 0);
  const report = JSON.parse(out);
  assert.equal(report.ok, true);
  assert.equal(report.properties.entryCount, 10);
  assert.deepEqual(report.properties.smallestKey, { utf8: 'apple' });
  assert.equal(report.blocks.length, 6);
  assert.deepEqual(report.entries[0], {
    blockIndex: 0, seq: 9, kind: 'value', key: { utf8: 'apple' }, value: { utf8: 'red' },
  });
});

test('flo inspect table reports a damaged table with its offset and exit code 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flo-inspect-'));
  try {
    const damaged = join(dir, '000001.sst');
    copyFileSync(fixture, damaged);
    const bytes = readFileSync(damaged);
    bytes[80]! ^= 0x04; // inside data block 1, which starts at 75
    writeFileSync(damaged, bytes);
    const text = await run('inspect', 'table', damaged);
    assert.equal(text.code, 1);
    assert.equal(text.err, '');
    assert.match(text.out, /1 problem\(s\)/);
    assert.match(text.out, /at offset 75: block checksum mismatch/);
    assert.match(text.out, /\n  data +1 +75 +48 +- +lz4 +BAD +-\n/);
    const json = await run('inspect', 'table', damaged, '--json');
    assert.equal(json.code, 1);
    assert.equal(JSON.parse(json.out).problems[0].offsetBytes, 75);
    const missing = await run('inspect', 'table', join(dir, 'missing.sst'));
    assert.equal(missing.code, 1);
    assert.match(missing.err, /^flo: Cannot open ".*missing\.sst"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
