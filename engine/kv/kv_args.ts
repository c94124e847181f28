// Argument checks at the KV store's public boundary: namespaces, keys, values, TTLs, wait
// times, versions, paging. A bad argument is the caller's mistake: TypeError (wrong type)
// or RangeError (out of range), naming the argument and the bound; the server answers both
// with BAD_REQUEST.

import { checkInt } from '../args.ts';
import { utf8 } from '../codec/bytes.ts';
import {
  kvKeyBytesMax, kvNamespaceBytesMax, kvScanLimitDefault, kvScanLimitMax, kvValueBytesMax,
  waitMsMax,
} from '../limits.ts';

/** The namespace every op uses when given "". */
export const DEFAULT_NAMESPACE = 'default';
/** Longest TTL (ms): keeps now + ttl a safe integer for millennia. */
export const TTL_MS_MAX = 2 ** 47;

/** A namespace name: a string without NUL, "" meaning "default". */
export function checkNamespace(namespace: unknown): string {
  if (typeof namespace !== 'string') {
    throw new TypeError(`namespace must be a string, got ${typeof namespace}`);
  }
  if (namespace.length === 0) return DEFAULT_NAMESPACE;
  if (namespace.includes('\0')) throw new RangeError('namespace must not contain NUL');
  if (namespace.length * 3 > kvNamespaceBytesMax && utf8(namespace).length > kvNamespaceBytesMax) {
    throw new RangeError(`namespace is above ${kvNamespaceBytesMax} bytes`);
  }
  return namespace;
}

/** A key as bytes: a Uint8Array, or a string (UTF-8), of 1 to kvKeyBytesMax bytes. */
export function toKey(key: unknown, name = 'key'): Uint8Array {
  const bytes = toBytes(key, name);
  if (bytes.length === 0) throw new RangeError(`${name} is required (empty)`);
  if (bytes.length > kvKeyBytesMax) {
    throw new RangeError(`${name} is ${bytes.length} bytes; the limit is ${kvKeyBytesMax}`);
  }
  return bytes;
}

/** A key prefix for scans: like a key, but may be empty. */
export function toPrefix(prefix: unknown): Uint8Array {
  const bytes = toBytes(prefix ?? new Uint8Array(0), 'prefix');
  if (bytes.length > kvKeyBytesMax) {
    throw new RangeError(`prefix is ${bytes.length} bytes; the limit is ${kvKeyBytesMax}`);
  }
  return bytes;
}

/** A value: a Uint8Array, or a string (UTF-8), of at most kvValueBytesMax bytes. */
export function toValue(value: unknown): Uint8Array {
  const bytes = toBytes(value, 'value');
  if (bytes.length > kvValueBytesMax) {
    throw new RangeError(`value is ${bytes.length} bytes; the limit is ${kvValueBytesMax}`);
  }
  return bytes;
}

function toBytes(value: unknown, name: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return utf8(value);
  throw new TypeError(`${name} must be a Uint8Array or a string, got ${typeof value}`);
}

/** A TTL in ms (0 or absent: none). */
export function checkTtl(ttlMs: unknown, name = 'ttlMs'): number {
  return ttlMs === undefined ? 0 : checkInt(ttlMs, name, 0, TTL_MS_MAX);
}

/** blockMs / waitMs: 0 or absent means do not wait; at most waitMsMax. */
export function checkWait(ms: unknown, name: string): number {
  return ms === undefined ? 0 : checkInt(ms, name, 0, waitMsMax);
}

/** An optional CAS version (0 means "must be missing" for puts). */
export function checkCas(version: unknown): number | undefined {
  return version === undefined ? undefined : checkInt(version, 'casVersion', 0,
    Number.MAX_SAFE_INTEGER);
}

/** An optional transaction id. */
export function checkTxnId(id: unknown): number | undefined {
  return id === undefined ? undefined : checkInt(id, 'txnId', 1, Number.MAX_SAFE_INTEGER);
}

/** A page limit: 0 or absent is the default; above the maximum is clamped (wire §8). */
export function scanLimit(limit: unknown): number {
  if (limit === undefined) return kvScanLimitDefault;
  const value = checkInt(limit, 'limit', 0, 2 ** 32 - 1);
  return value === 0 ? kvScanLimitDefault : Math.min(value, kvScanLimitMax);
}

/** An incr delta: a bigint in the i64 range, or a safe integer. Default 1. */
export function checkDelta(delta: unknown): bigint {
  if (delta === undefined) return 1n;
  if (typeof delta === 'number') return BigInt(checkInt(delta, 'delta', -(2 ** 53) + 1,
    2 ** 53 - 1));
  if (typeof delta !== 'bigint') throw new TypeError('delta must be a bigint or an integer');
  if (delta < -(2n ** 63n) || delta > 2n ** 63n - 1n) {
    throw new RangeError('delta must be in the i64 range');
  }
  return delta;
}
