// TLV options (flo-wire.md §4.2-4.4): TlvOptions reads an options section, OptionsWriter
// builds one. Layout: ( [tag:u8][len:u8][data:len] )* until opts_len bytes are used.
// Format page: docs/format/wire.md.
//
// Reading: the constructor checks only the structure (an entry running past the section is
// `malformed option`). Typed accessors check an option's data when a handler asks for it, so
// tags an op does not use are never validated (§4.2). The first occurrence of a tag wins.
// Lookups rescan the section: sections hold a handful of entries and this keeps a request's
// options free of allocation. u64 accessors that return a number saturate at 2^53 - 1; for
// every option of §4.4 that is the same outcome as the exact value (no real version, seq,
// id, count or time reaches 2^53), and the bigint accessors give the exact value.

import { readU32 } from './frame.ts';
import { describeOption } from './option_tags.ts';
import { malformedOption } from './wire_error.ts';

/** A StreamID `(timestamp_ms, sequence)`; each part saturates at 2^53 - 1. */
export interface StreamId {
  readonly timestampMs: number;
  readonly sequence: number;
}

const EMPTY = new Uint8Array(0);
const TWO_POW_32 = 0x1_0000_0000;

/** A read-only view of one request's options section. */
export class TlvOptions {
  static readonly EMPTY: TlvOptions = new TlvOptions(EMPTY);

  /** The options section (a view of the request payload). */
  readonly bytes: Uint8Array;

  /** Throws WireError `malformed option` when an entry runs past the section. */
  constructor(bytes: Uint8Array) {
    let offset = 0;
    while (offset < bytes.length) {
      if (offset + 2 > bytes.length) {
        throw malformedOption(`entry at offset ${offset} has no length byte`);
      }
      const end = offset + 2 + bytes[offset + 1]!;
      if (end > bytes.length) {
        throw malformedOption(
          `${describeOption(bytes[offset]!)} at offset ${offset} runs past the options ` +
            `section (${bytes.length} bytes)`,
        );
      }
      offset = end;
    }
    this.bytes = bytes;
  }

  /** The data of the first entry with `tag` (a view), or undefined. */
  get(tag: number): Uint8Array | undefined {
    const bytes = this.bytes;
    for (let offset = 0; offset < bytes.length; offset += 2 + bytes[offset + 1]!) {
      if (bytes[offset] === tag) return bytes.subarray(offset + 2, offset + 2 + bytes[offset + 1]!);
    }
    return undefined;
  }

  has(tag: number): boolean {
    return this.get(tag) !== undefined;
  }

  /** Every entry in order, duplicates included. */
  *entries(): IterableIterator<[tag: number, data: Uint8Array]> {
    const bytes = this.bytes;
    for (let offset = 0; offset < bytes.length; offset += 2 + bytes[offset + 1]!) {
      yield [bytes[offset]!, bytes.subarray(offset + 2, offset + 2 + bytes[offset + 1]!)];
    }
  }

  /** An unsigned option of width 1, 2, 4 or 8 (any width whatever the nominal type). */
  uint(tag: number): number | undefined {
    const data = this.get(tag);
    if (data === undefined) return undefined;
    switch (data.length) {
      case 1:
        return data[0]!;
      case 2:
        return data[0]! | (data[1]! << 8);
      case 4:
        return readU32(data, 0);
      case 8: {
        const value = readU32(data, 4) * TWO_POW_32 + readU32(data, 0);
        return Math.min(value, Number.MAX_SAFE_INTEGER);
      }
      default:
        throw malformedOption(
          `${describeOption(tag)} has length ${data.length}; want 1, 2, 4 or 8`,
        );
    }
  }

  /** Like uint(), exact for every u64. */
  uintBig(tag: number): bigint | undefined {
    const data = this.get(tag);
    if (data === undefined) return undefined;
    if (data.length === 8) return (BigInt(readU32(data, 4)) << 32n) | BigInt(readU32(data, 0));
    const value = this.uint(tag);
    return value === undefined ? undefined : BigInt(value);
  }

