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
import { fromUtf8, utf8 } from '../codec/bytes.ts';
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
const TWO_TO_32 = 2 ** 32;
const namespaceBytesCache = new Map<string, Uint8Array>();

function nsBytes(namespace: string): Uint8Array {
  let bytes = namespaceBytesCache.get(namespace);
  if (bytes === undefined) {
    bytes = utf8(namespace);
    if (namespaceBytesCache.size >= 4096) namespaceBytesCache.clear();
    namespaceBytesCache.set(namespace, bytes);
  }
  return bytes;
}

/** 0x10 kind ns 0x00: every key of `kind` in `namespace` starts so. */
export function namespacePrefix(kind: KeyKind, namespace: string): Uint8Array {
  const ns = nsBytes(namespace);
  const key = new Uint8Array(3 + ns.length);
  key[0] = KeySpace.action;
  key[1] = kind;
  key.set(ns, 2);
  return key;
}

/** 0x10 kind: every key of `kind` starts so. */
export function kindPrefix(kind: KeyKind): Uint8Array {
  return Uint8Array.of(KeySpace.action, kind);
}

/** namespacePrefix(kind, ns) followed by `parts`, each but the last ended by NUL. */
function keyOf(kind: KeyKind, namespace: string, parts: readonly Uint8Array[],
  tailBytes = 0): Uint8Array {
  const prefix = namespacePrefix(kind, namespace);
  let length = prefix.length + tailBytes;
  for (let i = 0; i < parts.length; i++) {
    length += parts[i]!.length + (i < parts.length - 1 ? 1 : 0);
  }
  const key = new Uint8Array(length);
  key.set(prefix, 0);
  let at = prefix.length;
  parts.forEach((part, i) => {
    key.set(part, at);
    at += part.length + (i < parts.length - 1 ? 1 : 0);
  });
  return key;
}

function writeInvertedSeq(key: Uint8Array, at: number, seq: number): void {
  assert(Number.isSafeInteger(seq) && seq > 0, `bad run sequence ${seq}`);
  const view = new DataView(key.buffer, key.byteOffset + at, SEQ_BYTES);
  view.setUint32(0, 0xffffffff - Math.floor(seq / TWO_TO_32));
  view.setUint32(4, 0xffffffff - (seq % TWO_TO_32));
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
  return keyOf(KeyKind.action, namespace, [utf8(name)]);
}

export function runKey(namespace: string, seq: number): Uint8Array {
  const key = keyOf(KeyKind.run, namespace, [], SEQ_BYTES);
  writeInvertedSeq(key, key.length - SEQ_BYTES, seq);
  return key;
}

/** Prefix of the list keys of `action` (the runs of one action, newest first). */
export function listPrefix(namespace: string, action: string): Uint8Array {
  return keyOf(KeyKind.list, namespace, [utf8(action), new Uint8Array(0)]);
}

export function listKey(namespace: string, action: string, seq: number): Uint8Array {
  const key = keyOf(KeyKind.list, namespace, [utf8(action), new Uint8Array(0)], SEQ_BYTES);
  writeInvertedSeq(key, key.length - SEQ_BYTES, seq);
  return key;
}

export function idemKey(namespace: string, action: string, key: string): Uint8Array {
  return keyOf(KeyKind.idem, namespace, [utf8(action), utf8(key)]);
}

export function workerKey(namespace: string, workerId: string): Uint8Array {
  return keyOf(KeyKind.worker, namespace, [utf8(workerId)]);
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
