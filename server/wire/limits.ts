// The wire protocol's bounds (flo-wire.md §2.7): the defaults the server starts with and the
// hard ceilings the encoding itself sets. Every default is configurable; how the bounds relate
// is checked when this module loads (TigerBeetle constants.zig). server/wire may not import
// engine/limits.ts, so the protocol's own numbers live here. NB: waitMsMax below is the same
// bound as engine/limits.ts waitMsMax (spec §2.7); server/error_table.test.ts checks it.

import { ok as assert } from 'node:assert/strict';

const KiB = 1024;
const MiB = 1024 * KiB;

/** The bounds one connection enforces while decoding and answering frames. */
export interface WireLimits {
  /** Largest request payload (bytes); above it the frame is `frame too large` (§3.6). */
  readonly payloadBytesMax: number;
  /** Largest envelope value section (bytes): `value too large`. */
  readonly valueBytesMax: number;
  /** Largest namespace (bytes). */
  readonly namespaceBytesMax: number;
  /** Largest envelope key (bytes): `key too large`. */
  readonly keyBytesMax: number;
}

export const wireLimitsDefault: WireLimits = {
  payloadBytesMax: 32 * MiB,
  valueBytesMax: 16 * MiB,
  namespaceBytesMax: 128,
  keyBytesMax: 4 * KiB,
};

/** Longest error message in a non-OK reply body (bytes, spec §3.4). */
export const messageBytesMax = 1024;
/** Longest name carried inside a value: group, consumer, action, task id… (bytes). */
export const nameBytesMax = 255;
/** Longest options section (bytes): set by the u16 opts_len field. */
export const optionsBytesMax = 0xffff;
/** Longest `block_ms` / `wait_ms` (ms). */
export const waitMsMax = 300_000;
/** Default largest reply a client accepts (bytes): the 32 MiB soft limit plus one item. */
export const replyBytesMaxDefault = 64 * MiB;
/**
 * Reply body soft limit (bytes, §3.4): lists stop before a body would pass it (one item
 * always goes). A reply may pass it by at most one item, which a request value bounds.
 */
export const replyBytesSoftDefault = 32 * MiB;
/** Requests in flight per connection (received, not answered) before OVERLOADED. */
export const inFlightMaxDefault = 4096;
/**
 * Frames buffered for one socket write past which both ends write at once instead of at the
 * end of the turn (measured on 2 cores: 2 KiB and 4 KiB beat 8 KiB and one write per turn).
 */
export const flushEarlyBytes = 4096;
/** Parked requests server-wide before a new waiter gets its timeout outcome at once. */
export const parkedMaxDefault = 100_000;
/** Time to receive one whole frame once its first byte has arrived (ms, §3.7). */
export const incompleteFrameMsDefault = 60_000;

/** Throws RangeError unless `limits` keep the encoding's own ceilings. */
export function checkWireLimits(limits: WireLimits): WireLimits {
  const check = (name: keyof WireLimits, max: number): void => {
    const value = limits[name];
    if (!Number.isSafeInteger(value) || value < 0 || value > max) {
      throw new RangeError(`limits.${name} must be an integer in [0, ${max}], got ${value}`);
    }
  };
  check('payloadBytesMax', 0xffff_ffff);
  check('valueBytesMax', 0xffff_ffff);
  check('namespaceBytesMax', 0xffff);
  check('keyBytesMax', 0xffff);
  return limits;
}

// The u16/u32 length fields of the envelope bound the defaults; a default value section must
// fit a default payload together with the rest of a full envelope.
checkWireLimits(wireLimitsDefault);
assert(
  wireLimitsDefault.valueBytesMax +
    wireLimitsDefault.namespaceBytesMax +
    wireLimitsDefault.keyBytesMax +
    optionsBytesMax +
    10 <=
    wireLimitsDefault.payloadBytesMax,
  'a full envelope must fit the payload limit',
);
assert(messageBytesMax < 0xffff, 'messages are short');
assert(replyBytesMaxDefault > wireLimitsDefault.payloadBytesMax, 'a reply may exceed a request');
assert(replyBytesSoftDefault + wireLimitsDefault.valueBytesMax + 64 * KiB <= replyBytesMaxDefault,
  'a client accepts a reply at the soft limit plus one item as large as a request value');
assert(inFlightMaxDefault <= parkedMaxDefault, 'one connection cannot exhaust the parked budget');
