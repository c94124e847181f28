// A decoded table block (its payload after the CRC check and decompression) and the iterator
// that walks it: binary search over the restart points, then forward decoding of the
// prefix-compressed entries (grammar in block_builder.ts and docs/format/table.md).
//
// The block's CRC has already been checked when a Block is built, so a structural fault here
// means a writer bug or a checksum collision; it is still never answered with wrong data:
// every length is checked against the block's bounds and a fault throws CorruptionError
// naming the file and the block's offset. The iterator reuses one key buffer (no allocation
// per entry) and is reset onto another block by the table iterator and by point lookups.

import { assert } from '../assert.ts';
import { readU32 } from '../codec/bytes.ts';
import { VARINT_BYTES_MAX } from '../codec/varint.ts';
import { CorruptionError } from '../errors.ts';
import { BLOCK_RESTART_BYTES, BLOCK_RESTART_COUNT_BYTES } from './block_builder.ts';
import {
  ENTRY_KIND_MAX, SEQ_MAX, assertSeq, compareInternalRange, compareRange,
} from './internal_key.ts';
import type { EntryKind } from './internal_key.ts';
import type { InternalIterator } from './iterator.ts';

/** A block payload with its restart array located and checked. Immutable. */
export class Block {
  readonly data: Uint8Array;
  readonly restartsOffset: number;
  readonly restartCount: number;
  /** File and file offset of the block, for error messages. */
  readonly file: string;
  readonly offsetBytes: number;

  constructor(data: Uint8Array, file: string, offsetBytes: number) {
    this.data = data;
    this.file = file;
    this.offsetBytes = offsetBytes;
    if (data.length < BLOCK_RESTART_COUNT_BYTES + BLOCK_RESTART_BYTES) {
      throw this.corruption(`block of ${data.length} bytes is too short`);
    }
    const count = readU32(data, data.length - BLOCK_RESTART_COUNT_BYTES);
    const arrayBytes = BLOCK_RESTART_BYTES * count + BLOCK_RESTART_COUNT_BYTES;
    if (count === 0 || arrayBytes > data.length) {
      throw this.corruption(`block restart count ${count} does not fit ${data.length} bytes`);
    }
    this.restartCount = count;
    this.restartsOffset = data.length - arrayBytes;
    this.checkRestarts();
  }

  /** Offset of restart `index` within the payload. */
  restart(index: number): number {
    return readU32(this.data, this.restartsOffset + BLOCK_RESTART_BYTES * index);
  }

  /** A CorruptionError about this block. */
  corruption(what: string): CorruptionError {
    return new CorruptionError(this.file, this.offsetBytes, what);
  }

  // Restarts start at 0, strictly increase and point before the restart array.
  private checkRestarts(): void {
    let previous = -1;
    for (let index = 0; index < this.restartCount; index++) {
      const restart = this.restart(index);
      const ok = index === 0 ? restart === 0 : restart > previous;
      if (!ok || restart >= this.restartsOffset) {
        throw this.corruption(`block restart ${index} at ${restart} is out of order or bounds`);
      }
      previous = restart;
    }
  }
}

/** Iterator over one block's entries (InternalIterator). */
export class BlockIterator implements InternalIterator {
  private block: Block | null = null;
  private data: Uint8Array = new Uint8Array(0);
  private limit = 0;
  private position = 0;
  private current = -1;
  private nextOffset = 0;
  private keyBuffer = new Uint8Array(64);
  private keyLength = 0;
  private keyView: Uint8Array | null = null;
  private entrySeq = 0;
  private entryKind: EntryKind = 0;
  private valueOffset = 0;
  private valueLength = 0;

  /** Points the iterator at `block` (invalid until positioned). */
  reset(block: Block): void {
    this.block = block;
    this.data = block.data;
    this.limit = block.restartsOffset;
    this.current = -1;
    this.keyLength = 0;
    this.keyView = null;
  }

  valid(): boolean {
    return this.current >= 0;
  }

  first(): void {
    assert(this.block !== null, 'first() before reset()');
    this.keyLength = 0;
    this.decodeAt(0);
  }

  seek(userKey: Uint8Array, seq: number = SEQ_MAX): void {
    assertSeq(seq);
    const block = this.block;
    assert(block !== null, 'seek() before reset()');
    // Find the last restart whose key is before the target; the target is at or after it.
    let left = 0;
    let right = block.restartCount - 1;
    while (left < right) {
      const middle = (left + right + 1) >> 1;
      if (this.compareRestart(block.restart(middle), userKey, seq) < 0) left = middle;
      else right = middle - 1;
    }
    this.keyLength = 0;
    this.decodeAt(block.restart(left));
    while (this.current >= 0 && this.compareCurrent(userKey, seq) < 0) this.advance();
  }

  next(): void {
    assert(this.current >= 0, 'next() on an invalid iterator');
    this.advance();
  }