  /** An i64 option (exactly 8 bytes), saturated to the safe integer range. */
  i64(tag: number): number | undefined {
    const value = this.i64Big(tag);
    if (value === undefined) return undefined;
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
    if (value < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER;
    return Number(value);
  }

  /** An i64 option (exactly 8 bytes), exact. */
  i64Big(tag: number): bigint | undefined {
    const data = this.get(tag);
    if (data === undefined) return undefined;
    if (data.length !== 8) {
      throw malformedOption(`${describeOption(tag)} has length ${data.length}; want 8`);
    }
    return BigInt.asIntN(64, (BigInt(readU32(data, 4)) << 32n) | BigInt(readU32(data, 0)));
  }

  /** A flag: absent is false, length 0 is set, one byte is set when not 0 (§4.3). */
  flag(tag: number): boolean {
    const data = this.get(tag);
    if (data === undefined) return false;
    if (data.length === 0) return true;
    if (data.length === 1) return data[0] !== 0;
    throw malformedOption(`${describeOption(tag)} has length ${data.length}; want 0 or 1`);
  }

  /** Raw bytes (a view), or undefined. */
  bytesOf(tag: number): Uint8Array | undefined {
    return this.get(tag);
  }

  /** A StreamID option: exactly 16 bytes, two big-endian u64 (§4.5). */
  streamId(tag: number): StreamId | undefined {
    const data = this.get(tag);
    if (data === undefined) return undefined;
    if (data.length !== 16) {
      throw malformedOption(`${describeOption(tag)} has length ${data.length}; want 16`);
    }
    return { timestampMs: readU64BeSaturated(data, 0), sequence: readU64BeSaturated(data, 8) };
  }
}

function readU64BeSaturated(data: Uint8Array, offset: number): number {
  const high = readU32Be(data, offset);
  const low = readU32Be(data, offset + 4);
  return Math.min(high * TWO_POW_32 + low, Number.MAX_SAFE_INTEGER);
}

function readU32Be(data: Uint8Array, offset: number): number {
  return (
    ((data[offset]! << 24) |
      (data[offset + 1]! << 16) |
      (data[offset + 2]! << 8) |
      data[offset + 3]!) >>>
    0
  );
}

/** Builds an options section. Used by the client, tests and tools. */
function checkTag(tag: number): void {
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xff) {
    throw new RangeError(`tag must be an integer in [0, 255], got ${tag}`);
  }
}

export class OptionsWriter {
  private parts: number[] = [];

  /** Adds an entry with raw data (0-255 bytes). */
  add(tag: number, data: Uint8Array): this {
    checkTag(tag);
    if (data.length > 0xff) {
      throw new RangeError(`option ${describeOption(tag)} data is ${data.length} bytes; max 255`);
    }
    this.parts.push(tag, data.length, ...data);
    return this;
  }

  /** Adds an unsigned integer of `widthBytes` (1, 2, 4 or 8), little-endian. */
  uint(tag: number, value: number | bigint, widthBytes: 1 | 2 | 4 | 8 = 8): this {
    // A safe integer (every option a client sets) is written without BigInt arithmetic.
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 &&
      (widthBytes === 8 || value < 2 ** (widthBytes * 8))) {
      checkTag(tag);
      this.parts.push(tag, widthBytes);
      let rest = value;
      for (let index = 0; index < widthBytes; index++) {
        this.parts.push(rest % 256);
        rest = Math.floor(rest / 256);
      }
      return this;
    }
    const big = BigInt(value);
    if (big < 0n || big >= 1n << BigInt(widthBytes * 8)) {
      throw new RangeError(
        `option ${describeOption(tag)} value ${value} does not fit ${widthBytes} bytes`,
      );
    }
    const data = new Uint8Array(widthBytes);
    for (let index = 0; index < widthBytes; index++) {
      data[index] = Number((big >> BigInt(index * 8)) & 0xffn);
    }
    return this.add(tag, data);
  }

  /** Adds an i64, little-endian two's complement. */
  i64(tag: number, value: number | bigint): this {
    return this.uint(tag, BigInt.asUintN(64, BigInt(value)), 8);
  }

  /** Adds a set flag (length 0). */
  flag(tag: number): this {
    return this.add(tag, EMPTY);
  }

  /** Adds a StreamID, big-endian (§4.5). */
  streamId(tag: number, id: StreamId): this {
    const data = new Uint8Array(16);
    const view = new DataView(data.buffer);
    view.setBigUint64(0, BigInt(id.timestampMs));
    view.setBigUint64(8, BigInt(id.sequence));
    return this.add(tag, data);
  }

  /** The section's bytes (a shared empty array when there are none: do not write to it). */
  toBytes(): Uint8Array {
    if (this.parts.length > 0xffff) {
      throw new RangeError(`options section is ${this.parts.length} bytes; max 65535`);
    }
    // Most requests carry no options: no allocation then.
    return this.parts.length === 0 ? EMPTY : new Uint8Array(this.parts);
  }
}
