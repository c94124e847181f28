// Table write-then-read tests: random sorted entry sets (versions, prefixes, tombstones,
// empty and large values) at small block sizes so keys land on block boundaries; point
// lookups at every snapshot, full scans and seeks against the model, with and without the
// block cache and compression; and the edge cases named in the format doc.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from '../testing/fc_params.ts';
import {
  asLookup, drain, keyArbitrary, modelGet, modelSeek, show, snapshotsAround, sortEntries,
  sortedEntriesArbitrary, writeTable,
} from '../testing/lsm_model.ts';
import type { ModelEntry } from '../testing/lsm_model.ts';
import { MemFs } from '../io/mem_fs.ts';
import { Prng } from '../io/prng.ts';
import { AssertionError } from '../assert.ts';
import { lsmKeyBytesMax, lsmValueBytesMax } from '../limits.ts';
import { BlockCache } from './block_cache.ts';
import { EntryKind, SEQ_MAX } from './internal_key.ts';
import { TableReader } from './table_reader.ts';
import { TableWriter } from './table_writer.ts';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

function memFs(): MemFs {
  const fs = new MemFs({ trackCrashes: false });
  fs.mkdirp('/t');
  return fs;
}

function open(fs: MemFs, cache: BlockCache | null = null, path = '/t/1.sst'): TableReader {
  return TableReader.open(fs.openFile(path, { readOnly: true }), { fileNumber: 1, cache });
}

const tableOptions = fc.record({
  blockBytes: fc.constantFrom(1, 64, 256, 4096),
  restartInterval: fc.integer({ min: 1, max: 16 }),
  compression: fc.constantFrom('lz4' as const, 'none' as const),
  cached: fc.boolean(),
});
type TableOptions = typeof tableOptions extends fc.Arbitrary<infer T> ? T : never;

// Writes `entries` with `options` and opens the table (with a cache when options.cached).
function written(entries: ModelEntry[], options: TableOptions): TableReader {
  const fs = memFs();
  writeTable(fs, '/t/1.sst', entries, options);
  return open(fs, options.cached ? new BlockCache(1 << 20) : null);
}

// The targets of random probes plus every entry's own (key, seq).
const probesArbitrary = fc.array(
  fc.record({ key: keyArbitrary, seq: fc.integer({ min: 0, max: 60 }) }), { maxLength: 30 },
);
function withEntries(probes: Array<{ key: Uint8Array; seq: number }>, entries: ModelEntry[]) {
  return [...probes, ...entries.map(({ key, seq }) => ({ key, seq }))];
}

test('a table returns every entry it was written with, in order', () => {
  fc.assert(fc.property(sortedEntriesArbitrary(), tableOptions, (entries, options) => {
    const fs = memFs();
    const properties = writeTable(fs, '/t/1.sst', entries, options);
    const reader = open(fs, options.cached ? new BlockCache(1 << 20) : null);
    assert.equal(properties.entryCount, entries.length);
    assert.deepEqual(reader.properties, properties);
    const iterator = reader.iterator();
    iterator.first();
    assert.deepEqual(show(drain(iterator)), show(entries));
    reader.close();
  }), fcParams());
});

test('TableReader.get answers like the model at every snapshot, reading at most one block', () => {
  fc.assert(fc.property(
    sortedEntriesArbitrary(), tableOptions, probesArbitrary, (entries, options, probes) => {
      const cache = new BlockCache(1 << 20);
      const fs = memFs();
      writeTable(fs, '/t/1.sst', entries, options);
      const reader = open(fs, cache);
      for (const { key, seq } of withEntries(probes, entries)) {
        for (const snapshot of snapshotsAround(seq)) {
          const expected = asLookup(modelGet(entries, key, snapshot));
          const before = cache.stats();
          assert.deepEqual(show([reader.get(key, snapshot)]), show([expected]));
          const after = cache.stats();
          const blocks = after.hits + after.misses - before.hits - before.misses;
          assert.ok(blocks <= 1, `a lookup touched ${blocks} data blocks`);
        }
        // The bloom filter never rules out a present key.
        if (modelGet(entries, key, SEQ_MAX) !== undefined) assert.ok(reader.mayContain(key));
      }
      reader.close();
    }), fcParams());
});

