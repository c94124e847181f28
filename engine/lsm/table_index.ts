// A table's index, decoded once at open and pinned in memory: for each data block, its last
// internal key and its handle. The last keys sit end to end in one byte array with an offset
// array beside it, and their first 8 bytes as two u32 prefixes in two more (8, not 4:
// LSM keys start with a shared tag), so find(key, seq) is a binary search over flat memory
// that mostly reads only the prefixes: no varint decoding and no pointer chasing to choose
// a block.
//
//   index entry := (key = last user key of the block, seq and kind of that entry,
//                   value = offset:varint size:varint)       in the block format
//
// Decoding checks what a lookup relies on: at least one block, keys strictly increasing,
// blocks contiguous from offset 0 up to the filter block, sizes within the limit.

import { readVarint } from '../codec/varint.ts';
import type { Cursor } from '../codec/varint.ts';
import { CorruptionError } from '../errors.ts';
import { tableBlockBytesMax, tableBlocksMax } from '../limits.ts';
import { Block, BlockIterator } from './block.ts';
import {
  compareInternal, compareInternalRange, keyPrefix, keyPrefixAt,
} from './internal_key.ts';
import { BLOCK_TRAILER_BYTES } from './table_format.ts';
import type { BlockHandle } from './table_format.ts';

export class TableIndex {
  // Block i's last user key is keyBytes[keyOffsets[i], keyOffsets[i + 1]).
  private readonly keyBytes: Uint8Array;
  private readonly keyOffsets: Uint32Array;
  private readonly keyPrefixes: Uint32Array;
  private readonly keyPrefixesNext: Uint32Array;
  private readonly lastSeqs: Float64Array;
  private readonly offsets: Float64Array;
  private readonly sizes: Uint32Array;

  private constructor(lastKeys: Uint8Array[], lastSeqs: number[], handles: BlockHandle[]) {
    this.keyOffsets = new Uint32Array(lastKeys.length + 1);
    lastKeys.forEach((key, index) => {
      this.keyOffsets[index + 1] = this.keyOffsets[index]! + key.length;
    });
    this.keyBytes = new Uint8Array(this.keyOffsets[lastKeys.length]!);
    lastKeys.forEach((key, index) => this.keyBytes.set(key, this.keyOffsets[index]!));
    this.keyPrefixes = Uint32Array.from(lastKeys, keyPrefix);
    this.keyPrefixesNext = Uint32Array.from(lastKeys, (key) => keyPrefixAt(key, 4));
    this.lastSeqs = Float64Array.from(lastSeqs);
    this.offsets = Float64Array.from(handles, (handle) => handle.offsetBytes);
    this.sizes = Uint32Array.from(handles, (handle) => handle.sizeBytes);
  }

  /**
   * Decodes the index block. `dataEndBytes` is where the data blocks end (the filter
   * block's offset).
   */
  static decode(block: Block, dataEndBytes: number): TableIndex {
    const iterator = new BlockIterator();
    iterator.reset(block);
    const lastKeys: Uint8Array[] = [];
    const lastSeqs: number[] = [];
    const handles: BlockHandle[] = [];
    let expectedOffset = 0;
    for (iterator.first(); iterator.valid(); iterator.next()) {
      const key = iterator.key().slice();
      const seq = iterator.seq();
      const count = lastKeys.length;
      const previous = count > 0 ? lastKeys[count - 1]! : null;
      if (previous !== null && compareInternal(previous, lastSeqs[count - 1]!, key, seq) >= 0) {
        throw block.corruption(`index entry ${count} is out of order`);
      }
      const handle = decodeHandle(iterator.value(), block, count);
      if (handle.offsetBytes !== expectedOffset || count >= tableBlocksMax) {
        throw block.corruption(`index entry ${count} points to ${handle.offsetBytes}, ` +
          `expected ${expectedOffset}`);
      }
      expectedOffset = handle.offsetBytes + handle.sizeBytes + BLOCK_TRAILER_BYTES;
      lastKeys.push(key);
      lastSeqs.push(seq);
      handles.push(handle);
    }
    if (expectedOffset !== dataEndBytes) {
      throw block.corruption(`index covers ${expectedOffset} bytes of data blocks, ` +
        `the data blocks end at ${dataEndBytes}`);
    }
    return new TableIndex(lastKeys, lastSeqs, handles);
  }

  /** Number of data blocks. */
  get blockCount(): number {
    return this.lastSeqs.length;
  }

  /** Last user key (a view) and seq of data block `index`. */
  lastKey(index: number): Uint8Array {
    return this.keyBytes.subarray(this.keyOffsets[index]!, this.keyOffsets[index + 1]!);
  }

  lastSeq(index: number): number {
    return this.lastSeqs[index]!;
  }

  /** Handle of data block `index`. */
  handle(index: number): BlockHandle {
    return { offsetBytes: this.offsets[index]!, sizeBytes: this.sizes[index]! };
  }

  /**
   * The first block whose last key is at or after (userKey, seq): the only block that can
   * hold the first entry at or after it. blockCount when every key is before it.
   */
  find(userKey: Uint8Array, seq: number): number {
    const keyBytes = this.keyBytes;
    const keyOffsets = this.keyOffsets;
    const keyPrefixes = this.keyPrefixes;
    const keyPrefixesNext = this.keyPrefixesNext;
    const prefix = keyPrefix(userKey);
    const prefixNext = keyPrefixAt(userKey, 4);
    let low = 0;
    let high = this.lastSeqs.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const middlePrefix = keyPrefixes[middle]!;
      const middlePrefixNext = keyPrefixesNext[middle]!;
      const order = middlePrefix !== prefix
        ? middlePrefix - prefix
        : middlePrefixNext !== prefixNext
          ? middlePrefixNext - prefixNext
          : compareInternalRange(
            keyBytes, keyOffsets[middle]!, keyOffsets[middle + 1]!, this.lastSeqs[middle]!,
            userKey, seq,
          );
      if (order < 0) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return low;
  }
}

function decodeHandle(value: Uint8Array, block: Block, entry: number): BlockHandle {
  const cursor: Cursor = { buffer: value, position: 0 };
  let handle: BlockHandle;
  try {
    handle = { offsetBytes: readVarint(cursor), sizeBytes: readVarint(cursor) };
  } catch (error) {
    throw new CorruptionError(block.file, block.offsetBytes,
      `index entry ${entry} has a bad handle (${(error as Error).message})`);
  }
  if (cursor.position !== value.length || handle.sizeBytes > tableBlockBytesMax) {
    throw block.corruption(`index entry ${entry} has a malformed handle`);
  }
  return handle;
}
