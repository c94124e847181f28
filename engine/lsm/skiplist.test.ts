// Tests of the memtable skiplist against a sorted-array model: iteration order, seek and
// snapshot lookups over many versions of few keys, byte accounting, large entries in
// chunks of their own, and iterators that stay valid across inserts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from '../testing/fc_params.ts';
import {
  asLookup, drain, entryArbitrary, keyArbitrary, modelGet, modelSeek, show, snapshotsAround,
  sortEntries,
} from '../testing/lsm_model.ts';
import type { ModelEntry } from '../testing/lsm_model.ts';
import { Skiplist, skiplistNodeBytes } from './skiplist.ts';
import { EntryKind } from './internal_key.ts';
import { AssertionError } from '../assert.ts';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

function fill(list: Skiplist, entries: ModelEntry[]): ModelEntry[] {
  const inserted: ModelEntry[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const id = `${Buffer.from(entry.key).toString('hex')}/${entry.seq}`;
    if (seen.has(id)) continue;
    seen.add(id);
    list.insert(entry.key, entry.seq, entry.kind, entry.value);
    inserted.push(entry);
  }
  return sortEntries(inserted);
}

test('Skiplist iterates every entry in internal-key order, like a sorted array', () => {
  const entries = fc.array(entryArbitrary, { maxLength: 300 });
  fc.assert(fc.property(entries, fc.nat(), (inserted, seed) => {
    const list = new Skiplist({ seed });
    const model = fill(list, inserted);
    const iterator = list.iterator();
    iterator.first();
    assert.deepEqual(show(drain(iterator)), show(model));
    assert.equal(list.count, model.length);
    list.checkInvariants();
  }), fcParams());
});

test('Skiplist get and seek at any snapshot agree with the model, with or without index', () => {
  const probe = fc.record({ key: keyArbitrary, seq: fc.integer({ min: 0, max: 60 }) });
  fc.assert(fc.property(
    fc.array(entryArbitrary, { maxLength: 200 }), fc.array(probe, { maxLength: 40 }), fc.boolean(),
    (entries, probes, keyIndex) => {
      const list = new Skiplist({ keyIndex });
      const model = fill(list, entries);
      const iterator = list.iterator();
      // Probe both random keys and the keys present, at snapshots around their seqs.
      const all = [...probes, ...model.map((entry) => ({ key: entry.key, seq: entry.seq }))];
      for (const { key, seq } of all) {
        for (const snapshot of snapshotsAround(seq)) {
          const expected = asLookup(modelGet(model, key, snapshot));
          assert.deepEqual(show([list.get(key, snapshot)]), show([expected]));
          iterator.seek(key, snapshot);
          const after = model.slice(modelSeek(model, key, snapshot));
          assert.deepEqual(show(drain(iterator, 3)), show(after.slice(0, 3)));
        }
      }
    }), fcParams());
});

test('Skiplist finds the newest visible version among many versions of one key', () => {
  const list = new Skiplist({ seed: 7 });
  const key = utf8('k');
  for (let seq = 1; seq <= 1000; seq += 2) list.insert(key, seq, EntryKind.value, utf8(`v${seq}`));
  list.insert(utf8('j'), 5000, EntryKind.value, utf8('before'));
  list.insert(utf8('l'), 1, EntryKind.tombstone, new Uint8Array(0));
  assert.equal(list.get(key, 0), undefined);
  assert.deepEqual(list.get(key, 1), { seq: 1, kind: EntryKind.value, value: utf8('v1') });
  assert.deepEqual(list.get(key, 500)?.value, utf8('v499'));
  assert.deepEqual(list.get(key)?.value, utf8('v999'));
  assert.deepEqual(list.get(utf8('l')), { seq: 1, kind: EntryKind.tombstone, value: utf8('') });
  assert.equal(list.get(utf8('m')), undefined);
  list.checkInvariants();
});

test('Skiplist.bytesUsed counts key, value and node bytes, and the key index', () => {
  const indexed = new Skiplist();
  const bare = new Skiplist({ keyIndex: false });
  for (const list of [indexed, bare]) {
    for (let i = 0; i < 5000; i++) list.insert(utf8(`k${i}`), i, EntryKind.value, utf8('v'));
  }
  const indexBytes = indexed.bytesUsed() - bare.bytesUsed();
  assert.ok(indexBytes >= 5000 * 16 && indexBytes <= 5000 * 32, `index bytes ${indexBytes}`);
  const list = new Skiplist({ keyIndex: false });
  assert.equal(list.bytesUsed(), 0);
  list.insert(utf8('abc'), 1, EntryKind.value, new Uint8Array(100));
  const one = list.bytesUsed();
  assert.ok(one >= 103 + skiplistNodeBytes(1), `one entry: ${one}`);
  assert.ok(one <= 103 + skiplistNodeBytes(12), `one entry: ${one}`);
  for (let i = 0; i < 10_000; i++) {
    list.insert(utf8(`key${i}`), i + 2, EntryKind.value, new Uint8Array(i % 50));
  }
  list.checkInvariants();
  const payload = 103 + Array.from({ length: 10_000 }, (_, i) => `key${i}`.length + (i % 50))
    .reduce((a, b) => a + b, 0);
  // Heights average 4/3 links, so nodes cost about skiplistNodeBytes(1) each.
  const overhead = list.bytesUsed() - payload;
  assert.ok(overhead >= 10_001 * skiplistNodeBytes(1), `overhead ${overhead}`);
  assert.ok(overhead <= 10_001 * skiplistNodeBytes(4), `overhead ${overhead}`);
  assert.ok(list.bytesAllocated() >= list.bytesUsed(), 'allocated below used');
  assert.ok(list.bytesAllocated() <= 4 * list.bytesUsed() + 512 * 1024, 'allocated far above');
});

