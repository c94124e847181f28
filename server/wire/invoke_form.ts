// ACTION_INVOKE's two value forms (flo-wire.md §7.6.3): which one a server reads a value as.
// The server parses by it; the client checks that what it sends reads as the form it meant.

import { readU16 } from './frame.ts';

/** Bytes of the older form's fixed head, before its optional blocks. */
const OLDER_HEAD_BYTES = 11;

/** The detection rule of §7.6.3: true when `value` reads as the older form (empty: newest). */
export function readsAsOlderInvoke(value: Uint8Array): boolean {
  if (value.length === 0) return false;
  if (value[0]! >= 2) return true;
  if (value.length < 12 || value[9] !== 0 || value[10]! > 1) return false;
  for (let index = 5; index <= 8; index++) if (value[index] !== 0) return false;
  let at = OLDER_HEAD_BYTES;
  // A [len:u16][bytes] block at `at` fits the value: moves past it.
  const skipBlock = (): boolean => {
    if (at + 2 > value.length) return false;
    at += 2 + readU16(value, at);
    return at <= value.length;
  };
  if (value[10] === 1 && !skipBlock()) return false;
  if (at >= value.length || value[at]! > 1) return false;
  return value[at++] === 0 || skipBlock();
}
