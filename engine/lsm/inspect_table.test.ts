// Tests of the table inspector: a sound table is described block by block; damage is
// reported with its offset instead of thrown, and the blocks that can still be read are
// still listed; damage that CRCs cannot see (a filter missing a key) is found too.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemFs } from '../io/mem_fs.ts';
import { crc32 } from '../codec/crc32.ts';
import { writeU32 } from '../codec/bytes.ts';
import { sortEntries, writeTable } from '../testing/lsm_model.ts';
import { inspectTable } from './inspect_table.ts';
import { EntryKind } from './internal_key.ts';
import { FOOTER_BYTES } from './table_format.ts';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const path = '/t/000003.sst';
const entries = sortEntries(Array.from({ length: 200 }, (_, i) => ({
  key: utf8(`key-${String(i).padStart(4, '0')}`), seq: i + 1,
  kind: i % 10 === 0 ? EntryKind.tombstone : EntryKind.value,
  value: i % 10 === 0 ? new Uint8Array(0) : new Uint8Array(30).fill(i % 4),
})));

function tableFs(): MemFs {
  const fs = new MemFs({ trackCrashes: false });
  fs.mkdirp('/t');
  writeTable(fs, path, entries, { blockBytes: 512 });
  return fs;
}

function rewrite(fs: MemFs, change: (bytes: Uint8Array) => void): void {
  const bytes = fs.readFile(path);
  change(bytes);
  fs.openFile(path).writeAt(bytes, 0);
}

test('inspectTable describes a sound table block by block', () => {
  const report = inspectTable(tableFs(), path, { entries: true });
  assert.equal(report.ok, true);
  assert.deepEqual(report.problems, []);
  assert.equal(report.formatVersion, 1);
  assert.equal(report.properties?.entryCount, 200);
  const data = report.blocks.filter((block) => block.kind === 'data');
  assert.equal(data.length, report.properties?.dataBlockCount);
  assert.deepEqual(report.blocks.slice(-3).map((block) => block.kind),
    ['filter', 'index', 'properties']);
  assert.ok(report.blocks.every((block) => block.crcOk));
  assert.ok(data.some((block) => block.compression === 'lz4'));
  assert.equal(data.reduce((sum, block) => sum + (block.entryCount ?? 0), 0), 200);
  assert.deepEqual(report.entries?.map((entry) => entry.seq), entries.map((entry) => entry.seq));
  assert.equal(report.entries?.[0]?.kind, 'tombstone');
  assert.equal(inspectTable(tableFs(), path).entries, null);
});

test('inspectTable reports a damaged data block and still reads the others', () => {
  const fs = tableFs();
  const sound = inspectTable(fs, path);
  const victim = sound.blocks.filter((block) => block.kind === 'data')[2]!;
  rewrite(fs, (bytes) => {
    bytes[victim.offsetBytes + 3]! ^= 0x10;
  });
  const report = inspectTable(fs, path, { entries: true });
  assert.equal(report.ok, false);
  assert.equal(report.problems.length, 1);
  assert.equal(report.problems[0]!.offsetBytes, victim.offsetBytes);
  assert.match(report.problems[0]!.what, /block checksum mismatch/);
  const damaged = report.blocks.find((block) => block.offsetBytes === victim.offsetBytes)!;
  assert.equal(damaged.crcOk, false);
  assert.equal(report.entries?.length, 200 - victim.entryCount!);
});

test('inspectTable reports a damaged footer and stops there', () => {
  const fs = tableFs();
  rewrite(fs, (bytes) => {
    bytes[bytes.length - FOOTER_BYTES + 2]! ^= 1;
  });
  const report = inspectTable(fs, path);
  assert.equal(report.ok, false);
  assert.deepEqual(report.blocks, []);
  assert.match(report.problems[0]!.what, /footer checksum mismatch/);
  const short = new MemFs({ trackCrashes: false });
  short.mkdirp('/t');
  short.openFile(path, { create: true }).writeAt(new Uint8Array(10), 0);
  assert.match(inspectTable(short, path).problems[0]!.what, /shorter than its 56-byte footer/);
});

test('inspectTable finds a filter that misses a key although its CRC is right', () => {
  const fs = tableFs();
  const filter = inspectTable(fs, path).blocks.find((block) => block.kind === 'filter')!;
  rewrite(fs, (bytes) => {
    const start = filter.offsetBytes;
    const end = start + filter.storedBytes;
    bytes.fill(0, start + 1, end);
    writeU32(bytes, end + 1, crc32(bytes.subarray(start, end + 1)));
  });
  const report = inspectTable(fs, path);
  assert.equal(report.ok, false);
  assert.match(report.problems[0]!.what, /bloom filter misses a key/);
});