test('Skiplist keeps large values in chunks of their own and small ones intact', () => {
  const list = new Skiplist();
  const large = new Uint8Array(300_000).map((_, i) => i & 0xff);
  list.insert(utf8('small-1'), 1, EntryKind.value, utf8('one'));
  list.insert(utf8('large'), 2, EntryKind.value, large);
  list.insert(utf8('small-2'), 3, EntryKind.value, utf8('two'));
  assert.deepEqual(list.get(utf8('large'))?.value, large);
  assert.deepEqual(list.get(utf8('small-1'))?.value, utf8('one'));
  assert.deepEqual(list.get(utf8('small-2'))?.value, utf8('two'));
  list.checkInvariants();
});

test('Skiplist copies keys and values, so callers may reuse their buffers', () => {
  const list = new Skiplist();
  const key = utf8('key');
  const value = utf8('value');
  list.insert(key, 1, EntryKind.value, value);
  key[0] = 0;
  value[0] = 0;
  assert.deepEqual(list.get(utf8('key'))?.value, utf8('value'));
});

test('SkiplistIterator sees entries inserted after it was positioned', () => {
  const list = new Skiplist();
  list.insert(utf8('a'), 1, EntryKind.value, utf8('1'));
  list.insert(utf8('c'), 2, EntryKind.value, utf8('3'));
  const iterator = list.iterator();
  iterator.first();
  assert.deepEqual(iterator.key(), utf8('a'));
  list.insert(utf8('b'), 3, EntryKind.value, utf8('2'));
  iterator.next();
  assert.deepEqual(iterator.key(), utf8('b'));
  iterator.next();
  assert.deepEqual(iterator.key(), utf8('c'));
  iterator.next();
  assert.equal(iterator.valid(), false);
});

test('Skiplist refuses a second entry with the same key and seq', () => {
  const list = new Skiplist();
  list.insert(utf8('a'), 1, EntryKind.value, utf8('1'));
  assert.throws(() => list.insert(utf8('a'), 1, EntryKind.value, utf8('2')), AssertionError);
  assert.throws(() => list.insert(utf8('b'), 2, EntryKind.tombstone, utf8('x')), AssertionError);
  assert.deepEqual(list.get(utf8('a'))?.value, utf8('1'));
});

test('sorted runs inserted with afterPrevious build the same list as plain inserts', () => {
  const runs = fc.array(fc.array(entryArbitrary, { maxLength: 60 }), { maxLength: 8 });
  fc.assert(fc.property(runs, fc.nat(), fc.boolean(), (batches, seed, probe) => {
    const finger = new Skiplist({ seed });
    const plain = new Skiplist({ seed });
    const seen = new Set<string>();
    const all: ModelEntry[] = [];
    for (const batch of batches) {
      const fresh = sortEntries(batch).filter((entry) => {
        const id = `${Buffer.from(entry.key).toString('hex')}/${entry.seq}`;
        if (seen.has(id)) return false;
        seen.add(id);
        return true;
      });
      fresh.forEach((entry, index) => {
        finger.insert(entry.key, entry.seq, entry.kind, entry.value, index > 0);
        plain.insert(entry.key, entry.seq, entry.kind, entry.value);
        // A snapshot lookup moves the search position: the next finger insert must notice.
        if (probe && index % 7 === 3) finger.get(entry.key, 0);
      });
      all.push(...fresh);
    }
    const model = sortEntries(all);
    for (const list of [finger, plain]) {
      const iterator = list.iterator();
      iterator.first();
      assert.deepEqual(show(drain(iterator)), show(model));
    }
    finger.checkInvariants();
    for (const entry of model) assert.deepEqual(finger.get(entry.key), plain.get(entry.key));
  }), fcParams());
});

test('an afterPrevious insert that is not after the previous one is an AssertionError', () => {
  const list = new Skiplist();
  list.insert(utf8('m'), 1, EntryKind.value, utf8('v'));
  assert.throws(() => list.insert(utf8('a'), 2, EntryKind.value, utf8('v'), true),
    AssertionError);
  list.insert(utf8('z'), 3, EntryKind.value, utf8('v'), true);
  assert.equal(list.count, 2);
});
