// The sorted table's framing: block trailers (compression byte + CRC), the footer, and the
// functions that write and read them. Full format: docs/format/table.md.
//
//   table   := dataBlock+ filterBlock indexBlock propertiesBlock footer
//   block   := payload compression:u8 crc32:u32 LE     (crc over payload and compression)
//   footer  := filter:handle index:handle properties:handle version:u32 reserved:u32
//              crc32:u32 magic:8 bytes                  (56 bytes; crc over bytes 0..43)
//   handle  := offset:u64 LE size:u32 LE                (size of the payload as stored)
//
// A payload compressed with LZ4 is lz4-napi's block form: u32 LE uncompressed length, then
// an LZ4 block. Readers check every CRC before using a byte, and bound every length before
// allocating; a failure is a CorruptionError naming the file and the offset of the block.

import { compressSync, uncompressSync } from 'lz4-napi';
import { assert } from '../assert.ts';
import { equalBytes, readU32, readU64, writeU32, writeU64 } from '../codec/bytes.ts';
import { crc32 } from '../codec/crc32.ts';
import { CorruptionError } from '../errors.ts';
import type { FileHandle } from '../io/file_system.ts';
import { tableBlockBytesMax } from '../limits.ts';

// Part of the on-disk format; do not change.
/** The last 8 bytes of every table: "\x89FLOTBL\n". */
export const TABLE_MAGIC = Uint8Array.of(0x89, 0x46, 0x4c, 0x4f, 0x54, 0x42, 0x4c, 0x0a);
/** The format version this code writes. */
export const TABLE_FORMAT_VERSION = 1;
export const FOOTER_BYTES = 56;
export const BLOCK_TRAILER_BYTES = 5;
const FOOTER_CRC_OFFSET = 44;
const FOOTER_VERSION_OFFSET = 36;
const FOOTER_RESERVED_OFFSET = 40;
const FOOTER_MAGIC_OFFSET = 48;
const HANDLE_BYTES = 12;
const LZ4_LENGTH_BYTES = 4;

/** How a block payload is stored. Part of the on-disk format. */
export const Compression = {
  none: 0,
  lz4: 1,
} as const;
export type Compression = (typeof Compression)[keyof typeof Compression];

/** Where a block lies: its payload's file offset and stored size (trailer excluded). */
export interface BlockHandle {
  offsetBytes: number;
  sizeBytes: number;
}

export interface Footer {
  filter: BlockHandle;
  index: BlockHandle;
  properties: BlockHandle;
  formatVersion: number;
}

/** Encodes the footer (56 bytes). */
export function encodeFooter(footer: Footer): Uint8Array {
  const bytes = new Uint8Array(FOOTER_BYTES);
  const handles = [footer.filter, footer.index, footer.properties];
  handles.forEach((handle, index) => {
    assert(handle.sizeBytes <= tableBlockBytesMax, 'footer handle above the block limit');
    writeU64(bytes, HANDLE_BYTES * index, handle.offsetBytes);
    writeU32(bytes, HANDLE_BYTES * index + 8, handle.sizeBytes);
  });
  writeU32(bytes, FOOTER_VERSION_OFFSET, footer.formatVersion);
  writeU32(bytes, FOOTER_CRC_OFFSET, crc32(bytes.subarray(0, FOOTER_CRC_OFFSET)));
  bytes.set(TABLE_MAGIC, FOOTER_MAGIC_OFFSET);
  return bytes;
}

/**
 * Reads and checks the footer of a table file of `fileSizeBytes`: magic, CRC, version, and
 * that the three meta blocks lie in order between the data blocks and the footer.
 */
