// Test support for the LSM: a sorted-array reference model of internal entries (the
// "obviously right" version of every seek and lookup), fast-check generators of entry sets
// that stress versions, shared prefixes, empty and large values, and helpers that write a
// table from model entries and drain any InternalIterator. Only tests import this file.

import fc from 'fast-check';
import { compareBytes } from '../codec/bytes.ts';
import type { FileSystem } from '../io/file_system.ts';
import { EntryKind, SEQ_MAX, compareInternal } from '../lsm/internal_key.ts';
import type { InternalIterator } from '../lsm/iterator.ts';
import type { Entry } from '../lsm/internal_key.ts';
import { TableWriter } from '../lsm/table_writer.ts';
import type { TableWriterOptions } from '../lsm/table_writer.ts';
import type { TableProperties } from '../lsm/table_properties.ts';

/** One internal entry of the model. */
export interface ModelEntry {
  key: Uint8Array;
  seq: number;
  kind: EntryKind;
  value: Uint8Array;
}

/** Sorts entries in internal-key order and drops repeated (key, seq) pairs (first wins). */
export function sortEntries(entries: ModelEntry[]): ModelEntry[] {
  const sorted = [...entries].sort((a, b) => compareInternal(a.key, a.seq, b.key, b.seq));
  return sorted.filter((entry, index) => {
    const previous = sorted[index - 1];
    return previous === undefined || compareInternal(previous.key, previous.seq,
      entry.key, entry.seq) !== 0;
  });
}

/** Index of the first sorted entry at or after (key, seq); sorted.length when none. */
export function modelSeek(sorted: ModelEntry[], key: Uint8Array, seq: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const entry = sorted[middle]!;
    if (compareInternal(entry.key, entry.seq, key, seq) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The newest entry of `key` with seq <= snapshotSeq, as a table or memtable get answers. */
export function modelGet(
  sorted: ModelEntry[], key: Uint8Array, snapshotSeq: number,
): ModelEntry | undefined {
  const entry = sorted[modelSeek(sorted, key, snapshotSeq)];
  return entry !== undefined && compareBytes(entry.key, key) === 0 ? entry : undefined;
}

/** Copies every entry from the iterator's current position to its end. */
export function drain(iterator: InternalIterator, limit = Infinity): ModelEntry[] {
  const out: ModelEntry[] = [];
  for (; iterator.valid() && out.length < limit; iterator.next()) {
    out.push({
      key: iterator.key().slice(),
      seq: iterator.seq(),
      kind: iterator.kind(),
      value: iterator.value().slice(),
    });
  }
  return out;
}

/**
 * Entries (or lookup results, which have no key) as plain tuples, for deepEqual with
 * readable diffs.
 */
export function show(entries: Array<Entry | ModelEntry | undefined>): unknown[] {
  return entries.map((entry) => entry === undefined ? undefined : [
    'key' in entry ? Buffer.from(entry.key).toString('hex') : null, entry.seq, entry.kind,
    Buffer.from(entry.value).toString('hex'),
  ]);
}

/** The lookup result a get of `entry`'s key should give (the entry without its key). */
export function asLookup(entry: ModelEntry | undefined): Entry | undefined {
  return entry === undefined ? undefined : { seq: entry.seq, kind: entry.kind, value: entry.value };
}

/** Writes `sorted` (REQUIRES: from sortEntries) as a table at `path`; returns properties. */
export function writeTable(
  fs: FileSystem,
  path: string,
  sorted: ModelEntry[],
  options: Partial<TableWriterOptions> = {},
): TableProperties {
  const file = fs.openFile(path, { create: true });
  try {
    const writer = new TableWriter(file, { creationTimeMs: 1_700_000_000_000, ...options });
    for (const entry of sorted) writer.add(entry.key, entry.seq, entry.kind, entry.value);
    return writer.finish();
  } finally {
    file.close();
  }
}

/**
 * Keys from a small alphabet with shared prefixes, so sets have many versions of one key,
 * keys that are prefixes of others, and the empty key.
 */
const SHARED_HEAD = new TextEncoder().encode('user:0000\x01');

export const keyArbitrary = fc.oneof(
  fc.uint8Array({ maxLength: 3 }).map((bytes) => bytes.map((byte) => byte % 4)),
  fc.constantFrom('a', 'ab', 'abc', 'b', 'user/1', 'user/10', 'user/2')
    .map((text) => new TextEncoder().encode(text)),
  fc.uint8Array({ minLength: 1, maxLength: 40 }),
  // Zeros and ones, 4 to 10 bytes: keys that tie on the 4- and 8-byte prefixes the skiplist
  // and table index compare first, with zero padding (ab < ab\0 < ab\0\0\1).
  fc.uint8Array({ minLength: 4, maxLength: 10 }).map((bytes) => bytes.map((byte) => byte % 2)),
  // A shared head of 6 to 10 bytes and a short tail: keys that tie on both prefixes and
  // differ just before, at or after byte 8 (`user:1042:name` and the like).
  fc.tuple(fc.integer({ min: 6, max: 10 }), fc.uint8Array({ maxLength: 3 }))
    .map(([head, tail]) => Uint8Array.from([...SHARED_HEAD.subarray(0, head),
      ...tail.map((byte) => byte % 3)])),
);

/** Values: mostly small, some empty, some repetitive (compressible), a few large. */
export const valueArbitrary = fc.oneof(
  { weight: 5, arbitrary: fc.uint8Array({ maxLength: 24 }) },
  { weight: 2, arbitrary: fc.constant(new Uint8Array(0)) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 2000 }).map((n) => new Uint8Array(n)) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 3000, maxLength: 9000 }) },
);

/** One entry; tombstones carry empty values. */
export const entryArbitrary: fc.Arbitrary<ModelEntry> = fc
  .record({
    key: keyArbitrary,
    seq: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 2 ** 53 - 1 })),
    tombstone: fc.boolean(),
    value: valueArbitrary,
  })
  .map(({ key, seq, tombstone, value }) => ({
    key,
    seq,
    kind: tombstone ? EntryKind.tombstone : EntryKind.value,
    value: tombstone ? new Uint8Array(0) : value,
  }));

/** A non-empty set of entries in internal-key order. */
export const sortedEntriesArbitrary = (maxLength = 200): fc.Arbitrary<ModelEntry[]> =>
  fc.array(entryArbitrary, { minLength: 1, maxLength }).map(sortEntries);

/** Snapshots worth probing around `seq`: at, just above, just below, and everything. */
export function snapshotsAround(seq: number): number[] {
  return [seq, Math.min(seq + 1, SEQ_MAX), Math.max(0, seq - 1), SEQ_MAX];
}
