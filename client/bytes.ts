// Bytes in the client's API: text is sent as UTF-8, raw bytes as they are; replies hand back
// raw bytes (views of the received frame) and textOf() reads them as UTF-8.

import { Buffer } from 'node:buffer';

/** Text (sent as UTF-8) or raw bytes. */
export type Bytes = string | Uint8Array;

const EMPTY = new Uint8Array(0);
const utf8Encoder = new TextEncoder();

/** UTF-8 bytes of text; bytes as they are; empty for undefined. */
export function bytesOf(value: Bytes | undefined): Uint8Array {
  if (value === undefined) return EMPTY;
  return typeof value === 'string' ? utf8Encoder.encode(value) : value;
}

/** Bytes as UTF-8 text. */
export function textOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}
