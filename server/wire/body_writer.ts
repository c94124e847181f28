// BodyWriter: builds an op's value or a reply body for the layouts of flo-wire.md §7 into one
// growing buffer: u8/u16/u32/u64/i64 little-endian, length-prefixed byte strings and UTF-8
// text. It is meant to be reused on the hot path: reset() keeps the buffer, view() returns the
// bytes without copying (valid until the next write or reset), toBytes() returns a copy that
// may outlive the writer (a reply that waits for its turn needs one).
// Values out of a field's range throw RangeError: that is a bug in the caller, not in input.

import { Buffer } from 'node:buffer';
import { writeU16, writeU32 } from './frame.ts';

const TWO_POW_32 = 0x1_0000_0000;

export class BodyWriter {
  private buffer: Buffer;
  private length = 0;

  constructor(initialBytes = 256) {
    this.buffer = Buffer.allocUnsafe(Math.max(16, initialBytes));
  }

  /** Bytes written since the last reset. */
  get byteLength(): number {
    return this.length;
  }

  /** Forgets what was written; keeps the buffer. */
  reset(): this {
    this.length = 0;
    return this;
  }

  u8(value: number): this {
    checkUint(value, 0xff, 'u8');
    this.reserve(1);
    this.buffer[this.length++] = value;
    return this;
  }

  u16(value: number): this {
    checkUint(value, 0xffff, 'u16');
    this.reserve(2);
    writeU16(this.buffer, this.length, value);
    this.length += 2;
    return this;
  }

  u32(value: number): this {
    checkUint(value, 0xffff_ffff, 'u32');
    this.reserve(4);
    writeU32(this.buffer, this.length, value);
    this.length += 4;
    return this;
  }

  /** A u64 from a safe integer or a bigint. */
  u64(value: number | bigint): this {
    if (typeof value === 'bigint') {
      if (value < 0n || value > 0xffff_ffff_ffff_ffffn) throw new RangeError(`u64 got ${value}`);
      return this.halves(Number(value & 0xffff_ffffn), Number(value >> 32n));
    }
    checkUint(value, Number.MAX_SAFE_INTEGER, 'u64');
    return this.halves(value % TWO_POW_32, Math.floor(value / TWO_POW_32));
  }

  /** An i64 (two's complement) from a safe integer or a bigint. */
  i64(value: number | bigint): this {
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) throw new RangeError(`i64 got ${value}`);
      if (value >= 0) return this.u64(value);
    }
    const big = BigInt(value);
    if (big < -(1n << 63n) || big >= 1n << 63n) throw new RangeError(`i64 got ${value}`);
    return this.u64(BigInt.asUintN(64, big));
  }

  /** Raw bytes. */
  bytes(value: Uint8Array): this {
    this.reserve(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
    return this;
  }

  /** `[len:u16][bytes]`. */
  bytesU16(value: Uint8Array): this {
    return this.u16(value.length).bytes(value);
  }

  /** `[len:u32][bytes]`. */
  bytesU32(value: Uint8Array): this {
    return this.u32(value.length).bytes(value);
  }

  /** UTF-8 text without a length. */
  utf8(text: string): this {
    this.reserve(Buffer.byteLength(text));
    this.length += this.buffer.write(text, this.length, 'utf8');
    return this;
  }

  /** `[len:u16][utf8]`. */
  utf8U16(text: string): this {
    return this.u16(Buffer.byteLength(text)).utf8(text);
  }

  /** `[len:u32][utf8]`. */
  utf8U32(text: string): this {
    return this.u32(Buffer.byteLength(text)).utf8(text);
  }

  /** The bytes written, without a copy: valid until the next write or reset. */
  view(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  /** A copy of the bytes written. */
  toBytes(): Uint8Array {
    const copy = new Uint8Array(this.length);
    copy.set(this.buffer.subarray(0, this.length));
    return copy;
  }

  private halves(low: number, high: number): this {
    this.reserve(8);
    writeU32(this.buffer, this.length, low);
    writeU32(this.buffer, this.length + 4, high);
    this.length += 8;
    return this;
  }

  private reserve(extraBytes: number): void {
    const needed = this.length + extraBytes;
    if (needed <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

function checkUint(value: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${what} must be an integer in [0, ${max}], got ${value}`);
  }
}
