// Corruption and crash tests of the table format (the recovery table of docs/format/table.md):
// a flipped bit anywhere in the file, a cut at every length, a zeroed tail, a file shorter
// than its footer, an unknown format version, and crash clones of an unsynced table. Each
// must end in a CorruptionError naming the file and the offset of the damaged block or
// footer field, and never in a wrong answer.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from '../testing/fc_params.ts';
import { MemFs } from '../io/mem_fs.ts';
import { Prng } from '../io/prng.ts';
import { writeU32 } from '../codec/bytes.ts';
import { crc32 } from '../codec/crc32.ts';
import { CorruptionError } from '../errors.ts';
import { asLookup, drain, show, sortEntries, writeTable } from '../testing/lsm_model.ts';
import type { ModelEntry } from '../testing/lsm_model.ts';
import { EntryKind } from './internal_key.ts';
import { TableReader } from './table_reader.ts';
import { BLOCK_TRAILER_BYTES, FOOTER_BYTES } from './table_format.ts';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const path = '/t/000007.sst';

const entries: ModelEntry[] = sortEntries(Array.from({ length: 60 }, (_, i) => ({
  key: utf8(`key-${String(i % 40).padStart(3, '0')}`),
  seq: i + 1,
  kind: i % 9 === 0 ? EntryKind.tombstone : EntryKind.value,
  value: i % 9 === 0 ? new Uint8Array(0) : new Uint8Array(i % 5 === 0 ? 40 : 7).fill(i),
})));

function tableBytes(compression: 'lz4' | 'none'): Uint8Array {
  const fs = new MemFs({ trackCrashes: false });
  fs.mkdirp('/t');
  writeTable(fs, path, entries, { blockBytes: 200, compression });
  return fs.readFile(path);
}

// Opens `bytes` as a table and reads everything: a scan and a get of every entry (checked
// against the model when `exact`). Returns the entries read, or the CorruptionError thrown.
function readAll(bytes: Uint8Array, exact = true): ModelEntry[] | CorruptionError {
  const fs = new MemFs({ trackCrashes: false });
  fs.mkdirp('/t');
  fs.openFile(path, { create: true }).writeAt(bytes, 0);
  try {
    const reader = TableReader.open(fs.openFile(path, { readOnly: true }), { fileNumber: 7 });
    const iterator = reader.iterator();
    iterator.first();
    const scanned = drain(iterator);
    for (const entry of entries) {
      const found = reader.get(entry.key, entry.seq);
      if (exact) assert.deepEqual(show([found]), show([asLookup(entry)]));
    }
    return scanned;
  } catch (error) {
    if (error instanceof CorruptionError) return error;
    throw error;
  }
}

// The start offset of every block and of the footer, to check where an error points.
function regions(bytes: Uint8Array): Array<{ start: number; end: number }> {
  const fs = new MemFs({ trackCrashes: false });
  fs.mkdirp('/t');
  fs.openFile(path, { create: true }).writeAt(bytes, 0);
  const reader = TableReader.open(fs.openFile(path), { fileNumber: 7 });
  const handles = [...Array.from({ length: reader.index.blockCount },
    (_, i) => reader.index.handle(i)), reader.footer.filter, reader.footer.index,
  reader.footer.properties];
  const found = handles.map(({ offsetBytes, sizeBytes }) => ({
    start: offsetBytes, end: offsetBytes + sizeBytes + BLOCK_TRAILER_BYTES,
  }));
  found.push({ start: bytes.length - FOOTER_BYTES, end: bytes.length });
  return found;
}

for (const compression of ['none', 'lz4'] as const) {
  test(`a flipped bit anywhere in a table (${compression}) is a CorruptionError at its block`,
    () => {
      const bytes = tableBytes(compression);
      assert.deepEqual(show(readAll(bytes) as ModelEntry[]), show(entries));
      const layout = regions(bytes);
      assert.ok(layout.length >= 6, `${layout.length} regions`);
      for (let at = 0; at < bytes.length; at++) {
        const damaged = bytes.slice();
        damaged[at]! ^= 1 << (at % 8);
        const result = readAll(damaged);
        assert.ok(result instanceof CorruptionError, `flip at ${at} went unnoticed`);
        assert.equal(result.file, path);
        const region = layout.find(({ start, end }) => at >= start && at < end)!;
        const isFooter = region.end === bytes.length;
        if (isFooter) {
          assert.ok(result.offsetBytes >= region.start, `flip at ${at}: ${result.message}`);
        } else {
          assert.equal(result.offsetBytes, region.start, `flip at ${at}: ${result.message}`);
        }
      }
    });
}

