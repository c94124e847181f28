// How a KV entry sits in the LSM: its key and the record in its value. Each write that
// changes a key (put, incr, JSON write, touch, persist, a transaction commit) adds one LSM
// version; deletes add a tombstone. The versions of a key, newest first, are its history.
//
//   lsmKey := 0x01 (KeySpace.kv) namespaceId:varint key        (ids: kv_namespaces.ts)
//   record := format:u8 flags:u8 version:u64 LE writeTimeMs:u64 LE
//             [expiresAtMs:u64 LE, when flags has TTL] value
//   flags  := bit 0 TTL (expiresAtMs present) | bit 1 TTL_ONLY (a touch or persist: the same
//             version and value as the entry below it, not a history entry)
//
// Life boundaries (where a key's history starts) need no marker: a tombstone ends a life,
// and so does an expiry, visible as an entry whose expiresAtMs is at or before the next
// newer entry's writeTimeMs (the key was missing when that entry was written). Format:
// docs/format/kv.md. Part of the on-disk format.

import { assert } from '../assert.ts';
import { readU32, writeU32 } from '../codec/bytes.ts';
import { CorruptionError } from '../errors.ts';

// Part of the on-disk format; do not change.
export const KV_RECORD_FORMAT = 1;
export const RecordFlag = { ttl: 0x01, ttlOnly: 0x02 } as const;
const RECORD_FLAGS_KNOWN = 0x03;
export const RECORD_HEADER_BYTES = 18;
export const RECORD_TTL_BYTES = 8;

const TWO_TO_32 = 2 ** 32;

/** A decoded record; `value` is a view into the LSM's memory (copy it to keep it). */
export interface KvRecord {
  version: number;
  writeTimeMs: number;
  /** 0 when the key has no TTL. */
  expiresAtMs: number;
  ttlOnly: boolean;
  value: Uint8Array;
}

/** Writes the record header into `out` (>= 26 bytes); returns its length. */
export function encodeRecordHeader(
  out: Uint8Array, version: number, writeTimeMs: number, expiresAtMs: number, ttlOnly: boolean,
): number {
  assert(Number.isSafeInteger(version) && version > 0, `bad version ${version}`);
  assert(Number.isSafeInteger(writeTimeMs) && writeTimeMs >= 0, `bad time ${writeTimeMs}`);
  assert(Number.isSafeInteger(expiresAtMs) && expiresAtMs >= 0, `bad expiry ${expiresAtMs}`);
  out[0] = KV_RECORD_FORMAT;
  out[1] = (expiresAtMs > 0 ? RecordFlag.ttl : 0) | (ttlOnly ? RecordFlag.ttlOnly : 0);
  writeU32(out, 2, version % TWO_TO_32);
  writeU32(out, 6, Math.floor(version / TWO_TO_32));
  writeU32(out, 10, writeTimeMs % TWO_TO_32);
  writeU32(out, 14, Math.floor(writeTimeMs / TWO_TO_32));
  if (expiresAtMs === 0) return RECORD_HEADER_BYTES;
  writeU32(out, 18, expiresAtMs % TWO_TO_32);
  writeU32(out, 22, Math.floor(expiresAtMs / TWO_TO_32));
  return RECORD_HEADER_BYTES + RECORD_TTL_BYTES;
}

/**
 * Decodes a record. @throws CorruptionError for an unknown format or flags, a short record
 * or a field above 2^53 (the LSM checked its CRC, so this is a bug or a format mismatch).
 */
export function decodeRecord(bytes: Uint8Array): KvRecord {
  const header: RecordHeader = { version: 0, writeTimeMs: 0, expiresAtMs: 0, ttlOnly: false };
  const start = readRecordHeader(bytes, header);
  return { ...header, value: bytes.subarray(start) };
}

/** A record's header fields, decoded in place by readRecordHeader (no allocation). */
export interface RecordHeader {
  version: number;
  writeTimeMs: number;
  expiresAtMs: number;
  ttlOnly: boolean;
}

/**
 * Decodes the header of `bytes` into `out` and returns where the value starts: the hot
 * paths (get, scan) reuse one `out` instead of allocating a record per entry.
 * @throws CorruptionError as decodeRecord
 */
export function readRecordHeader(bytes: Uint8Array, out: RecordHeader): number {
  if (bytes.length < RECORD_HEADER_BYTES) badRecord(`${bytes.length} bytes`);
  if (bytes[0] !== KV_RECORD_FORMAT) badRecord(`unknown format ${bytes[0]}`);
  const flags = bytes[1]!;
  if ((flags & ~RECORD_FLAGS_KNOWN) !== 0) badRecord(`unknown flags 0x${flags.toString(16)}`);
  out.version = readSafe(bytes, 2);
  out.writeTimeMs = readSafe(bytes, 10);
  out.ttlOnly = (flags & RecordFlag.ttlOnly) !== 0;
  if ((flags & RecordFlag.ttl) === 0) {
    out.expiresAtMs = 0;
    return RECORD_HEADER_BYTES;
  }
  if (bytes.length < RECORD_HEADER_BYTES + RECORD_TTL_BYTES) badRecord('TTL field missing');
  out.expiresAtMs = readSafe(bytes, RECORD_HEADER_BYTES);
  return RECORD_HEADER_BYTES + RECORD_TTL_BYTES;
}

// No closures on this path: it runs for every get and every scanned entry.
function badRecord(what: string): never {
  throw new CorruptionError('kv', 0, `Cannot decode KV record: ${what}`);
}

function readSafe(bytes: Uint8Array, position: number): number {
  const high = readU32(bytes, position + 4);
  if (high > 0x1fffff) badRecord(`field at ${position} above 2^53`);
  return high * TWO_TO_32 + readU32(bytes, position);
}

/** True when a record with this expiry is expired at `nowMs`. */
export function isExpired(expiresAtMs: number, nowMs: number): boolean {
  return expiresAtMs !== 0 && expiresAtMs <= nowMs;
}

/**
 * True when a key whose older entry expires at `olderExpiresAtMs` was missing when the newer
 * entry was written at `newerWriteTimeMs`: the older entry belongs to an earlier life.
 */
export function lifeEndedBefore(olderExpiresAtMs: number, newerWriteTimeMs: number): boolean {
  return olderExpiresAtMs !== 0 && olderExpiresAtMs <= newerWriteTimeMs;
}
