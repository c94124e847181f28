// Seeded pseudo-random numbers (sfc32), for the simulator, crash clones and jitter. Only
// engine/io reads real randomness: `randomSeed()` is the one call to Math.random, and every
// randomized test prints the seed it used so a failure can be replayed.

import { assert } from '../assert.ts';

/** A small, fast, seedable generator. Not for cryptography. */
export class Prng {
  readonly seed: number;
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    assert(Number.isSafeInteger(seed), `seed must be an integer, got ${seed}`);
    this.seed = seed;
    // Expand the seed with splitmix32 so nearby seeds give unrelated streams.
    let state = (seed ^ Math.floor(seed / 2 ** 32)) >>> 0;
    const next = (): number => {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A uniformly random u32. */
  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.u32() / 2 ** 32;
  }

  /** An integer in [min, maxExclusive). */
  int(min: number, maxExclusive: number): number {
    assert(maxExclusive > min, `empty range [${min}, ${maxExclusive})`);
    return min + Math.floor(this.float() * (maxExclusive - min));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** A random element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    assert(items.length > 0, 'pick from an empty array');
    return items[this.int(0, items.length)]!;
  }

  /** `length` random bytes. */
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

/** A fresh seed from real randomness. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 48);
}
