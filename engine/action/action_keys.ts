// Where the action store keeps its records in the shared LSM (KeySpace.action, 0x10): one
// sub-tag byte per kind, then the namespace (UTF-8, no NUL) and a NUL, then the kind's key.
// Runs are keyed by the inverted creation sequence (2^64 − 1 − seq, big-endian), so a
// forward scan of a namespace or an action lists runs newest first. Values: action_codec.ts.
//
//   action  := 0x10 0x01 ns 0x00 name                         → ActionRecord
//   run     := 0x10 0x02 ns 0x00 invSeq:u64be                 → RunRecord
//   list    := 0x10 0x03 ns 0x00 action 0x00 invSeq:u64be     → ListEntry (finished runs)
//   idem    := 0x10 0x04 ns 0x00 action 0x00 key              → IdemEntry (finished runs)
//   worker  := 0x10 0x05 ns 0x00 workerId                     → WorkerRecord
//   counter := 0x10 0x06                                      → reserved id (varint)
//
// Format: docs/format/action.md. Part of the on-disk format: sub-tags are never reused.

import { assert } from '../assert.ts';
import { fromUtf8, toHex, utf8 } from '../codec/bytes.ts';
import { CorruptionError } from '../errors.ts';
import type { LsmDb } from '../lsm/db.ts';
import { EntryKind } from '../lsm/internal_key.ts';
import { KeySpace } from '../lsm/key_space.ts';

/** Sub-tags. Part of the on-disk format; do not change values, only add. */
export const KeyKind = {
  action: 0x01,
  run: 0x02,
  list: 0x03,
  idem: 0x04,
  worker: 0x05,
  counter: 0x06,
} as const;
export type KeyKind = (typeof KeyKind)[keyof typeof KeyKind];

const SEQ_BYTES = 8;
const EMPTY = new Uint8Array(0);
const TWO_TO_32 = 2 ** 32;
const NAME_CACHE_MAX = 4096;
// Namespaces and action names recur on every run: their UTF-8 bytes are kept (bounded).
const nameBytesCache = new Map<string, Uint8Array>();

function nameBytes(name: string): Uint8Array {
  let bytes = nameBytesCache.get(name);
  if (bytes === undefined) {
    bytes = utf8(name);
    if (nameBytesCache.size >= NAME_CACHE_MAX) nameBytesCache.clear();
    nameBytesCache.set(name, bytes);
  }
  return bytes;
}

/** 0x10 kind ns 0x00: every key of `kind` in `namespace` starts so. */
export function namespacePrefix(kind: KeyKind, namespace: string): Uint8Array {
  return keyOf(kind, namespace, null, null, 0);
}

/** 0x10 kind: every key of `kind` starts so. */
export function kindPrefix(kind: KeyKind): Uint8Array {
  return Uint8Array.of(KeySpace.action, kind);
}

// namespacePrefix(kind, ns), then `first` and a NUL when `second` follows, then `second`,
// then `tailBytes` zero bytes for the caller to fill. Hot (two keys per finished run): no
// intermediate arrays.
function keyOf(kind: KeyKind, namespace: string, first: Uint8Array | null,
  second: Uint8Array | null, tailBytes: number): Uint8Array {
  assert(second === null || first !== null, 'a second key part follows a first');
  const ns = nameBytes(namespace);
  const firstBytes = first === null ? 0 : first.length + (second === null ? 0 : 1);
  const key = new Uint8Array(3 + ns.length + firstBytes + (second?.length ?? 0) + tailBytes);
  key[0] = KeySpace.action;
  key[1] = kind;
  key.set(ns, 2);
  let at = 3 + ns.length;
  if (first !== null) key.set(first, at);
  at += firstBytes;
  if (second !== null) key.set(second, at);
  return key;
}

