// Builds the payload of one table block (data or index): entries in internal-key order with
// prefix-compressed keys, and every `restartInterval` entries a restart point that stores
// its key whole, so a reader can binary-search the restarts and decode forward from one.
//
//   block   := entry* restart:u32 LE * restartCount restartCount:u32 LE
//   entry   := shared:varint unshared:varint valueLength:varint kind:u8 seq:varint
//              keySuffix:unshared bytes value:valueLength bytes
//
// `shared` is the number of leading key bytes equal to the previous entry's key (0 at a
// restart). Format: docs/format/table.md. Called by the table writer; REQUIRES entries in
// strictly increasing internal-key order (the writer asserts it).

import { assert } from '../assert.ts';
import { writeU32 } from '../codec/bytes.ts';
import { VARINT_BYTES_MAX, writeVarint } from '../codec/varint.ts';
import type { EntryKind } from './internal_key.ts';

const INITIAL_BYTES = 8 * 1024;
/** Bytes of the restart count at the end of a block. Part of the on-disk format. */
export const BLOCK_RESTART_COUNT_BYTES = 4;
/** Bytes of one restart offset. Part of the on-disk format. */
export const BLOCK_RESTART_BYTES = 4;

export class BlockBuilder {
  private readonly restartInterval: number;
  private buffer = new Uint8Array(INITIAL_BYTES);
  private length = 0;
  private restarts: number[] = [];
  private sinceRestart = 0;
  private lastKey = new Uint8Array(256);
  private lastKeyLength = 0;
  private entries = 0;

  constructor(restartInterval: number) {
    assert(Number.isInteger(restartInterval), 'restart interval is not an integer');
    assert(restartInterval >= 1, 'restart interval below 1');
    this.restartInterval = restartInterval;
  }

  /** Entries added since the last reset. */
  get entryCount(): number {
    return this.entries;
  }

  /** Size of the payload finish() would return now. */
  estimatedBytes(): number {
    const restarts = this.restarts.length + (this.entries === 0 ? 1 : 0);
    return this.length + BLOCK_RESTART_BYTES * restarts + BLOCK_RESTART_COUNT_BYTES;
  }

  /** Appends one entry. REQUIRES: after the previous entry in internal-key order. */
  add(key: Uint8Array, seq: number, kind: EntryKind, value: Uint8Array): void {
    let shared = 0;
    if (this.sinceRestart === this.restartInterval || this.entries === 0) {
      this.restarts.push(this.length);
      this.sinceRestart = 0;
    } else {
      const limit = Math.min(this.lastKeyLength, key.length);
      const lastKey = this.lastKey;
      while (shared < limit && lastKey[shared] === key[shared]) shared++;
    }
    const unshared = key.length - shared;
    this.reserve(3 * VARINT_BYTES_MAX + 1 + VARINT_BYTES_MAX + unshared + value.length);
    const buffer = this.buffer;
    let position = writeVarint(buffer, this.length, shared);
    position = writeVarint(buffer, position, unshared);
    position = writeVarint(buffer, position, value.length);
    buffer[position++] = kind;
    position = writeVarint(buffer, position, seq);
    buffer.set(key.subarray(shared), position);
    position += unshared;
    buffer.set(value, position);
    this.length = position + value.length;
    this.rememberKey(key, shared);
    this.sinceRestart += 1;
    this.entries += 1;
  }

  /**
   * Appends the restart array and returns the payload: a view into the builder's buffer,
   * valid until the next reset(). REQUIRES: at least one entry.
   */
  finish(): Uint8Array {
    assert(this.entries > 0, 'finish() of an empty block');
    assert(this.restarts[0] === 0, 'the first entry is a restart');
    this.reserve(BLOCK_RESTART_BYTES * this.restarts.length + BLOCK_RESTART_COUNT_BYTES);
    let position = this.length;
    for (const restart of this.restarts) {
      writeU32(this.buffer, position, restart);
      position += BLOCK_RESTART_BYTES;
    }
    writeU32(this.buffer, position, this.restarts.length);
    position += BLOCK_RESTART_COUNT_BYTES;
    assert(position === this.estimatedBytes(), 'block size differs from its estimate');
    return this.buffer.subarray(0, position);
  }

  /** Empties the builder for the next block. */
  reset(): void {
    this.length = 0;
    this.restarts = [];
    this.sinceRestart = 0;
    this.lastKeyLength = 0;
    this.entries = 0;
  }

  private rememberKey(key: Uint8Array, shared: number): void {
    if (key.length > this.lastKey.length) {
      const grown = new Uint8Array(Math.max(key.length, this.lastKey.length * 2));
      grown.set(this.lastKey.subarray(0, shared));
      this.lastKey = grown;
    }
    this.lastKey.set(key.subarray(shared), shared);
    this.lastKeyLength = key.length;
  }

  private reserve(extraBytes: number): void {
    const needed = this.length + extraBytes;
    if (needed <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(needed, this.buffer.length * 2));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }
}
