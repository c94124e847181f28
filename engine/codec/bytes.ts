// Little-endian fixed-width integers over Uint8Array, the building blocks of every format.
// u64 values are JavaScript numbers and must be safe integers (< 2^53); readers check that
// the high half fits and throw RangeError otherwise, so a corrupt or hostile u64 never turns
// into a silently wrong number.

const twoTo32 = 2 ** 32;

export function writeU16(buffer: Uint8Array, position: number, value: number): void {
  buffer[position] = value & 0xff;
  buffer[position + 1] = (value >>> 8) & 0xff;
}

export function readU16(buffer: Uint8Array, position: number): number {
  return buffer[position]! | (buffer[position + 1]! << 8);
}

export function writeU32(buffer: Uint8Array, position: number, value: number): void {
  buffer[position] = value & 0xff;
  buffer[position + 1] = (value >>> 8) & 0xff;
  buffer[position + 2] = (value >>> 16) & 0xff;
  buffer[position + 3] = (value >>> 24) & 0xff;
}

export function readU32(buffer: Uint8Array, position: number): number {
  return (
    (buffer[position]! |
      (buffer[position + 1]! << 8) |
      (buffer[position + 2]! << 16) |
      (buffer[position + 3]! << 24)) >>>
    0
  );
}

/** Writes a safe non-negative integer as u64 LE. */
export function writeU64(buffer: Uint8Array, position: number, value: number): void {
  writeU32(buffer, position, value % twoTo32);
  writeU32(buffer, position + 4, Math.floor(value / twoTo32));
}

/** Reads a u64 LE; throws RangeError when it is not a safe integer. */
export function readU64(buffer: Uint8Array, position: number): number {
  const high = readU32(buffer, position + 4);
  if (high > 0x1fffff) throw new RangeError(`u64 at ${position} exceeds 2^53`);
  return high * twoTo32 + readU32(buffer, position);
}

/** Writes a safe integer as i64 LE (two's complement). */
export function writeI64(buffer: Uint8Array, position: number, value: number): void {
  if (value >= 0) {
    writeU64(buffer, position, value);
    return;
  }
  const magnitude = -value;
  let low = magnitude % twoTo32;
  let high = Math.floor(magnitude / twoTo32);
  // Two's complement: invert and add one.
  low = (~low + 1) >>> 0;
  high = (~high + (low === 0 ? 1 : 0)) >>> 0;
  writeU32(buffer, position, low);
  writeU32(buffer, position + 4, high);
}

/** Reads an i64 LE; throws RangeError when it is not a safe integer. */
export function readI64(buffer: Uint8Array, position: number): number {
  const low = readU32(buffer, position);
  const high = readU32(buffer, position + 4);
  if (high < 0x80000000) {
    if (high > 0x1fffff) throw new RangeError(`i64 at ${position} exceeds 2^53`);
    return high * twoTo32 + low;
  }
  const negHigh = (~high + (low === 0 ? 1 : 0)) >>> 0;
  const negLow = (~low + 1) >>> 0;
  if (negHigh > 0x1fffff) throw new RangeError(`i64 at ${position} is below -2^53`);
  return -(negHigh * twoTo32 + negLow);
}

/** Bytewise comparison: negative, zero or positive like a sort comparator. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const difference = a[i]! - b[i]!;
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

/** True when both arrays hold the same bytes. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when `bytes` holds `prefix` at `from` (default its start). */
export function startsWith(bytes: Uint8Array, prefix: Uint8Array, from = 0): boolean {
  if (bytes.length - from < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[from + i] !== prefix[i]) return false;
  return true;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

export function fromUtf8(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** Parses lower- or upper-case hex; throws RangeError on odd length or a bad digit. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new RangeError('hex string of odd length');
  if (!/^[0-9a-fA-F]*$/.test(hex)) throw new RangeError('hex string has a non-hex digit');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  }
  return out;
}
