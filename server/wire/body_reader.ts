// BodyReader: a cursor over an op's value (or a reply body) for the layouts of flo-wire.md §7:
// u8/u16/u32/u64/i64 little-endian, length-prefixed byte strings, flag bytes and "to end".
// Every read checks the remaining length first; a read past the end, a flag byte other than
// 0/1 or a length above a caller's bound throws WireError BAD_REQUEST `malformed value: …`
// (the §3.5 message prefix). Byte strings are views of the input, never copies.
// u64()/i64() return numbers saturated to the safe range (see options.ts for why that is
// exact for the protocol's fields); u64Big()/i64Big() are exact.

import { readU16, readU32 } from './frame.ts';
import { malformedValue } from './wire_error.ts';

const TWO_POW_32 = 0x1_0000_0000;

/** Reads fields from the front of `bytes`; `offset` says how far it got. */
export class BodyReader {
  private readonly bytes: Uint8Array;
  private position = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /** Bytes read so far. */
  get offset(): number {
    return this.position;
  }

  /** Bytes not yet read. */
  get remaining(): number {
    return this.bytes.length - this.position;
  }

  get atEnd(): boolean {
    return this.position === this.bytes.length;
  }

  u8(field = 'u8'): number {
    this.need(1, field);
    return this.bytes[this.position++]!;
  }

  u16(field = 'u16'): number {
    this.need(2, field);
    const value = readU16(this.bytes, this.position);
    this.position += 2;
    return value;
  }

  u32(field = 'u32'): number {
    this.need(4, field);
    const value = readU32(this.bytes, this.position);
    this.position += 4;
    return value;
  }

  /** A u64 as a number, saturated at 2^53 - 1. */
  u64(field = 'u64'): number {
    this.need(8, field);
    const low = readU32(this.bytes, this.position);
    const high = readU32(this.bytes, this.position + 4);
    this.position += 8;
    return Math.min(high * TWO_POW_32 + low, Number.MAX_SAFE_INTEGER);
  }

  u64Big(field = 'u64'): bigint {
    this.need(8, field);
    const low = readU32(this.bytes, this.position);
    const high = readU32(this.bytes, this.position + 4);
    this.position += 8;
    return (BigInt(high) << 32n) | BigInt(low);
  }

  /** An i64 as a number, saturated to the safe integer range. */
  i64(field = 'i64'): number {
    const value = this.i64Big(field);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
    if (value < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER;
    return Number(value);
  }

  i64Big(field = 'i64'): bigint {
    return BigInt.asIntN(64, this.u64Big(field));
  }

  /** A flag byte: 0 or 1, anything else is malformed (spec §1.4). */
  flag(field = 'flag'): boolean {
    const at = this.position;
    const value = this.u8(field);
    if (value > 1) throw malformedValue(`${field} at offset ${at} is ${value}; want 0 or 1`);
    return value === 1;
  }

  /** `length` raw bytes (a view). */
  bytesOf(length: number, field = 'bytes'): Uint8Array {
    this.need(length, field);
    const view = this.bytes.subarray(this.position, this.position + length);
    this.position += length;
    return view;
  }

  /** `[len:u16][bytes]`; `maxBytes` bounds len before anything is read. */
  bytesU16(field = 'bytes', maxBytes = 0xffff): Uint8Array {
    const at = this.position;
    const length = this.u16(`${field} length`);
    this.checkBound(length, maxBytes, field, at);
    return this.bytesOf(length, field);
  }

  /** `[len:u32][bytes]`; `maxBytes` bounds len before anything is read. */
  bytesU32(field = 'bytes', maxBytes = 0xffff_ffff): Uint8Array {
    const at = this.position;
    const length = this.u32(`${field} length`);
    this.checkBound(length, maxBytes, field, at);
    return this.bytesOf(length, field);
  }

  /** Every byte not yet read ("to end"); a view. */
  rest(): Uint8Array {
    const view = this.bytes.subarray(this.position);
    this.position = this.bytes.length;
    return view;
  }

  private need(length: number, field: string): void {
    if (this.position + length > this.bytes.length) {
      throw malformedValue(
        `${field} (${length} bytes) at offset ${this.position} runs past the end ` +
          `(${this.bytes.length} bytes)`,
      );
    }
  }

  private checkBound(length: number, maxBytes: number, field: string, at: number): void {
    if (length > maxBytes) {
      throw malformedValue(`${field} at offset ${at} is ${length} bytes; max ${maxBytes}`);
    }
  }
}
