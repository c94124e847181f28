// Unsigned LEB128 varints over safe integers (0 … 2^53-1, at most 8 bytes), and zigzag for
// signed values (Deno std encoding/varint.ts, protobuf). Decoding works on a Cursor so a
// format reader walks a buffer without allocating; every read checks bounds and throws
// RangeError on a truncated or over-long varint, never returning a wrong number.

/** Most bytes a safe-integer varint takes (7 bits per byte; 53 bits). */
export const VARINT_BYTES_MAX = 8;

/** A read position in a buffer. Readers advance `position`. */
export interface Cursor {
  buffer: Uint8Array;
  position: number;
}

/** Bytes `value` takes as a varint. */
export function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    size += 1;
  }
  return size;
}

/** Writes `value` (a safe non-negative integer) at `position`; returns the next position. */
export function writeVarint(buffer: Uint8Array, position: number, value: number): number {
  while (value >= 0x80) {
    buffer[position++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 0x80);
  }
  buffer[position++] = value;
  return position;
}

/** Reads a varint at the cursor and advances it. Throws RangeError when malformed. */
export function readVarint(cursor: Cursor): number {
  const { buffer } = cursor;
  let position = cursor.position;
  let result = 0;
  let scale = 1;
  for (let i = 0; i < VARINT_BYTES_MAX; i++) {
    if (position >= buffer.length) throw new RangeError('truncated varint');
    const byte = buffer[position++]!;
    result += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      if (!Number.isSafeInteger(result)) throw new RangeError('varint exceeds 2^53');
      if (i > 0 && byte === 0) throw new RangeError('varint has a redundant zero byte');
      cursor.position = position;
      return result;
    }
    scale *= 0x80;
  }
  throw new RangeError('varint longer than 8 bytes');
}

/** Zigzag-maps a safe integer to a non-negative one (0, -1, 1, -2 … → 0, 1, 2, 3 …). */
export function zigzagEncode(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

/** Inverse of zigzagEncode. */
export function zigzagDecode(value: number): number {
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
}
