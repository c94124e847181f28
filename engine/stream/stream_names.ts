// Argument checks for the names the stream API takes (spec §2.7, §7.5.1): namespaces (empty
// means "default"), stream names, group and consumer names. Names are JS strings measured in
// UTF-8 bytes; NUL is never allowed (catalog keys and pattern matching rely on it). Bad names
// throw TypeError or RangeError naming the argument and the bound.

import { assert } from '../assert.ts';
import { groupNameBytesMax, namespaceBytesMax, streamNameBytesMax } from '../limits.ts';

const encoder = new TextEncoder();

/** The namespace used when a caller passes the empty string. */
export const DEFAULT_NAMESPACE = 'default';

function checkName(value: unknown, name: string, minBytes: number, maxBytes: number): string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
  // UTF-8 takes at least one byte per UTF-16 unit and at most three.
  const bytes = value.length * 3 <= maxBytes ? -1 : encoder.encode(value).length;
  if (bytes > maxBytes) {
    throw new RangeError(`${name} is ${bytes} bytes; the limit is ${maxBytes}`);
  }
  if (value.length < minBytes) {
    throw new RangeError(`${name} must not be empty`);
  }
  if (value.includes('\u0000')) throw new RangeError(`${name} must not contain NUL`);
  assert(value.length >= minBytes, 'checked above');
  return value;
}

/** A namespace (at most 128 bytes); '' means "default". */
export function checkNamespace(value: unknown): string {
  const namespace = checkName(value, 'namespace', 0, namespaceBytesMax);
  return namespace === '' ? DEFAULT_NAMESPACE : namespace;
}

/** A stream name: 1 to 4 096 bytes. */
export function checkStreamName(value: unknown, name = 'stream'): string {
  return checkName(value, name, 1, streamNameBytesMax);
}

/** A group name: 1 to 255 bytes. */
export function checkGroupName(value: unknown): string {
  return checkName(value, 'group', 1, groupNameBytesMax);
}

/** A consumer name: 1 to 255 bytes, or 0 where `allowEmpty` (ack, nack, touch). */
export function checkConsumerName(value: unknown, allowEmpty = false): string {
  return checkName(value, 'consumer', allowEmpty ? 0 : 1, groupNameBytesMax);
}