test('TableIterator.seek lands on the first entry at or after the target', () => {
  fc.assert(fc.property(
    sortedEntriesArbitrary(), tableOptions, probesArbitrary, (entries, options, targets) => {
      const reader = written(entries, options);
      const iterator = reader.iterator();
      for (const { key, seq } of withEntries(targets, entries)) {
        iterator.seek(key, seq);
        const expected = entries.slice(modelSeek(entries, key, seq)).slice(0, 3);
        assert.deepEqual(show(drain(iterator, 3)), show(expected));
      }
      reader.close();
    }), fcParams());
});

test('many versions of one key spanning blocks are found at every snapshot', () => {
  const fs = memFs();
  const key = utf8('hot');
  const entries = sortEntries([
    { key: utf8('aaa'), seq: 1, kind: EntryKind.value, value: utf8('first') },
    ...Array.from({ length: 2000 }, (_, i) => ({
      key, seq: 10 + 2 * i, kind: i % 7 === 0 ? EntryKind.tombstone : EntryKind.value,
      value: i % 7 === 0 ? new Uint8Array(0) : utf8(`version-${10 + 2 * i}`),
    })),
    { key: utf8('zzz'), seq: 2, kind: EntryKind.value, value: utf8('last') },
  ]);
  const properties = writeTable(fs, '/t/1.sst', entries, { blockBytes: 256 });
  assert.ok(properties.dataBlockCount > 20, `${properties.dataBlockCount} blocks`);
  const reader = open(fs, new BlockCache(1 << 20));
  for (let snapshot = 0; snapshot < 4020; snapshot += 1) {
    const expected = asLookup(modelGet(entries, key, snapshot));
    assert.deepEqual(show([reader.get(key, snapshot)]), show([expected]), `at ${snapshot}`);
  }
  assert.equal(reader.get(utf8('hot'), 9), undefined);
  assert.deepEqual(reader.get(utf8('zzz'))?.value, utf8('last'));
});

test('keys on block boundaries are found from both sides of the boundary', () => {
  const fs = memFs();
  const entries = sortEntries(Array.from({ length: 500 }, (_, i) => ({
    key: utf8(`key-${String(i).padStart(5, '0')}`), seq: i + 1, kind: EntryKind.value,
    value: new Uint8Array(i % 97).fill(i & 0xff),
  })));
  writeTable(fs, '/t/1.sst', entries, { blockBytes: 512, restartInterval: 3 });
  const reader = open(fs);
  const index = reader.index;
  assert.ok(index.blockCount > 10);
  for (let block = 0; block < index.blockCount; block++) {
    const last = index.lastKey(block);
    const position = entries.findIndex((entry) => Buffer.compare(entry.key, last) === 0);
    for (const at of [position, position + 1]) {
      const entry = entries[at];
      if (entry === undefined) continue;
      assert.deepEqual(show([reader.get(entry.key)]), show([asLookup(entry)]));
      const iterator = reader.iterator();
      iterator.seek(entry.key);
      assert.deepEqual(show(drain(iterator, 2)), show(entries.slice(at, at + 2)));
    }
  }
});

test('empty keys, empty values and values at the size limit round-trip', () => {
  const fs = memFs();
  const huge = new Uint8Array(lsmValueBytesMax);
  for (let i = 0; i < huge.length; i += 4096) huge[i] = i & 0xff;
  const longKey = new Uint8Array(lsmKeyBytesMax).fill(0x7a);
  const entries: ModelEntry[] = sortEntries([
    { key: new Uint8Array(0), seq: 1, kind: EntryKind.value, value: new Uint8Array(0) },
    { key: utf8('big'), seq: 2, kind: EntryKind.value, value: huge },
    { key: utf8('small'), seq: 3, kind: EntryKind.value, value: utf8('x') },
    { key: longKey, seq: 4, kind: EntryKind.tombstone, value: new Uint8Array(0) },
  ]);
  writeTable(fs, '/t/1.sst', entries);
  const reader = open(fs, new BlockCache(64 << 20));
  assert.deepEqual(reader.get(new Uint8Array(0)), { seq: 1, kind: 1, value: new Uint8Array(0) });
  assert.ok(Buffer.from(reader.get(utf8('big'))!.value).equals(Buffer.from(huge)));
  assert.deepEqual(reader.get(utf8('small'))?.value, utf8('x'));
  assert.deepEqual(reader.get(longKey)?.kind, EntryKind.tombstone);
  assert.equal(reader.properties.rawValueBytes, lsmValueBytesMax + 1);
});

