// The Flo frame: the 32-byte request and reply headers, the CRC rule, status codes and the
// little-endian field helpers every wire file uses. Pure functions over Uint8Array; shared by
// the server (server/tcp) and the client (client/connection.ts). Spec: flo-wire.md §2, §5.
// Format page: docs/format/wire.md.
//
//   request  0       4                8                16      20      22  23  24          32
//            | magic | payload_length | request_id u64 | crc32 | op u16 | v | fl | reserved |
//   reply    | magic | data_length    | request_id u64 | crc32 | v | st | 0 | 0 | reserved  |
//
// CRC-32 (zlib) covers bytes 0-15, then 20-31, then the body. Everything is little-endian.
// A valid frame's reserved bytes follow from its version (v1: zeros, v2: the table hash), so
// decoded frames point at the shared constants below instead of copying them.

import { crc32 } from 'node:zlib';

// Part of the wire format; do not change.
export const MAGIC = Uint8Array.of(0x46, 0x4c, 0x4f, 0x00);
export const HEADER_BYTES = 32;
export const VERSION_1 = 1;
export const VERSION_2 = 2;
/** Reserved bytes of a header version 1 frame. */
export const RESERVED_V1: Uint8Array = new Uint8Array(8);
/** Reserved bytes of a header version 2 frame: the opaque table hash (spec §2.4). */
export const TABLE_HASH: Uint8Array = Uint8Array.of(0x02, 0x1a, 0x77, 0xab, 0xee, 0x43, 0x92, 0x4e);
/** Request flags bit 0: payload compressed (not supported). */
export const FLAG_COMPRESSED = 0x01;

/** Byte offsets inside a header. */
export const Offset = {
  MAGIC: 0,
  LENGTH: 4,
  REQUEST_ID: 8,
  CRC: 16,
  OP_CODE: 20,
  REQUEST_VERSION: 22,
  REQUEST_FLAGS: 23,
  REPLY_VERSION: 20,
  REPLY_STATUS: 21,
  REPLY_FLAGS: 22,
  REPLY_PAD: 23,
  RESERVED: 24,
} as const;

/** Reply status codes (spec §5). */
export const Status = {
  OK: 0,
  ERROR_GENERIC: 1,
  NOT_FOUND: 2,
  BAD_REQUEST: 3,
  CROSS_CORE_TRANSACTION: 4,
  NO_ACTIVE_TRANSACTION: 5,
  GROUP_LOCKED: 6,
  UNAUTHORIZED: 7,
  CONFLICT: 8,
  INTERNAL_ERROR: 9,
  OVERLOADED: 10,
  RATE_LIMITED: 11,
  UNAVAILABLE: 12,
} as const;
export type Status = (typeof Status)[keyof typeof Status];

const statusNames: readonly string[] = Object.keys(Status);

/** The spec's name of a status code ("NOT_FOUND"), or "STATUS_<n>" for an unknown one. */
export function statusName(status: number): string {
  return statusNames[status] ?? `STATUS_${status}`;
}

/** True when `status` is one of the codes of spec §5. */
export function isStatus(status: number): status is Status {
  return Number.isInteger(status) && status >= 0 && status < statusNames.length;
}

/**
 * What a reply copies from its request: the request id (as its two raw u32 LE halves, so the
 * 8 bytes are echoed exactly whatever their value), the version byte and the reserved bytes.
 */
export interface FrameEcho {
  readonly requestIdLo: number;
  readonly requestIdHi: number;
  readonly version: number;
  readonly reserved: Uint8Array;
}

/** A decoded request frame. `payload` and `bytes` are views of the received bytes. */
export interface RequestFrame extends FrameEcho {
  readonly opCode: number;
  readonly flags: number;
  readonly crc32: number;
  readonly payload: Uint8Array;
  readonly bytes: Uint8Array;
}

/** A decoded reply frame. `body` and `bytes` are views of the received bytes. */
export interface ReplyFrame extends FrameEcho {
  readonly status: number;
  readonly flags: number;
  readonly pad: number;
  readonly crc32: number;
  readonly body: Uint8Array;
  readonly bytes: Uint8Array;
}