export function readFooter(file: FileHandle, fileSizeBytes: number): Footer {
  const footerOffset = fileSizeBytes - FOOTER_BYTES;
  if (footerOffset < 0) {
    throw new CorruptionError(file.path, 0,
      `table of ${fileSizeBytes} bytes is shorter than its ${FOOTER_BYTES}-byte footer`);
  }
  const bytes = new Uint8Array(FOOTER_BYTES);
  const bytesRead = file.readAt(bytes, 0, FOOTER_BYTES, footerOffset);
  if (bytesRead !== FOOTER_BYTES) {
    throw new CorruptionError(file.path, footerOffset, 'short read of the table footer');
  }
  if (!equalBytes(bytes.subarray(FOOTER_MAGIC_OFFSET), TABLE_MAGIC)) {
    throw new CorruptionError(file.path, footerOffset + FOOTER_MAGIC_OFFSET,
      'bad table magic (not a table, or a torn one)');
  }
  const storedCrc = readU32(bytes, FOOTER_CRC_OFFSET);
  if (crc32(bytes.subarray(0, FOOTER_CRC_OFFSET)) !== storedCrc) {
    throw new CorruptionError(file.path, footerOffset, 'table footer checksum mismatch');
  }
  const formatVersion = readU32(bytes, FOOTER_VERSION_OFFSET);
  if (formatVersion !== TABLE_FORMAT_VERSION) {
    throw new CorruptionError(file.path, footerOffset + FOOTER_VERSION_OFFSET,
      `unsupported table format version ${formatVersion}`);
  }
  if (readU32(bytes, FOOTER_RESERVED_OFFSET) !== 0) {
    throw new CorruptionError(file.path, footerOffset + FOOTER_RESERVED_OFFSET,
      'table footer reserved field is not zero');
  }
  const footer: Footer = {
    filter: readHandle(bytes, 0, file.path, footerOffset),
    index: readHandle(bytes, 1, file.path, footerOffset),
    properties: readHandle(bytes, 2, file.path, footerOffset),
    formatVersion,
  };
  checkMetaLayout(footer, footerOffset, file.path);
  return footer;
}

function readHandle(
  bytes: Uint8Array, index: number, path: string, footerOffset: number,
): BlockHandle {
  const at = HANDLE_BYTES * index;
  let offsetBytes: number;
  try {
    offsetBytes = readU64(bytes, at);
  } catch {
    throw new CorruptionError(path, footerOffset + at, 'table footer handle offset above 2^53');
  }
  return { offsetBytes, sizeBytes: readU32(bytes, at + 8) };
}

// Filter, index and properties follow each other directly and end where the footer starts.
function checkMetaLayout(footer: Footer, footerOffset: number, path: string): void {
  let expected = footer.filter.offsetBytes;
  for (const handle of [footer.filter, footer.index, footer.properties]) {
    if (handle.offsetBytes !== expected || handle.sizeBytes > tableBlockBytesMax) {
      throw new CorruptionError(path, footerOffset, 'table footer handles are out of place');
    }
    expected = handle.offsetBytes + handle.sizeBytes + BLOCK_TRAILER_BYTES;
  }
  if (expected !== footerOffset || footer.filter.offsetBytes === 0) {
    throw new CorruptionError(path, footerOffset, 'table footer handles are out of place');
  }
}

/**
 * Chooses how to store `payload`: LZ4 when allowed and it saves at least 1/8 of the bytes.
 * Returns the stored bytes (possibly `payload` itself) and the compression used.
 */
export function compressBlock(
  payload: Uint8Array,
  allowLz4: boolean,
): { stored: Uint8Array; compression: Compression } {
  assert(payload.length <= tableBlockBytesMax, `block of ${payload.length} bytes above limit`);
  if (allowLz4 && payload.length >= 64) {
    const view = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
    const compressed = compressSync(view);
    if (compressed.length <= payload.length - (payload.length >>> 3)) {
      assert(readU32(compressed, 0) === payload.length, 'lz4 length prefix');
      return { stored: compressed, compression: Compression.lz4 };
    }
  }
  return { stored: payload, compression: Compression.none };
}