test('compressible blocks are stored with LZ4 and incompressible ones are not', () => {
  const fs = memFs();
  const entries = sortEntries(Array.from({ length: 400 }, (_, i) => ({
    key: utf8(`k${String(i).padStart(4, '0')}`), seq: 1, kind: EntryKind.value,
    value: new Uint8Array(200).fill(i % 3),
  })));
  const squeezed = writeTable(fs, '/t/1.sst', entries);
  assert.equal(squeezed.compressedBlockCount, squeezed.dataBlockCount);
  assert.ok(squeezed.dataBytes < squeezed.uncompressedDataBytes / 4);
  const plain = writeTable(fs, '/t/2.sst', entries, { compression: 'none' });
  assert.equal(plain.compressedBlockCount, 0);
  const prng = new Prng(42);
  const noise = sortEntries(entries.map((entry) => ({ ...entry, value: prng.bytes(200) })));
  const random = writeTable(fs, '/t/3.sst', noise);
  assert.equal(random.compressedBlockCount, 0);
});

test('the block cache serves repeated reads and counts hits and misses', () => {
  const fs = memFs();
  const entries = sortEntries(Array.from({ length: 300 }, (_, i) => ({
    key: utf8(`k${String(i).padStart(4, '0')}`), seq: 1, kind: EntryKind.value, value: utf8('v'),
  })));
  writeTable(fs, '/t/1.sst', entries, { blockBytes: 256 });
  const cache = new BlockCache(1 << 20);
  const reader = open(fs, cache);
  reader.get(utf8('k0000'));
  assert.deepEqual(cache.stats().misses, 1);
  reader.get(utf8('k0001'));
  const { hits, misses } = cache.stats();
  assert.deepEqual({ hits, misses }, { hits: 1, misses: 1 });
  const scan = reader.iterator({ fillCache: false });
  scan.first();
  drain(scan);
  assert.equal(cache.stats().entries, 1, 'a fillCache: false scan leaves the cache alone');
});

test('TableWriter asserts its REQUIRES: order, tombstones without values, one entry', () => {
  const fs = memFs();
  const file = fs.openFile('/t/1.sst', { create: true });
  const writer = new TableWriter(file, { creationTimeMs: 0 });
  assert.throws(() => writer.finish(), AssertionError);
  writer.add(utf8('b'), 5, EntryKind.value, utf8('1'));
  assert.throws(() => writer.add(utf8('a'), 6, EntryKind.value, utf8('2')), AssertionError);
  assert.throws(() => writer.add(utf8('b'), 5, EntryKind.value, utf8('2')), AssertionError);
  assert.throws(() => writer.add(utf8('b'), 6, EntryKind.value, utf8('2')), AssertionError);
  assert.throws(() => writer.add(utf8('c'), 1, EntryKind.tombstone, utf8('x')), AssertionError);
  writer.add(utf8('b'), 4, EntryKind.value, utf8('older'));
  const properties = writer.finish();
  assert.equal(properties.entryCount, 2);
  assert.throws(() => writer.add(utf8('c'), 1, EntryKind.value, utf8('3')), AssertionError);
});

test('a failed write leaves the writer failed with the same error', () => {
  const fs = new MemFs();
  fs.mkdirp('/t');
  const file = fs.openFile('/t/1.sst', { create: true });
  const writer = new TableWriter(file, { creationTimeMs: 0, blockBytes: 64 });
  fs.injectFault('write', '1.sst');
  let first: unknown;
  try {
    for (let i = 0; i < 100_000; i++) {
      writer.add(utf8(`k${String(i).padStart(6, '0')}`), 1, EntryKind.value, new Uint8Array(64));
    }
    writer.finish();
  } catch (error) {
    first = error;
  }
  assert.ok(first instanceof Error && /injected fault/.test(first.message));
  assert.throws(() => writer.finish(), (error: unknown) => error === first);
});
