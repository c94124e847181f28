// The KV store's multi-entry reads over the LSM: a scan page (wire spec §7.2.6, §8), a key's
// history (§7.2.7), and which namespaces hold live keys. Each builds its answer
// synchronously from one DB iterator (a snapshot: concurrent writes cannot tear a page) and
// returns the seq its answer depends on, so the store can hold the answer until that seq is
// durable (engine model §1).
//
//   cursor := 0x01 lastKey          (the user key of the last entry returned; §8)

import { compareRange, EntryKind } from '../lsm/internal_key.ts';
import { startsWith } from '../codec/bytes.ts';
import { copyBytes } from '../codec/copy_bytes.ts';
import type { LsmDb } from '../lsm/db.ts';
import { kvKeyBytesMax } from '../limits.ts';
import {
  decodeRecord, isExpired, lifeEndedBefore, readRecordHeader, type RecordHeader,
} from './kv_record.ts';

/** One scanned key. `value` is empty with keysOnly. */
/** key and value are copies owned by the caller (copy_bytes.ts: small ones share a slab). */
export interface KvScanEntry {
  key: Uint8Array;
  value: Uint8Array;
  version: number;
}

/** One scan page: entries in ascending bytewise key order. */
export interface KvScanPage {
  entries: KvScanEntry[];
  /** True when at least one more entry follows the last one. */
  hasMore: boolean;
  /** Resumes strictly after the last entry; null when hasMore is false. */
  cursor: Uint8Array | null;
}

/** One history entry: the value after a write, with its version and time. */
export interface KvHistoryEntry {
  version: number;
  timestampMs: number;
  /** A copy owned by the caller (copy_bytes.ts: a small one is a view on a shared slab). */
  value: Uint8Array;
}

export interface ScanRequest {
  nsPrefix: Uint8Array;
  prefix: Uint8Array;
  limit: number;
  /** User key to resume strictly after, or null. */
  after: Uint8Array | null;
  keysOnly: boolean;
  excludePrefixes: readonly Uint8Array[];
  nowMs: number;
}

const CURSOR_TAG = 0x01;

/** The cursor resuming after `key`. */
export function encodeCursor(key: Uint8Array): Uint8Array {
  const cursor = new Uint8Array(key.length + 1);
  cursor[0] = CURSOR_TAG;
  cursor.set(key, 1);
  return cursor;
}

/** The key a cursor resumes after (null for an empty cursor). @throws RangeError */
export function decodeCursor(cursor: Uint8Array | null | undefined): Uint8Array | null {
  if (cursor === null || cursor === undefined || cursor.length === 0) return null;
  if (!(cursor instanceof Uint8Array)) throw new TypeError('cursor must be a Uint8Array');
  if (cursor[0] !== CURSOR_TAG || cursor.length < 2 || cursor.length - 1 > kvKeyBytesMax) {
    throw new RangeError('invalid cursor');
  }
  return cursor.subarray(1);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Builds one scan page; returns it with the seq it reflects. */
export function scanPage(db: LsmDb, request: ScanRequest): { page: KvScanPage; seq: number } {
  const { nsPrefix, limit, nowMs, excludePrefixes } = request;
  const start = concat(nsPrefix, request.prefix);
  let after = request.after === null ? null : concat(nsPrefix, request.after);
  const from = after !== null && compareRange(after, 0, after.length, start, 0, start.length) > 0
    ? after : start;
  const entries: KvScanEntry[] = [];
  const header: RecordHeader = { version: 0, writeTimeMs: 0, expiresAtMs: 0, ttlOnly: false };
  let hasMore = false;
  const iterator = db.iterator();
  try {
    for (iterator.seek(from); iterator.valid(); iterator.next()) {
      const lsmKey = iterator.key();
      if (!startsWith(lsmKey, start, 0)) break;
      if (after !== null) {
        // Keys ascend: once past the cursor, no later key needs the comparison.
        if (compareRange(lsmKey, 0, lsmKey.length, after, 0, after.length) <= 0) continue;
        after = null;
      }
      const value = iterator.value();
      const valueStart = readRecordHeader(value, header);
      if (isExpired(header.expiresAtMs, nowMs)) continue;
      if (excludePrefixes.length > 0 && excluded(lsmKey, excludePrefixes, nsPrefix.length)) {
        continue;
      }
      if (entries.length === limit) {
        hasMore = true;
        break;
      }
      entries.push({
        key: copyBytes(lsmKey, nsPrefix.length),
        value: request.keysOnly ? new Uint8Array(0) : copyBytes(value, valueStart),
        version: header.version,
      });
    }
    const cursor = hasMore ? encodeCursor(entries.at(-1)!.key) : null;
    return { page: { entries, hasMore, cursor }, seq: iterator.snapshotSeq };
  } finally {
    iterator.close();
  }
}

function excluded(key: Uint8Array, prefixes: readonly Uint8Array[], from: number): boolean {
  for (const prefix of prefixes) if (startsWith(key, prefix, from)) return true;
  return false;
}

/**
 * The history of `lsmKey`, newest first: the value-setting writes of its current life,
 * at most `limit`. Empty when the key is missing. Also returns the newest entry's seq.
 */
export function readHistory(
  db: LsmDb, lsmKey: Uint8Array, limit: number, nowMs: number,
): { entries: KvHistoryEntry[]; seq: number } {
  const entries: KvHistoryEntry[] = [];
  let seq = 0;
  let newerWriteTimeMs = -1;
  const iterator = db.iterator({ allVersions: true });
  try {
    for (iterator.seek(lsmKey); iterator.valid(); iterator.next()) {
      const key = iterator.key();
      if (compareRange(key, 0, key.length, lsmKey, 0, lsmKey.length) !== 0) break;
      if (seq === 0) seq = iterator.seq();
      if (iterator.kind() === EntryKind.tombstone) break;
      const record = decodeRecord(iterator.value());
      if (newerWriteTimeMs < 0 ? isExpired(record.expiresAtMs, nowMs)
        : lifeEndedBefore(record.expiresAtMs, newerWriteTimeMs)) break;
      newerWriteTimeMs = record.writeTimeMs;
      if (record.ttlOnly) continue;
      entries.push({ version: record.version, timestampMs: record.writeTimeMs,
        value: copyBytes(record.value) });
      if (entries.length >= limit) break;
    }
  } finally {
    iterator.close();
  }
  return { entries, seq };
}

/** True when the namespace with LSM prefix `nsPrefix` holds a live key at `nowMs`. */
export function holdsLiveKey(db: LsmDb, nsPrefix: Uint8Array, nowMs: number): boolean {
  const iterator = db.iterator();
  try {
    for (iterator.seek(nsPrefix); iterator.valid(); iterator.next()) {
      if (!startsWith(iterator.key(), nsPrefix, 0)) return false;
      if (!isExpired(decodeRecord(iterator.value()).expiresAtMs, nowMs)) return true;
    }
    return false;
  } finally {
    iterator.close();
  }
}