/** Writes the trailer of the block whose stored bytes are `out[start, end)` at `end`. */
export function writeBlockTrailer(
  out: Uint8Array, start: number, end: number, compression: Compression,
): void {
  out[end] = compression;
  writeU32(out, end + 1, crc32(out.subarray(start, end + 1)));
}

/** A block as read from disk: its decoded payload and how it was stored. */
export interface RawBlock {
  payload: Uint8Array;
  compression: Compression;
}

/**
 * Reads the block at `handle`, checks its CRC and decompresses it.
 * @throws CorruptionError at the block's offset on a short read, a checksum mismatch, an
 * unknown compression or a bad LZ4 payload.
 */
export function readBlock(file: FileHandle, handle: BlockHandle): RawBlock {
  return decodeBlockBytes(readBlockBytes(file, handle), handle, file.path);
}

/** The stored bytes of the block at `handle`, trailer included, unchecked. */
export function readBlockBytes(file: FileHandle, handle: BlockHandle): Uint8Array {
  assert(handle.sizeBytes <= tableBlockBytesMax, 'block handle above the limit');
  const bytes = new Uint8Array(handle.sizeBytes + BLOCK_TRAILER_BYTES);
  const bytesRead = file.readAt(bytes, 0, bytes.length, handle.offsetBytes);
  if (bytesRead !== bytes.length) {
    throw new CorruptionError(file.path, handle.offsetBytes,
      'block runs past the end of the table');
  }
  return bytes;
}

/** The CRC a block's trailer stores and the one its bytes have. */
export function blockCrcs(bytes: Uint8Array): { stored: number; actual: number } {
  const sizeBytes = bytes.length - BLOCK_TRAILER_BYTES;
  assert(sizeBytes >= 0, 'block bytes without a trailer');
  return {
    stored: readU32(bytes, sizeBytes + 1),
    actual: crc32(bytes.subarray(0, sizeBytes + 1)),
  };
}

/** Checks the CRC of stored block `bytes` (from readBlockBytes) and decompresses them. */
export function decodeBlockBytes(bytes: Uint8Array, handle: BlockHandle, path: string): RawBlock {
  const { offsetBytes, sizeBytes } = handle;
  assert(bytes.length === sizeBytes + BLOCK_TRAILER_BYTES, 'block bytes differ from handle');
  const crcs = blockCrcs(bytes);
  if (crcs.stored !== crcs.actual) {
    throw new CorruptionError(path, offsetBytes, `block checksum mismatch (stored ` +
      `0x${crcs.stored.toString(16)}, computed 0x${crcs.actual.toString(16)})`);
  }
  const compression = bytes[sizeBytes]!;
  const stored = bytes.subarray(0, sizeBytes);
  if (compression === Compression.none) return { payload: stored, compression };
  if (compression !== Compression.lz4) {
    throw new CorruptionError(path, offsetBytes, `unknown block compression ${compression}`);
  }
  return { payload: decompressLz4(stored, path, offsetBytes), compression };
}

function decompressLz4(stored: Uint8Array, path: string, offsetBytes: number): Uint8Array {
  if (stored.length < LZ4_LENGTH_BYTES) {
    throw new CorruptionError(path, offsetBytes, 'lz4 block without its length');
  }
  const length = readU32(stored, 0);
  if (length > tableBlockBytesMax) {
    throw new CorruptionError(path, offsetBytes, `lz4 block claims ${length} bytes`);
  }
  let payload: Uint8Array;
  try {
    const buffer = uncompressSync(stored);
    // A plain Uint8Array view, so every block payload has one shape (Buffer's subarray and
    // element access would make the hot paths polymorphic).
    payload = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
  } catch (error) {
    throw new CorruptionError(path, offsetBytes, 'lz4 block does not decompress', {
      cause: error,
    });
  }
  if (payload.length !== length) {
    throw new CorruptionError(path, offsetBytes, 'lz4 block decompressed to the wrong length');
  }
  return payload;
}
