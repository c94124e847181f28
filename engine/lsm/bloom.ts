// The table's bloom filter over user keys: a point lookup skips a table whose filter says
// "absent" without touching its index or data blocks. One filter per table, ~10 bits per
// key, k = round(bitsPerKey * ln 2) probes by double hashing (Kirsch-Mitzenmacher):
// probe i sets bit (h1 + i * h2) mod m, where h1 = bloomHash(key) and h2 is h1 put through
// a 32-bit finalizer (so the hash is computed once per key).
//
//   filter := probeCount:u8 bits:(m / 8 bytes)      m = 8 * (payload length - 1)
//
// Bit j is bit (j & 7) of byte (j >> 3) of `bits`. A filter has no false negatives; its
// false-positive rate is about (1 - e^(-k n / m))^k (0.8% at 10 bits/key). Format:
// docs/format/table.md. Called by the table writer (build) and reader (mayContain).

import { assert } from '../assert.ts';

/** Bytes before the bit array. Part of the on-disk format. */
export const BLOOM_HEADER_BYTES = 1;
/** Most probes a filter may ask for. Part of the on-disk format. */
export const BLOOM_PROBES_MAX = 30;
// Small filters round up to this many bits, so a table of one key still has a usable filter.
const BLOOM_BITS_MIN = 64;

/**
 * 32-bit hash of `key` for the filter: MurmurHash3 x86_32 with seed 0xbc9f1d34. Part of the
 * on-disk format: a filter stores bits chosen by it; do not change.
 */
export function bloomHash(key: Uint8Array): number {
  return murmur3(key, 0xbc9f1d34);
}

/** MurmurHash3 x86_32 of `key` with `seed` (Austin Appleby's reference algorithm). */
export function murmur3(key: Uint8Array, seed: number): number {
  const length = key.length;
  let hash = seed | 0;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = key[i]! | (key[i + 1]! << 8) | (key[i + 2]! << 16) | (key[i + 3]! << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    hash ^= Math.imul(k, 0x1b873593);
    hash = (hash << 13) | (hash >>> 19);
    hash = (Math.imul(hash, 5) + 0xe6546b64) | 0;
  }
  const rest = length & 3;
  if (rest > 0) {
    let tail = key[blocks]!;
    if (rest > 1) tail |= key[blocks + 1]! << 8;
    if (rest > 2) tail |= key[blocks + 2]! << 16;
    tail = Math.imul(tail, 0xcc9e2d51);
    tail = (tail << 15) | (tail >>> 17);
    hash ^= Math.imul(tail, 0x1b873593);
  }
  hash ^= length;
  return finalize(hash);
}

// MurmurHash3's fmix32: a bijection that spreads every input bit over the output.
function finalize(value: number): number {
  let hash = value;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

// The distance between probes: h2 = fmix32(h1 ^ golden ratio), made odd so that it is
// never 0 modulo the (even) bit count.
function probeStep(hash: number, bitCount: number): number {
  return ((finalize(hash ^ 0x9e3779b9) | 1) >>> 0) % bitCount;
}

/** Probes for `bitsPerKey` (round(bitsPerKey * ln 2), within [1, BLOOM_PROBES_MAX]). */
export function bloomProbeCount(bitsPerKey: number): number {
  return Math.min(BLOOM_PROBES_MAX, Math.max(1, Math.round(bitsPerKey * Math.LN2)));
}

/**
 * Builds the filter payload for the key hashes in `hashes[0, count)`.
 * REQUIRES: bitsPerKey >= 1.
 */
export function buildBloom(hashes: Uint32Array, count: number, bitsPerKey: number): Uint8Array {
  assert(bitsPerKey >= 1, `bloom bits per key ${bitsPerKey} below 1`);
  assert(count <= hashes.length, 'more hashes counted than held');
  const bitCount = Math.max(BLOOM_BITS_MIN, Math.ceil(count * bitsPerKey / 8) * 8);
  const probes = bloomProbeCount(bitsPerKey);
  const filter = new Uint8Array(BLOOM_HEADER_BYTES + bitCount / 8);
  filter[0] = probes;
  for (let index = 0; index < count; index++) {
    const h1 = hashes[index]!;
    let bit = h1 % bitCount;
    const step = probeStep(h1, bitCount);
    for (let probe = 0; probe < probes; probe++) {
      filter[BLOOM_HEADER_BYTES + (bit >>> 3)]! |= 1 << (bit & 7);
      bit += step;
      if (bit >= bitCount) bit -= bitCount;
    }
  }
  assert(filter.length * 8 - 8 * BLOOM_HEADER_BYTES === bitCount, 'filter size');
  return filter;
}

/**
 * False when the key whose bloomHash is `hash` is certainly not in the filter.
 * REQUIRES: a filter accepted by checkBloom().
 */
export function bloomMayContain(filter: Uint8Array, hash: number): boolean {
  const bitCount = (filter.length - BLOOM_HEADER_BYTES) * 8;
  const probes = filter[0]!;
  let bit = hash % bitCount;
  const step = probeStep(hash, bitCount);
  for (let probe = 0; probe < probes; probe++) {
    if ((filter[BLOOM_HEADER_BYTES + (bit >>> 3)]! & (1 << (bit & 7))) === 0) return false;
    bit += step;
    if (bit >= bitCount) bit -= bitCount;
  }
  return true;
}

/** Why a filter payload is malformed, or null when it is usable. */
export function checkBloom(filter: Uint8Array): string | null {
  if (filter.length < BLOOM_HEADER_BYTES + BLOOM_BITS_MIN / 8) {
    return `bloom filter of ${filter.length} bytes is too short`;
  }
  const probes = filter[0]!;
  if (probes < 1 || probes > BLOOM_PROBES_MAX) return `bloom filter has ${probes} probes`;
  return null;
}