test('a table cut at any length is refused with a CorruptionError', () => {
  const bytes = tableBytes('lz4');
  for (let length = 0; length < bytes.length; length++) {
    const result = readAll(bytes.subarray(0, length));
    assert.ok(result instanceof CorruptionError, `cut at ${length} opened`);
    if (length < FOOTER_BYTES) {
      assert.equal(result.offsetBytes, 0);
      assert.match(result.message, /shorter than its 56-byte footer/);
    }
  }
});

test('a zeroed tail and an unknown format version are refused', () => {
  const bytes = tableBytes('none');
  for (const zeroed of [1, 8, 56, 300]) {
    const damaged = bytes.slice();
    damaged.fill(0, bytes.length - zeroed);
    const result = readAll(damaged);
    assert.ok(result instanceof CorruptionError, `zeroed ${zeroed}`);
    assert.match(result.message, /bad table magic/);
  }
  // A version this code does not know, with a valid CRC: refused by name, not by checksum.
  const newer = bytes.slice();
  const footer = newer.length - FOOTER_BYTES;
  writeU32(newer, footer + 36, 2);
  writeU32(newer, footer + 44, crc32(newer.subarray(footer, footer + 44)));
  const result = readAll(newer);
  assert.ok(result instanceof CorruptionError);
  assert.match(result.message, /unsupported table format version 2/);
  assert.equal(result.offsetBytes, footer + 36);
});

test('a crash before the table is synced leaves it whole or refused', async () => {
  for (let seed = 0; seed < 60; seed++) {
    const fs = new MemFs();
    fs.mkdirp('/t');
    writeTable(fs, path, entries, { blockBytes: 64 });
    const crashed = fs.crashClone(new Prng(seed), { zeroFill: seed % 2 === 0 });
    if (crashed.stat(path) === null) continue;
    const result = readAll(crashed.readFile(path));
    if (result instanceof CorruptionError) continue;
    assert.deepEqual(show(result), show(entries), `seed ${seed}`);
  }
  const fs = new MemFs();
  fs.mkdirp('/t');
  writeTable(fs, path, entries);
  const file = fs.openFile(path);
  await file.sync();
  await fs.syncDir('/t');
  const synced = readAll(fs.crashClone(new Prng(1)).readFile(path));
  assert.deepEqual(show(synced as ModelEntry[]), show(entries));
});

test('damage behind a valid CRC gives entries or a CorruptionError, nothing else', () => {
  // Every block is damaged at random and its CRC recomputed, so the structural checks of
  // the decoders behind the checksum (restart arrays, entry lengths, kinds, varints,
  // handles, properties, filter shape, LZ4) are what stands between the bytes and a crash.
  const outcomes = { read: 0, refused: 0 };
  for (const compression of ['none', 'lz4'] as const) {
    const bytes = tableBytes(compression);
    const layout = regions(bytes).slice(0, -1);
    fc.assert(fc.property(
      fc.nat(layout.length - 1), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 6 }),
      (which, changes) => {
        const damaged = bytes.slice();
        const { start, end } = layout[which]!;
        const payloadEnd = end - BLOCK_TRAILER_BYTES;
        for (const [at, value] of changes) damaged[start + (at % (payloadEnd - start))] = value;
        const crc = crc32(damaged.subarray(start, payloadEnd + 1));
        writeU32(damaged, payloadEnd + 1, crc);
        const result = readAll(damaged, false);
        assert.ok(Array.isArray(result) || result instanceof CorruptionError);
        outcomes[Array.isArray(result) ? 'read' : 'refused'] += 1;
      }), fcParams());
  }
  assert.ok(outcomes.read > 0 && outcomes.refused > 0, JSON.stringify(outcomes));
});
