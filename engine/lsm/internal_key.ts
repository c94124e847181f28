// Internal keys: what the LSM orders. An internal key is (user key, seq, kind): user keys
// ascending (unsigned bytewise), then seq DESCENDING, so the first entry at or after
// (k, S) is the newest version of k that a snapshot at seq S may see. Kind takes no part
// in the order: one seq is never given to two entries of the same user key.
//
// Encoding for speed in V8: an internal key is never one concatenated byte string. Every
// structure keeps the user key bytes and the seq (a safe-integer number) side by side, and
// the comparators below take them as separate arguments, so the hot paths (skiplist
// search, block seek, heap sift) compare without allocating. On disk a block entry stores
// the key bytes (prefix-compressed), then a kind byte and the seq as a varint
// (docs/format/table.md). Called by the skiplist, blocks, tables and iterators.

import { assert } from '../assert.ts';

/**
 * What an entry says about its key. Part of the on-disk format; do not change values. New
 * kinds take new values; a reader rejects a kind it does not know as corruption.
 */
export const EntryKind = {
  tombstone: 0,
  value: 1,
} as const;
export type EntryKind = (typeof EntryKind)[keyof typeof EntryKind];

/** Largest kind value this version knows. */
export const ENTRY_KIND_MAX = 1;

/** Largest sequence number; a snapshot at SEQ_MAX sees every entry. */
export const SEQ_MAX = Number.MAX_SAFE_INTEGER;

/** True when `kind` is a kind this version knows. */
export function isEntryKind(kind: number): kind is EntryKind {
  return kind === EntryKind.tombstone || kind === EntryKind.value;
}

/** The name of a kind, for inspection output. */
export function entryKindName(kind: EntryKind): 'tombstone' | 'value' {
  return kind === EntryKind.tombstone ? 'tombstone' : 'value';
}

/** One version of a key as a lookup returns it. `value` is empty for a tombstone. */
export interface Entry {
  seq: number;
  kind: EntryKind;
  value: Uint8Array;
}

/**
 * Compares bytes `a[aStart, aEnd)` with `b[bStart, bEnd)` unsigned bytewise; negative, zero
 * or positive like a sort comparator. No views are made.
 */
export function compareRange(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  b: Uint8Array,
  bStart: number,
  bEnd: number,
): number {
  const aLength = aEnd - aStart;
  const bLength = bEnd - bStart;
  const length = aLength < bLength ? aLength : bLength;
  for (let i = 0; i < length; i++) {
    const difference = a[aStart + i]! - b[bStart + i]!;
    if (difference !== 0) return difference;
  }
  return aLength - bLength;
}

/** Orders (aKey, aSeq) against (bKey, bSeq): key ascending, then seq descending. */
export function compareInternal(
  aKey: Uint8Array,
  aSeq: number,
  bKey: Uint8Array,
  bSeq: number,
): number {
  const byKey = compareRange(aKey, 0, aKey.length, bKey, 0, bKey.length);
  if (byKey !== 0) return byKey;
  return bSeq - aSeq;
}

/** Like compareInternal, with the first key given as `a[aStart, aEnd)`. */
export function compareInternalRange(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  aSeq: number,
  bKey: Uint8Array,
  bSeq: number,
): number {
  const byKey = compareRange(a, aStart, aEnd, bKey, 0, bKey.length);
  if (byKey !== 0) return byKey;
  return bSeq - aSeq;
}

/**
 * The first four bytes of `key` as a big-endian u32, zero-padded. Whenever two keys'
 * prefixes differ, they order the keys as bytewise comparison would; equal prefixes say
 * nothing. Searches keep prefixes in flat arrays to decide most comparisons without
 * reading key bytes (the skiplist, the table index).
 */
export function keyPrefix(key: Uint8Array): number {
  return keyPrefixAt(key, 0);
}

/**
 * Bytes [start, start + 4) of `key` as a big-endian u32, zero-padded past the key's end.
 * When two keys' prefixes are equal, their next prefixes at 4 order them the same way as
 * keyPrefix does (a longer zero-padded prefix).
 */
export function keyPrefixAt(key: Uint8Array, start: number): number {
  const length = key.length;
  if (length >= start + 4) {
    return ((key[start]! << 24) | (key[start + 1]! << 16) | (key[start + 2]! << 8)
      | key[start + 3]!) >>> 0;
  }
  let prefix = 0;
  for (let i = start; i < start + 4; i++) prefix = prefix * 256 + (i < length ? key[i]! : 0);
  return prefix;
}

/** Asserts that `seq` is a valid sequence number. */
export function assertSeq(seq: number): void {
  assert(Number.isSafeInteger(seq), `seq is not a safe integer: ${seq}`);
  assert(seq >= 0, `seq is negative: ${seq}`);
}
