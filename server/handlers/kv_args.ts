// How the KV handlers read what a request carries (flo-wire.md §7.2): keys (required, never
// under a reserved prefix, §7.2.1), the keys listed inside a KV_MGET value (the envelope's
// rules applied by hand: 1 to keyBytesMax bytes, no NUL), the `txn_id` option (an id no
// transaction can have is `unknown transaction`, as the engine answers for one that ended),
// JSON paths as text, the small fixed replies, and the limits the family is given. Every
// failure is a WireError raised before the engine is called. Used by server/handlers/kv.ts,
// kv_lists.ts and kv_txn.ts.

import { ok as assert } from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { Status, writeU32 } from '../wire/frame.ts';
import { OptionTag } from '../wire/option_tags.ts';
import type { TlvOptions } from '../wire/options.ts';
import { badRequest, WireError } from '../wire/wire_error.ts';

/** What the KV family needs from the server's configuration. */
export interface KvHandlerLimits {
  /** Reply body soft limit (§3.4). */
  readonly replyBytesSoft: number;
  /** Longest key (§2.7), for the keys listed inside a KV_MGET value. */
  readonly keyBytesMax: number;
}

/** Key prefixes kept for the server's own state (§7.2.1): no user op may touch them. */
export const RESERVED_KEY_PREFIXES: readonly Uint8Array[] = [
  '_action:', '_worker:', '_sys:', '_internal:', '_flo:',
].map((prefix) => new TextEncoder().encode(prefix));

const EMPTY = new Uint8Array(0);
const TWO_POW_32 = 0x1_0000_0000;
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** True when `key` begins with one of the reserved prefixes. */
export function hasReservedPrefix(key: Uint8Array): boolean {
  // Every reserved prefix starts with '_': most keys are decided by their first byte.
  if (key.length === 0 || key[0] !== 0x5f) return false;
  return RESERVED_KEY_PREFIXES.some((prefix) => startsWith(key, prefix));
}

/** UNAUTHORIZED `reserved key prefix` (§3.5). */
export function reservedPrefixError(): WireError {
  return new WireError(Status.UNAUTHORIZED, 'reserved key prefix');
}

/** The envelope key of a key-addressed op: required, and not reserved. */
export function kvKey(key: Uint8Array): Uint8Array {
  if (key.length === 0) throw badRequest('key is required');
  if (hasReservedPrefix(key)) throw reservedPrefixError();
  return key;
}

/** A key listed inside a value (KV_MGET): the envelope's key rules, then kvKey's. */
export function listedKey(key: Uint8Array, keyBytesMax: number): Uint8Array {
  assert(keyBytesMax > 0, 'keys may have bytes');
  if (key.length > keyBytesMax) {
    throw badRequest(`key too large: ${key.length} bytes; max ${keyBytesMax}`);
  }
  if (key.includes(0)) throw badRequest('key contains a NUL byte');
  return kvKey(key);
}

/**
 * The `txn_id` option, or undefined. 0 and ids past 2^53 name no transaction (ids count up
 * from 1): NO_ACTIVE_TRANSACTION `unknown transaction`, as for an ended one.
 */
export function txnIdOf(options: TlvOptions): number | undefined {
  const id = options.uintBig(OptionTag.txn_id);
  if (id === undefined) return undefined;
  if (id === 0n || id > BigInt(Number.MAX_SAFE_INTEGER)) throw unknownTransaction();
  return Number(id);
}

/** NO_ACTIVE_TRANSACTION `unknown transaction` (§7.2.10). */
export function unknownTransaction(): WireError {
  return new WireError(Status.NO_ACTIVE_TRANSACTION, 'unknown transaction');
}

/** A JSON path as text (§7.2.9); bytes that are not UTF-8 cannot spell a supported path. */
export function pathOf(bytes: Uint8Array): string {
  try {
    return utf8Strict.decode(bytes);
  } catch {
    throw badRequest('unsupported path: not UTF-8');
  }
}

/** JSON text from bytes; invalid UTF-8 is invalid JSON. */
export function jsonTextOf(bytes: Uint8Array): string {
  try {
    return utf8Strict.decode(bytes);
  } catch {
    throw badRequest('invalid JSON: not UTF-8');
  }
}

/** `[value:u64]` followed by `tail` (a version and a value, a version and JSON text…). */
export function u64Body(value: number, tail: Uint8Array = EMPTY): Uint8Array {
  assert(Number.isSafeInteger(value) && value >= 0, 'a u64 body holds a safe integer');
  // Not zero-filled and, when small, cut from Node's shared pool: every byte is written below.
  const body = Buffer.allocUnsafe(8 + tail.length);
  writeU32(body, 0, value % TWO_POW_32);
  writeU32(body, 4, Math.floor(value / TWO_POW_32));
  body.set(tail, 8);
  return body;
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let index = 0; index < prefix.length; index++) {
    if (bytes[index] !== prefix[index]) return false;
  }
  return true;
}