/** The echo of a frame-level error that has no trustworthy header (spec §3.6, §3.7). */
export const ZERO_ECHO: FrameEcho = {
  requestIdLo: 0,
  requestIdHi: 0,
  version: VERSION_1,
  reserved: RESERVED_V1,
};

export function readU16(bytes: Uint8Array, offset: number): number {
  return bytes[offset]! | (bytes[offset + 1]! << 8);
}

export function readU32(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset]! |
      (bytes[offset + 1]! << 8) |
      (bytes[offset + 2]! << 16) |
      (bytes[offset + 3]! << 24)) >>>
    0
  );
}

export function writeU16(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value;
  bytes[offset + 1] = value >>> 8;
}

export function writeU32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value;
  bytes[offset + 1] = value >>> 8;
  bytes[offset + 2] = value >>> 16;
  bytes[offset + 3] = value >>> 24;
}

/**
 * Frames up to this size are summed in JS, eight bytes per step ("slicing-by-8": eight
 * 256-entry tables, 8 KiB). Measured on Node 20 for a whole frame: 0.1 us at 140 bytes
 * against 0.3 us for a byte-at-a-time table loop or for the two calls into zlib, and even
 * with zlib at 400 bytes (0.4-0.5 us); most requests and replies of a busy connection are
 * that small.
 */
const FRAME_CRC_JS_BYTES_MAX = 384;
/**
 * CRC-32/ISO-HDLC tables (reflected polynomial 0xEDB88320) as signed 32-bit values: table k
 * (entries 256k to 256k + 255) is the CRC of a byte followed by k zero bytes.
 */
const CRC_TABLES = ((): Int32Array => {
  const tables = new Int32Array(256 * 8);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
    tables[byte] = crc;
  }
  for (let index = 256; index < tables.length; index++) {
    const previous = tables[index - 256]!;
    tables[index] = (previous >>> 8) ^ tables[previous & 0xff]!;
  }
  return tables;
})();

/** Continues `crc` (pre-inverted) over bytes [start, end) of `bytes`. */
function crcRange(bytes: Uint8Array, start: number, end: number, crc: number): number {
  const t = CRC_TABLES;
  let index = start;
  for (; index + 8 <= end; index += 8) {
    const low = crc ^ (bytes[index]! | (bytes[index + 1]! << 8) | (bytes[index + 2]! << 16) |
      (bytes[index + 3]! << 24));
    crc = t[1792 + (low & 0xff)]! ^ t[1536 + ((low >>> 8) & 0xff)]! ^
      t[1280 + ((low >>> 16) & 0xff)]! ^ t[1024 + (low >>> 24)]! ^ t[768 + bytes[index + 4]!]! ^
      t[512 + bytes[index + 5]!]! ^ t[256 + bytes[index + 6]!]! ^ t[bytes[index + 7]!]!;
  }
  for (; index < end; index++) crc = t[(crc ^ bytes[index]!) & 0xff]! ^ (crc >>> 8);
  return crc;
}

/** CRC-32 of a whole frame (header and body) as spec §2.6 defines it: skips bytes 16-19. */
export function frameCrc(frame: Uint8Array): number {
  if (frame.length > FRAME_CRC_JS_BYTES_MAX) return frameCrcZlib(frame);
  return (crcRange(frame, Offset.CRC + 4, frame.length, crcRange(frame, 0, Offset.CRC, -1)) ^
    -1) >>> 0;
}

/** frameCrc through zlib, whatever the size (large frames; tests compare the two). */
export function frameCrcZlib(frame: Uint8Array): number {
  return crc32(frame.subarray(Offset.CRC + 4), crc32(frame.subarray(0, Offset.CRC))) >>> 0;
}

/** True when bytes 0-3 of `header` are the magic. */
export function hasMagic(header: Uint8Array): boolean {
  return header[0] === 0x46 && header[1] === 0x4c && header[2] === 0x4f && header[3] === 0x00;
}