// Writes 2^64 − 1 − seq big-endian at `at` (so a forward scan meets newer runs first).
function writeInvertedSeq(key: Uint8Array, at: number, seq: number): void {
  assert(Number.isSafeInteger(seq) && seq > 0, `bad run sequence ${seq}`);
  assert(at + SEQ_BYTES === key.length, 'the sequence ends the key');
  const high = 0xffffffff - Math.floor(seq / TWO_TO_32);
  const low = 0xffffffff - (seq % TWO_TO_32);
  key[at] = high >>> 24;
  key[at + 1] = (high >>> 16) & 0xff;
  key[at + 2] = (high >>> 8) & 0xff;
  key[at + 3] = high & 0xff;
  key[at + 4] = low >>> 24;
  key[at + 5] = (low >>> 16) & 0xff;
  key[at + 6] = (low >>> 8) & 0xff;
  key[at + 7] = low & 0xff;
}

/** The sequence an inverted big-endian u64 at `at` stands for. */
export function readInvertedSeq(key: Uint8Array, at: number): number {
  if (at + SEQ_BYTES > key.length) throw new RangeError('key too short for a sequence');
  const view = new DataView(key.buffer, key.byteOffset + at, SEQ_BYTES);
  const high = 0xffffffff - view.getUint32(0);
  const low = 0xffffffff - view.getUint32(4);
  const seq = high * TWO_TO_32 + low;
  if (!Number.isSafeInteger(seq) || seq === 0) throw new RangeError(`bad run sequence ${seq}`);
  return seq;
}

export function actionKey(namespace: string, name: string): Uint8Array {
  return keyOf(KeyKind.action, namespace, utf8(name), null, 0);
}

export function runKey(namespace: string, seq: number): Uint8Array {
  const key = keyOf(KeyKind.run, namespace, null, null, SEQ_BYTES);
  writeInvertedSeq(key, key.length - SEQ_BYTES, seq);
  return key;
}

/** Prefix of the list keys of `action` (the runs of one action, newest first). */
export function listPrefix(namespace: string, action: string): Uint8Array {
  return keyOf(KeyKind.list, namespace, nameBytes(action), EMPTY, 0);
}

export function listKey(namespace: string, action: string, seq: number): Uint8Array {
  const key = keyOf(KeyKind.list, namespace, nameBytes(action), EMPTY, SEQ_BYTES);
  writeInvertedSeq(key, key.length - SEQ_BYTES, seq);
  return key;
}

export function idemKey(namespace: string, action: string, key: string): Uint8Array {
  return keyOf(KeyKind.idem, namespace, nameBytes(action), utf8(key), 0);
}

export function workerKey(namespace: string, workerId: string): Uint8Array {
  return keyOf(KeyKind.worker, namespace, utf8(workerId), null, 0);
}

export function counterKey(): Uint8Array {
  return kindPrefix(KeyKind.counter);
}

/** The namespace and the rest of a key of `kind` (throws RangeError when malformed). */
export function splitKey(key: Uint8Array): { kind: number; namespace: string; rest: Uint8Array } {
  if (key.length < 2 || key[0] !== KeySpace.action) throw new RangeError('not an action key');
  const end = key.indexOf(0, 2);
  if (end < 0) throw new RangeError('action key without a namespace end');
  return { kind: key[1]!, namespace: fromUtf8(key.subarray(2, end)), rest: key.subarray(end + 1) };
}

/** The smallest key above every key starting with `prefix`. */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  const end = prefix.slice();
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  throw new RangeError('a prefix of 0xff bytes has no end');
}

/**
 * The value at `key` decoded by `decode`, or null when the key holds none. A value that
 * does not decode is a CorruptionError naming the key (docs/format/action.md).
 */
export function readValue<T>(
  db: LsmDb, key: Uint8Array, decode: (bytes: Uint8Array) => T, what: string,
): T | null {
  const entry = db.get(key);
  if (entry === undefined || entry.kind !== EntryKind.value) return null;
  try {
    return decode(entry.value);
  } catch (error) {
    throw new CorruptionError(db.dir, 0, `Cannot decode ${what} ${toHex(key)}: ${String(error)}`);
  }
}
