// The table's bloom filter over user keys: a point lookup skips a table whose filter says
// "absent" without touching its index or data blocks. One filter per table, ~10 bits per
// key, cache-local (RocksDB's FastLocalBloom idea): the bits are cut into 512-bit blocks and
// all k probes of a key fall in one block, so a lookup touches one cache line. The block is
// fastrange(h1, blockCount), h1 = bloomHash(key); probe i tests bit (h2_i >>> 23) of the
// block, where h2_0 = fmix32(h1 ^ 0x9e3779b9) and h2_(i+1) = h2_i * 0x9e3779b9 (mod 2^32).
//
//   filter := probeCount:u8 block+        block := 64 bytes (512 bits)
//
// Bit j of a block is bit (j & 7) of its byte (j >> 3). No false negatives; the false-
// positive rate at 10 bits/key is ~1.0% (0.82% for an unblocked filter, which costs up to
// k cache misses per lookup). Format: docs/format/table.md. Called by the table writer
// (buildBloom) and the reader (bloomMayContain).

import { assert } from '../assert.ts';

/** Bytes before the first block. Part of the on-disk format. */
export const BLOOM_HEADER_BYTES = 1;
/** Bytes of one block (a cache line). Part of the on-disk format. */
export const BLOOM_BLOCK_BYTES = 64;
/** Most probes a filter may ask for. Part of the on-disk format. */
export const BLOOM_PROBES_MAX = 30;
const BLOOM_BLOCK_BITS = 8 * BLOOM_BLOCK_BYTES;
// Multiplier between probes (2^32 / golden ratio, odd). Part of the on-disk format.
const PROBE_MULTIPLIER = 0x9e3779b9;

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

// The first probe's hash: fmix32 of h1 with the golden-ratio constant mixed in, so it is
// independent enough of h1, which already chose the block.
function firstProbe(hash: number): number {
  return finalize(hash ^ PROBE_MULTIPLIER);
}

// The bit offset of the block of `hash`: fastrange (the high part of hash * blockCount).
// hash < 2^32 and blockCount < 2^21, so the product is exact.
function blockStart(hash: number, blockCount: number): number {
  return Math.floor((hash * blockCount) / 2 ** 32) * BLOOM_BLOCK_BITS;
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
  const blockCount = Math.max(1, Math.ceil((count * bitsPerKey) / BLOOM_BLOCK_BITS));
  const probes = bloomProbeCount(bitsPerKey);
  const filter = new Uint8Array(BLOOM_HEADER_BYTES + blockCount * BLOOM_BLOCK_BYTES);
  filter[0] = probes;
  const bits = filter.subarray(BLOOM_HEADER_BYTES);
  for (let index = 0; index < count; index++) {
    const hash = hashes[index]!;
    const start = blockStart(hash, blockCount);
    let probe = firstProbe(hash);
    for (let i = 0; i < probes; i++) {
      const bit = start + (probe >>> 23);
      bits[bit >>> 3]! |= 1 << (bit & 7);
      probe = Math.imul(probe, PROBE_MULTIPLIER);
    }
  }
  assert(checkBloom(filter) === null, 'built a malformed filter');
  return filter;
}

/**
 * False when the key whose bloomHash is `hash` is certainly not in the filter.
 * REQUIRES: a filter accepted by checkBloom().
 */
export function bloomMayContain(filter: Uint8Array, hash: number): boolean {
  const blockCount = (filter.length - BLOOM_HEADER_BYTES) / BLOOM_BLOCK_BYTES;
  const probes = filter[0]!;
  const start = 8 * BLOOM_HEADER_BYTES + blockStart(hash, blockCount);
  let probe = firstProbe(hash);
  for (let i = 0; i < probes; i++) {
    const bit = start + (probe >>> 23);
    if ((filter[bit >>> 3]! & (1 << (bit & 7))) === 0) return false;
    probe = Math.imul(probe, PROBE_MULTIPLIER);
  }
  return true;
}

/** Why a filter payload is malformed, or null when it is usable. */
export function checkBloom(filter: Uint8Array): string | null {
  const blockBytes = filter.length - BLOOM_HEADER_BYTES;
  if (blockBytes < BLOOM_BLOCK_BYTES || blockBytes % BLOOM_BLOCK_BYTES !== 0) {
    return `bloom filter of ${filter.length} bytes is not a whole number of blocks`;
  }
  const probes = filter[0]!;
  if (probes < 1 || probes > BLOOM_PROBES_MAX) return `bloom filter has ${probes} probes`;
  return null;
}
