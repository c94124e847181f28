// ByteWriter: a growable little-endian buffer for hand-written binary encodings (journal
// events, snapshots). Varints are LEB128 (varint.ts); strings are UTF-8 with a length prefix.
// Readers use a Cursor with the matching read* functions below, which throw RangeError on
// truncated or over-long input (callers turn that into CorruptionError with a location).

import { assert } from '../assert.ts';
import { readVarint, writeVarint, VARINT_BYTES_MAX, type Cursor } from './varint.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export class ByteWriter {
  private buffer: Uint8Array;
  private position = 0;

  constructor(capacity = 256) {
    this.buffer = new Uint8Array(capacity);
  }

  get length(): number {
    return this.position;
  }

  u8(value: number): this {
    assert(Number.isInteger(value) && value >= 0 && value <= 0xff, 'u8 out of range');
    this.reserve(1);
    this.buffer[this.position++] = value;
    return this;
  }

  varint(value: number): this {
    assert(Number.isSafeInteger(value) && value >= 0, 'varint must be a safe uint');
    this.reserve(VARINT_BYTES_MAX);
    this.position = writeVarint(this.buffer, this.position, value);
    return this;
  }

  /** A UTF-8 string with a u8 length prefix (at most 255 bytes). */
  shortString(text: string): this {
    const bytes = encoder.encode(text);
    assert(bytes.length <= 0xff, 'short string over 255 bytes');
    this.u8(bytes.length);
    return this.bytes(bytes);
  }

  /**
   * A UTF-8 string with a varint length prefix, encoded straight into the buffer when it
   * is short (a UTF-16 unit is at most 3 UTF-8 bytes, so under 43 units the length takes
   * one byte); longer ones are encoded, then copied.
   */
  text(value: string): this {
    const bytesMax = value.length * 3;
    if (bytesMax >= 0x80) {
      const bytes = encoder.encode(value);
      return this.varint(bytes.length).bytes(bytes);
    }
    this.reserve(1 + bytesMax);
    const at = this.position + 1;
    let written = 0;
    for (; written < value.length; written++) {
      const unit = value.charCodeAt(written);
      if (unit >= 0x80) break;
      this.buffer[at + written] = unit;
    }
    if (written < value.length) {
      written = encoder.encodeInto(value, this.buffer.subarray(at, at + bytesMax)).written;
    }
    assert(written < 0x80, 'a short string fits a one-byte length');
    this.buffer[this.position] = written;
    this.position = at + written;
    return this;
  }

  bytes(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.position);
    this.position += bytes.length;
    return this;
  }

  /**
   * Empties the writer to encode again into the same buffer (a scratch writer: finish()
   * copies out); a buffer grown past `keepBytesMax` is dropped for a small one.
   */
  reset(keepBytesMax = Infinity): this {
    assert(keepBytesMax >= 0, 'keepBytesMax is a size');
    if (this.buffer.length > keepBytesMax) this.buffer = new Uint8Array(256);
    this.position = 0;
    return this;
  }

  /** The bytes written so far (a copy sized exactly). */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.position);
  }

  private reserve(extra: number): void {
    if (this.position + extra <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.position + extra) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.position));
    this.buffer = grown;
  }
}

/** Reads a u8 at the cursor. */
export function readU8(cursor: Cursor): number {
  if (cursor.position >= cursor.buffer.length) throw new RangeError('truncated u8');
  return cursor.buffer[cursor.position++]!;
}

/** Reads a string written by ByteWriter.shortString. */
export function readShortString(cursor: Cursor): string {
  const length = readU8(cursor);
  if (cursor.position + length > cursor.buffer.length) throw new RangeError('truncated string');
  const bytes = cursor.buffer.subarray(cursor.position, cursor.position + length);
  cursor.position += length;
  return decoder.decode(bytes);
}

export { readVarint };
