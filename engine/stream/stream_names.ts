// Argument checks for the names the stream API takes (spec §2.7, §7.5.1): namespaces (empty
// means "default"), stream names, group and consumer names. Names are JS strings measured in
// UTF-8 bytes; NUL is never allowed (catalog keys and pattern matching rely on it). Bad names
// throw TypeError or RangeError naming the argument and the bound.

import { checkName } from '../args.ts';
import { groupNameBytesMax, namespaceBytesMax, streamNameBytesMax } from '../limits.ts';

/** The namespace used when a caller passes the empty string. */
export const DEFAULT_NAMESPACE = 'default';

/** A namespace (at most 128 bytes); '' means "default". */
export function checkNamespace(value: unknown): string {
  const namespace = checkName(value, 'namespace', namespaceBytesMax, true);
  return namespace === '' ? DEFAULT_NAMESPACE : namespace;
}

/** A stream name: 1 to 4 096 bytes. */
export function checkStreamName(value: unknown, name = 'stream'): string {
  return checkName(value, name, streamNameBytesMax);
}

/** A group name: 1 to 255 bytes. */
export function checkGroupName(value: unknown): string {
  return checkName(value, 'group', groupNameBytesMax);
}

/** A consumer name: 1 to 255 bytes, or 0 where `allowEmpty` (ack, nack, touch). */
export function checkConsumerName(value: unknown, allowEmpty = false): string {
  return checkName(value, 'consumer', groupNameBytesMax, allowEmpty);
}