/**
 * The shared reserved constant of an accepted version/reserved combination (spec §2.4), or
 * null when the combination is not accepted. `header` holds at least 32 bytes.
 */
export function acceptedReserved(version: number, header: Uint8Array): Uint8Array | null {
  const expected = version === VERSION_1 ? RESERVED_V1 : version === VERSION_2 ? TABLE_HASH : null;
  if (expected === null) return null;
  for (let index = 0; index < 8; index++) {
    if (header[Offset.RESERVED + index] !== expected[index]) return null;
  }
  return expected;
}

/** The reserved constant of an accepted version (1 or 2). */
export function reservedOf(version: number): Uint8Array {
  if (version === VERSION_1) return RESERVED_V1;
  if (version === VERSION_2) return TABLE_HASH;
  throw new RangeError(`version must be 1 or 2, got ${version}`);
}

/** The echo of a header whose bytes may be invalid: the reserved bytes are copied. */
export function echoOfHeader(header: Uint8Array, versionOffset: number): FrameEcho {
  return {
    requestIdLo: readU32(header, Offset.REQUEST_ID),
    requestIdHi: readU32(header, Offset.REQUEST_ID + 4),
    version: header[versionOffset]!,
    reserved: header.slice(Offset.RESERVED, HEADER_BYTES),
  };
}

/** The request id of a frame as a bigint (exact for every u64). */
export function requestIdBigInt(echo: FrameEcho): bigint {
  return (BigInt(echo.requestIdHi) << 32n) | BigInt(echo.requestIdLo);
}

/** The request id as a number; throws RangeError when it is above 2^53 - 1. */
export function requestIdNumber(echo: FrameEcho): number {
  if (echo.requestIdHi >= 0x200000) {
    throw new RangeError(`request id ${requestIdBigInt(echo)} is above 2^53 - 1`);
  }
  return echo.requestIdHi * 0x1_0000_0000 + echo.requestIdLo;
}

/** Splits a request id (a safe integer or a u64 bigint) into its two u32 halves. */
export function splitRequestId(id: number | bigint): { lo: number; hi: number } {
  if (typeof id === 'bigint') {
    if (id < 0n || id > 0xffff_ffff_ffff_ffffn) throw new RangeError(`request id ${id} is not u64`);
    return { lo: Number(id & 0xffff_ffffn), hi: Number(id >> 32n) };
  }
  if (!Number.isSafeInteger(id) || id < 0) {
    throw new RangeError(`request id must be a safe non-negative integer, got ${id}`);
  }
  return { lo: id % 0x1_0000_0000, hi: Math.floor(id / 0x1_0000_0000) };
}

/** Decodes a complete request frame whose header was validated (magic, version, length). */
export function decodeRequestFrame(bytes: Uint8Array): RequestFrame {
  const version = bytes[Offset.REQUEST_VERSION]!;
  return {
    requestIdLo: readU32(bytes, Offset.REQUEST_ID),
    requestIdHi: readU32(bytes, Offset.REQUEST_ID + 4),
    version,
    reserved: reservedOf(version),
    opCode: readU16(bytes, Offset.OP_CODE),
    flags: bytes[Offset.REQUEST_FLAGS]!,
    crc32: readU32(bytes, Offset.CRC),
    payload: bytes.subarray(HEADER_BYTES),
    bytes,
  };
}

/** Decodes a complete reply frame whose header was validated (magic, version, length). */
export function decodeReplyFrame(bytes: Uint8Array): ReplyFrame {
  const version = bytes[Offset.REPLY_VERSION]!;
  return {
    requestIdLo: readU32(bytes, Offset.REQUEST_ID),
    requestIdHi: readU32(bytes, Offset.REQUEST_ID + 4),
    version,
    reserved: reservedOf(version),
    status: bytes[Offset.REPLY_STATUS]!,
    flags: bytes[Offset.REPLY_FLAGS]!,
    pad: bytes[Offset.REPLY_PAD]!,
    crc32: readU32(bytes, Offset.CRC),
    body: bytes.subarray(HEADER_BYTES),
    bytes,
  };
}
