// Tests of the merging and snapshot iterators over mixed sources (skiplists and tables):
// the merge is the sorted union of its sources, seeks land where the model says, and a
// snapshot view shows exactly the versions a reader at that seq should see.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from '../testing/fc_params.ts';
import {
  drain, entryArbitrary, keyArbitrary, modelSeek, show, sortEntries, writeTable,
} from '../testing/lsm_model.ts';
import type { ModelEntry } from '../testing/lsm_model.ts';
import { compareBytes } from '../codec/bytes.ts';
import { MemFs } from '../io/mem_fs.ts';
import { BlockCache } from './block_cache.ts';
import { EntryKind, SEQ_MAX } from './internal_key.ts';
import type { InternalIterator } from './iterator.ts';
import { MergingIterator } from './merging_iterator.ts';
import { Skiplist } from './skiplist.ts';
import { SnapshotIterator } from './snapshot_iterator.ts';
import { TableReader } from './table_reader.ts';

interface Sources {
  all: ModelEntry[];
  iterators: () => InternalIterator[];
}

// Entries with globally unique seqs, dealt out to `sourceCount` sources, each a skiplist or
// a table.
const sourcesArbitrary: fc.Arbitrary<Sources> = fc
  .record({
    entries: fc.array(entryArbitrary, { maxLength: 150 }),
    owners: fc.array(fc.nat(3), { minLength: 150, maxLength: 150 }),
    asTable: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    sourceCount: fc.integer({ min: 1, max: 4 }),
  })
  .map(({ entries, owners, asTable, sourceCount }) => {
    const numbered = entries.map((entry, index) => ({ ...entry, seq: index + 1 }));
    const fs = new MemFs({ trackCrashes: false });
    fs.mkdirp('/t');
    const cache = new BlockCache(1 << 20);
    const makers: Array<() => InternalIterator> = [];
    for (let source = 0; source < sourceCount; source++) {
      const mine = sortEntries(numbered.filter((_, i) => owners[i]! % sourceCount === source));
      if (asTable[source] && mine.length > 0) {
        const path = `/t/${source}.sst`;
        writeTable(fs, path, mine, { blockBytes: 128, restartInterval: 2 });
        const reader = TableReader.open(fs.openFile(path), { fileNumber: source, cache });
        makers.push(() => reader.iterator());
      } else {
        const list = new Skiplist({ seed: source });
        for (const entry of mine) list.insert(entry.key, entry.seq, entry.kind, entry.value);
        makers.push(() => list.iterator());
      }
    }
    return { all: sortEntries(numbered), iterators: () => makers.map((make) => make()) };
  });

// What a snapshot view should show of `sorted`.
function modelVisible(
  sorted: ModelEntry[], snapshotSeq: number, newestOnly: boolean, hideTombstones: boolean,
): ModelEntry[] {
  const out: ModelEntry[] = [];
  let lastKey: Uint8Array | null = null;
  for (const entry of sorted) {
    if (entry.seq > snapshotSeq) continue;
    if (newestOnly) {
      if (lastKey !== null && compareBytes(lastKey, entry.key) === 0) continue;
      lastKey = entry.key;
      if (hideTombstones && entry.kind === EntryKind.tombstone) continue;
    }
    out.push(entry);
  }
  return out;
}

test('MergingIterator yields the sorted union of its sources', () => {
  fc.assert(fc.property(sourcesArbitrary, (sources) => {
    const merged = new MergingIterator(sources.iterators());
    merged.first();
    assert.deepEqual(show(drain(merged)), show(sources.all));
  }), fcParams());
});

test('MergingIterator.seek lands on the first entry at or after the target', () => {
  const target = fc.record({ key: keyArbitrary, seq: fc.integer({ min: 0, max: 160 }) });
  const targets = fc.array(target, { maxLength: 20 });
  fc.assert(fc.property(sourcesArbitrary, targets, (sources, seekTargets) => {
    const merged = new MergingIterator(sources.iterators());
    for (const { key, seq } of seekTargets) {
      merged.seek(key, seq);
      const expected = sources.all.slice(modelSeek(sources.all, key, seq)).slice(0, 4);
      assert.deepEqual(show(drain(merged, 4)), show(expected));
    }
  }), fcParams());
});

test('SnapshotIterator shows what a reader at the snapshot sees', () => {
  const view = fc.record({
    snapshotSeq: fc.oneof(fc.integer({ min: 0, max: 160 }), fc.constant(SEQ_MAX)),
    newestOnly: fc.boolean(),
    hideTombstones: fc.boolean(),
  }).map((options) => ({
    ...options, hideTombstones: options.newestOnly && options.hideTombstones,
  }));
  const seekKeys = fc.array(keyArbitrary, { maxLength: 10 });
  fc.assert(fc.property(sourcesArbitrary, view, seekKeys, (sources, options, keys) => {
    const expected = modelVisible(
      sources.all, options.snapshotSeq, options.newestOnly, options.hideTombstones,
    );
    const snapshot = new SnapshotIterator(new MergingIterator(sources.iterators()), options);
    snapshot.first();
    assert.deepEqual(show(drain(snapshot)), show(expected));
    for (const key of keys) {
      snapshot.seek(key);
      const from = expected.findIndex((entry) => compareBytes(entry.key, key) >= 0);
      const rest = from < 0 ? [] : expected.slice(from, from + 3);
      assert.deepEqual(show(drain(snapshot, 3)), show(rest));
    }
  }), fcParams());
});

test('a merge with no sources or only empty sources is empty', () => {
  const none = new MergingIterator([]);
  none.first();
  assert.equal(none.valid(), false);
  const empty = new MergingIterator([new Skiplist().iterator(), new Skiplist().iterator()]);
  empty.seek(new Uint8Array([1]));
  assert.equal(empty.valid(), false);
});

test('equal keys and seqs in two sources come out in source order', () => {
  const newer = new Skiplist();
  const older = new Skiplist();
  const key = new Uint8Array([7]);
  newer.insert(key, 5, EntryKind.value, new Uint8Array([1]));
  older.insert(key, 5, EntryKind.value, new Uint8Array([2]));
  const merged = new MergingIterator([newer.iterator(), older.iterator()]);
  merged.first();
  assert.deepEqual([...merged.value()], [1]);
  merged.next();
  assert.deepEqual([...merged.value()], [2]);
  const snapshot = new SnapshotIterator(new MergingIterator([newer.iterator(), older.iterator()]),
    { newestOnly: true });
  snapshot.first();
  assert.deepEqual(drain(snapshot).map((entry) => [...entry.value]), [[1]]);
});