  key(): Uint8Array {
    assert(this.current >= 0, 'key() on an invalid iterator');
    if (this.keyView === null) this.keyView = this.keyBuffer.subarray(0, this.keyLength);
    return this.keyView;
  }

  seq(): number {
    assert(this.current >= 0, 'seq() on an invalid iterator');
    return this.entrySeq;
  }

  kind(): EntryKind {
    assert(this.current >= 0, 'kind() on an invalid iterator');
    return this.entryKind;
  }

  value(): Uint8Array {
    assert(this.current >= 0, 'value() on an invalid iterator');
    return this.data.subarray(this.valueOffset, this.valueOffset + this.valueLength);
  }

  /** Orders the current entry against (userKey, seq) without making a view. */
  compareCurrent(userKey: Uint8Array, seq: number): number {
    return compareInternalRange(
      this.keyBuffer, 0, this.keyLength, this.entrySeq, userKey, seq,
    );
  }

  /** True when the current entry's user key equals `userKey`. */
  currentKeyEquals(userKey: Uint8Array): boolean {
    return compareRange(this.keyBuffer, 0, this.keyLength, userKey, 0, userKey.length) === 0;
  }

  private advance(): void {
    if (this.nextOffset >= this.limit) {
      this.current = -1;
      return;
    }
    this.decodeAt(this.nextOffset);
  }

  // Decodes the entry at `offset`, building its key on the current key's shared prefix.
  private decodeAt(offset: number): void {
    this.position = offset;
    const shared = this.varint();
    const unshared = this.varint();
    const valueLength = this.varint();
    if (this.position >= this.limit) throw this.entryCorruption(offset, 'is truncated');
    const kind = this.data[this.position++]!;
    const seq = this.varint();
    const keyStart = this.position;
    const valueOffset = keyStart + unshared;
    const bad = shared > this.keyLength || kind > ENTRY_KIND_MAX;
    if (bad || valueOffset + valueLength > this.limit) {
      throw this.entryCorruption(offset, 'has a bad prefix, kind or length');
    }
    const keyLength = shared + unshared;
    if (keyLength > this.keyBuffer.length) this.growKey(keyLength);
    const keyBuffer = this.keyBuffer;
    const data = this.data;
    if (unshared <= 32) {
      for (let i = 0; i < unshared; i++) keyBuffer[shared + i] = data[keyStart + i]!;
    } else {
      keyBuffer.set(data.subarray(keyStart, valueOffset), shared);
    }
    this.keyLength = keyLength;
    this.keyView = null;
    this.entrySeq = seq;
    this.entryKind = kind as EntryKind;
    this.valueOffset = valueOffset;
    this.valueLength = valueLength;
    this.current = offset;
    this.nextOffset = valueOffset + valueLength;
  }

  // Orders the (whole) key stored at restart offset `offset` against (userKey, seq).
  private compareRestart(offset: number, userKey: Uint8Array, seq: number): number {
    this.position = offset;
    const shared = this.varint();
    const unshared = this.varint();
    this.varint();
    this.position += 1;
    const restartSeq = this.varint();
    const keyStart = this.position;
    if (shared !== 0 || keyStart + unshared > this.limit) {
      throw this.entryCorruption(offset, 'is a restart with a shared prefix or bad length');
    }
    return compareInternalRange(this.data, keyStart, keyStart + unshared, restartSeq, userKey, seq);
  }

  // A varint at the read position (LEB128, at most 8 bytes, below 2^53, no redundant zero
  // byte; engine/codec/varint.ts), decoded inline: this is the hottest loop of a lookup.
  private varint(): number {
    const data = this.data;
    const limit = this.limit;
    const start = this.position;
    // Most varints of an entry (lengths, shared bytes) are one byte.
    if (start < limit && data[start]! < 0x80) {
      this.position = start + 1;
      return data[start]!;
    }
    let position = start;
    let result = 0;
    let scale = 1;
    for (let index = 0; index < VARINT_BYTES_MAX; index++) {
      if (position >= limit) throw this.entryCorruption(start, 'has a truncated varint');
      const byte = data[position++]!;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (index > 0 && byte === 0) throw this.entryCorruption(start, 'has a padded varint');
        if (result > Number.MAX_SAFE_INTEGER) {
          throw this.entryCorruption(start, 'has a varint above 2^53');
        }
        this.position = position;
        return result;
      }
      scale *= 0x80;
    }
    throw this.entryCorruption(start, 'has a varint longer than 8 bytes');
  }

  private growKey(keyLength: number): void {
    const grown = new Uint8Array(Math.max(keyLength, this.keyBuffer.length * 2));
    grown.set(this.keyBuffer.subarray(0, this.keyLength));
    this.keyBuffer = grown;
  }

  private entryCorruption(offset: number, what: string): CorruptionError {
    assert(this.block !== null, 'no block');
    return this.block.corruption(`block entry at payload offset ${offset} ${what}`);
  }
}
