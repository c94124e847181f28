// Tests of the block format: builder then iterator round trips at every restart interval,
// seek semantics against the model, and structural damage that a CRC would not catch
// (writer bugs) turning into CorruptionError, never a wrong entry.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from '../testing/fc_params.ts';
import {
  drain, keyArbitrary, modelSeek, show, sortedEntriesArbitrary,
} from '../testing/lsm_model.ts';
import type { ModelEntry } from '../testing/lsm_model.ts';
import { writeU32 } from '../codec/bytes.ts';
import { CorruptionError } from '../errors.ts';
import { Block, BlockIterator } from './block.ts';
import { BlockBuilder } from './block_builder.ts';
import { EntryKind } from './internal_key.ts';

function build(entries: ModelEntry[], restartInterval: number): Uint8Array {
  const builder = new BlockBuilder(restartInterval);
  for (const entry of entries) builder.add(entry.key, entry.seq, entry.kind, entry.value);
  assert.equal(builder.entryCount, entries.length);
  const estimate = builder.estimatedBytes();
  const payload = builder.finish().slice();
  assert.equal(payload.length, estimate);
  return payload;
}

function iteratorOver(payload: Uint8Array): BlockIterator {
  const iterator = new BlockIterator();
  iterator.reset(new Block(payload, 'test.sst', 4096));
  return iterator;
}

test('a block returns every entry it was built from, at any restart interval', () => {
  fc.assert(fc.property(
    sortedEntriesArbitrary(80), fc.integer({ min: 1, max: 20 }), (entries, interval) => {
      const iterator = iteratorOver(build(entries, interval));
      iterator.first();
      assert.deepEqual(show(drain(iterator)), show(entries));
    }), fcParams());
});

test('BlockIterator.seek lands on the first entry at or after the target', () => {
  const target = fc.record({ key: keyArbitrary, seq: fc.integer({ min: 0, max: 60 }) });
  fc.assert(fc.property(
    sortedEntriesArbitrary(80), fc.integer({ min: 1, max: 8 }), fc.array(target),
    (entries, interval, targets) => {
      const iterator = iteratorOver(build(entries, interval));
      const all = [...targets, ...entries.map(({ key, seq }) => ({ key, seq }))];
      for (const { key, seq } of all) {
        iterator.seek(key, seq);
        const expected = entries.slice(modelSeek(entries, key, seq)).slice(0, 2);
        assert.deepEqual(show(drain(iterator, 2)), show(expected));
      }
    }), fcParams());
});

test('a builder reset starts a block that shares nothing with the previous one', () => {
  const builder = new BlockBuilder(4);
  const key = new TextEncoder().encode('shared-prefix-1');
  builder.add(key, 1, EntryKind.value, new Uint8Array([1]));
  builder.finish();
  builder.reset();
  const second = new TextEncoder().encode('shared-prefix-2');
  builder.add(second, 2, EntryKind.tombstone, new Uint8Array(0));
  const iterator = iteratorOver(builder.finish().slice());
  iterator.first();
  assert.deepEqual(iterator.key(), second);
  assert.equal(iterator.kind(), EntryKind.tombstone);
  iterator.next();
  assert.equal(iterator.valid(), false);
});

test('a block with a damaged restart array is a CorruptionError at the block offset', () => {
  const entries: ModelEntry[] = [0, 1, 2, 3, 4].map((i) => ({
    key: new Uint8Array([i]), seq: 1, kind: EntryKind.value, value: new Uint8Array([i]),
  }));
  const payload = build(entries, 2);
  const damaged = [
    (bytes: Uint8Array) => writeU32(bytes, bytes.length - 4, 0), // no restarts
    (bytes: Uint8Array) => writeU32(bytes, bytes.length - 4, 1 << 20), // too many
    (bytes: Uint8Array) => writeU32(bytes, bytes.length - 16, 5), // first restart not 0
    (bytes: Uint8Array) => writeU32(bytes, bytes.length - 12, 0), // restarts not increasing
    (bytes: Uint8Array) => writeU32(bytes, bytes.length - 8, 10_000), // past the entries
  ];
  for (const damage of damaged) {
    const bytes = payload.slice();
    damage(bytes);
    assert.throws(() => new Block(bytes, 'test.sst', 4096), (error: unknown) => {
      assert.ok(error instanceof CorruptionError);
      assert.equal(error.file, 'test.sst');
      assert.equal(error.offsetBytes, 4096);
      return true;
    });
  }
  assert.throws(() => new Block(new Uint8Array(3), 'test.sst', 0), CorruptionError);
});

test('a block with damaged entry bytes decodes or throws CorruptionError, nothing else', () => {
  // Tables catch such damage by CRC first; this checks that the decoder itself stays in
  // bounds: every damaged byte gives entries or a CorruptionError, never another error.
  const entries: ModelEntry[] = Array.from({ length: 12 }, (_, i) => ({
    key: new TextEncoder().encode(`key-${String(i).padStart(3, '0')}`),
    seq: 100 + i, kind: EntryKind.value, value: new Uint8Array(i).fill(i),
  }));
  const payload = build(entries, 4);
  let corruptions = 0;
  for (let at = 0; at < payload.length - 4; at++) {
    for (const value of [0x00, 0xff, payload[at]! ^ 0x80]) {
      const bytes = payload.slice();
      bytes[at] = value;
      try {
        const iterator = iteratorOver(bytes);
        iterator.first();
        assert.ok(drain(iterator).length <= payload.length, `byte ${at}`);
        iterator.seek(entries[6]!.key, 0);
      } catch (error) {
        if (!(error instanceof CorruptionError)) throw error;
        corruptions += 1;
      }
    }
  }
  assert.ok(corruptions > 0, 'some damage must be detected structurally');
});
