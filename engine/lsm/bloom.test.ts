// Tests of the bloom filter: the hash is MurmurHash3 x86_32 (pinned by reference vectors,
// since filters on disk depend on it), no false negatives ever, and a measured
// false-positive rate near the theory of a blocked filter at 10 bits per key.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from '../testing/fc_params.ts';
import { Prng, randomSeed } from '../io/prng.ts';
import {
  bloomHash, bloomMayContain, bloomProbeCount, buildBloom, checkBloom, murmur3,
} from './bloom.ts';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

function filterOf(keys: Uint8Array[], bitsPerKey: number): Uint8Array {
  return buildBloom(Uint32Array.from(keys, bloomHash), keys.length, bitsPerKey);
}

test('murmur3 matches the MurmurHash3 x86_32 reference vectors', () => {
  const vectors: Array<[string, number, number]> = [
    ['', 0, 0],
    ['', 1, 0x514e28b7],
    ['', 0xffffffff, 0x81f16f39],
    ['\0\0\0\0', 0, 0x2362f9de],
    ['aaaa', 0x9747b28c, 0x5a97808a],
    ['abc', 0, 0xb3dd93fa],
    ['Hello, world!', 0x9747b28c, 0x24884cba],
    ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
  ];
  for (const [text, seed, expected] of vectors) {
    assert.equal(murmur3(utf8(text), seed), expected, `"${text}" seed ${seed}`);
  }
  assert.equal(bloomHash(utf8('abc')), murmur3(utf8('abc'), 0xbc9f1d34));
});

test('a bloom filter has no false negatives', () => {
  fc.assert(fc.property(
    fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 500 }),
    fc.integer({ min: 1, max: 20 }),
    (keys, bitsPerKey) => {
      const filter = filterOf(keys, bitsPerKey);
      assert.equal(checkBloom(filter), null);
      assert.equal(filter[0], bloomProbeCount(bitsPerKey));
      for (const key of keys) assert.ok(bloomMayContain(filter, bloomHash(key)));
    }), fcParams());
});

// The false-positive rate of a blocked filter: keys per 512-bit block are Poisson with mean
// 512 / bitsPerKey, and within a block of j keys a probe hits a set bit with probability
// 1 - (1 - 1/512)^(k j).
function blockedTheory(bitsPerKey: number, probes: number): number {
  const mean = 512 / bitsPerKey;
  let rate = 0;
  let poisson = Math.exp(-mean);
  for (let keys = 0; keys < 400; keys++) {
    rate += poisson * (1 - (1 - 1 / 512) ** (probes * keys)) ** probes;
    poisson *= mean / (keys + 1);
  }
  return rate;
}

test('a bloom filter of 10 bits per key has a false-positive rate near 1%', () => {
  const seed = randomSeed();
  const prng = new Prng(seed);
  const keys = Array.from({ length: 50_000 }, (_, i) => utf8(`present-${i}-${prng.u32()}`));
  const filter = filterOf(keys, 10);
  let falsePositives = 0;
  const probes = 200_000;
  for (let i = 0; i < probes; i++) {
    if (bloomMayContain(filter, bloomHash(utf8(`absent-${i}-${prng.u32()}`)))) falsePositives++;
  }
  const rate = falsePositives / probes;
  const theory = blockedTheory(10, bloomProbeCount(10));
  console.log(`bloom false-positive rate ${(rate * 100).toFixed(3)}% ` +
    `(theory ${(theory * 100).toFixed(3)}%, seed ${seed})`);
  assert.ok(theory > 0.009 && theory < 0.011, `theory ${theory}`);
  assert.ok(rate > theory * 0.75 && rate < theory * 1.25, `rate ${rate} (seed ${seed})`);
});

test('checkBloom refuses short filters and impossible probe counts', () => {
  assert.notEqual(checkBloom(new Uint8Array(4)), null);
  const filter = filterOf([utf8('a')], 10);
  assert.equal(checkBloom(filter), null);
  filter[0] = 0;
  assert.notEqual(checkBloom(filter), null);
  filter[0] = 31;
  assert.notEqual(checkBloom(filter), null);
  assert.equal(filter.length, 1 + 64, 'one key takes one 64-byte block');
  filter[0] = 7;
  assert.notEqual(checkBloom(filter.subarray(0, 64)), null);
});
