// Writes one sorted table, streaming: add() entries in strictly increasing internal-key
// order (asserted), then finish() writes the filter, index and properties blocks and the
// footer and returns the properties. Blocks are gathered in a 256 KiB buffer and written
// through the FileHandle in large positional writes. finish() does not fsync: the caller
// syncs the file and its directory before recording the table in the manifest.
//
//   file := dataBlock+ filterBlock indexBlock propertiesBlock footer   (table_format.ts)
//
// After a failed write the writer is failed and every later call throws the same error;
// the caller deletes the partial file. Format: docs/format/table.md.

import { assert, assertSafeUint } from '../assert.ts';
import { writeVarint } from '../codec/varint.ts';
import type { FileHandle } from '../io/file_system.ts';
import {
  bloomBitsPerKeyDefault, bloomBitsPerKeyMax, lsmKeyBytesMax, lsmValueBytesMax,
  tableBlockBytesDefault, tableBlockBytesMax, tableBlockBytesTargetMax, tableBlocksMax,
  tableRestartIntervalDefault, tableRestartIntervalMax,
} from '../limits.ts';
import { BlockBuilder } from './block_builder.ts';
import { bloomHash, buildBloom } from './bloom.ts';
import {
  EntryKind, assertSeq, compareInternalRange, compareRange, isEntryKind,
} from './internal_key.ts';
import {
  BLOCK_TRAILER_BYTES, Compression, TABLE_FORMAT_VERSION, compressBlock, encodeFooter,
  writeBlockTrailer,
} from './table_format.ts';
import type { BlockHandle } from './table_format.ts';
import { encodeProperties } from './table_properties.ts';
import type { TableProperties } from './table_properties.ts';

const OUT_BUFFER_BYTES = 256 * 1024;
// The index block restarts every few entries: it is decoded whole at open, never searched.
const INDEX_RESTART_INTERVAL = 16;

export interface TableWriterOptions {
  /** When the table is created (ms since the epoch), from the caller's Clock. */
  creationTimeMs: number;
  /** Target uncompressed size of a data block (default tableBlockBytesDefault). */
  blockBytes?: number;
  /** Entries between restart points (default tableRestartIntervalDefault). */
  restartInterval?: number;
  /** Bloom filter bits per distinct user key (default bloomBitsPerKeyDefault). */
  bloomBitsPerKey?: number;
  /** 'lz4' (default) compresses a block when that saves at least 1/8 of it. */
  compression?: 'lz4' | 'none';
}

export class TableWriter {
  private readonly file: FileHandle;
  private readonly options: Required<TableWriterOptions>;
  private readonly dataBlock: BlockBuilder;
  private readonly indexBlock = new BlockBuilder(INDEX_RESTART_INTERVAL);
  private out = new Uint8Array(OUT_BUFFER_BYTES);
  private outLength = 0;
  private fileBytes = 0;
  private hashes = new Uint32Array(1024);
  private hashCount = 0;
  // The previous entry's user key: lastKeyBuffer[0, lastKeyLength), reused to avoid a copy
  // per entry.
  private lastKeyBuffer = new Uint8Array(256);
  private lastKeyLength = 0;
  private lastSeq = 0;
  private lastKind: EntryKind = EntryKind.value;
  private smallestKey: Uint8Array | null = null;
  private readonly stats = {
    entryCount: 0, tombstoneCount: 0, dataBlockCount: 0, compressedBlockCount: 0,
    smallestSeq: Number.MAX_SAFE_INTEGER, largestSeq: 0, rawKeyBytes: 0, rawValueBytes: 0,
    dataBytes: 0, uncompressedDataBytes: 0,
  };
  private finished = false;
  private failure: unknown = null;

  constructor(file: FileHandle, options: TableWriterOptions) {
    this.file = file;
    this.options = {
      blockBytes: tableBlockBytesDefault,
      restartInterval: tableRestartIntervalDefault,
      bloomBitsPerKey: bloomBitsPerKeyDefault,
      compression: 'lz4',
      ...options,
    };
    const { blockBytes, restartInterval, bloomBitsPerKey } = this.options;
    assertSafeUint(options.creationTimeMs, 'creationTimeMs');
    assert(blockBytes >= 1 && blockBytes <= tableBlockBytesTargetMax, `block target ${blockBytes}`);
    assert(restartInterval >= 1 && restartInterval <= tableRestartIntervalMax,
      `restart interval ${restartInterval}`);
    assert(bloomBitsPerKey >= 1 && bloomBitsPerKey <= bloomBitsPerKeyMax,
      `bloom bits per key ${bloomBitsPerKey}`);
    this.dataBlock = new BlockBuilder(this.options.restartInterval);
  }

  /** Entries added so far. */
  get entryCount(): number {
    return this.stats.entryCount;
  }

  /** Bytes the table takes so far, counting the open data block (for cutting outputs). */
  estimatedBytes(): number {
    return this.fileBytes + this.outLength + this.dataBlock.estimatedBytes();
  }

  /**
   * Adds one entry. Keys and values are copied before add() returns.
   * REQUIRES: (key, seq) after the previous entry in internal-key order; a tombstone has an
   * empty value.
   */
  add(key: Uint8Array, seq: number, kind: EntryKind, value: Uint8Array): void {
    this.checkUsable();
    assertSeq(seq);
    assert(isEntryKind(kind), `unknown entry kind ${kind}`);
    assert(key.length <= lsmKeyBytesMax, `key of ${key.length} bytes above the limit`);
    assert(value.length <= lsmValueBytesMax, `value of ${value.length} bytes above the limit`);
    assert(kind !== EntryKind.tombstone || value.length === 0, 'a tombstone has a value');
    const stats = this.stats;
    if (stats.entryCount === 0) {
      this.smallestKey = key.slice();
    } else {
      const order = compareInternalRange(
        this.lastKeyBuffer, 0, this.lastKeyLength, this.lastSeq, key, seq,
      );
      assert(order < 0, 'table entries out of order');
    }
    const sameUserKey = stats.entryCount > 0 &&
      compareRange(this.lastKeyBuffer, 0, this.lastKeyLength, key, 0, key.length) === 0;
    this.dataBlock.add(key, seq, kind, value);
    if (!sameUserKey) {
      this.addHash(bloomHash(key));
      this.rememberKey(key);
    }
    this.lastSeq = seq;
    this.lastKind = kind;
    stats.entryCount += 1;
    if (kind === EntryKind.tombstone) stats.tombstoneCount += 1;
    if (seq < stats.smallestSeq) stats.smallestSeq = seq;
    if (seq > stats.largestSeq) stats.largestSeq = seq;
    stats.rawKeyBytes += key.length;
    stats.rawValueBytes += value.length;
    if (this.dataBlock.estimatedBytes() >= this.options.blockBytes) {
      this.guard(() => this.flushDataBlock());
    }
  }

  /**
   * Writes the rest of the table and returns its properties. Does not sync the file.
   * REQUIRES: at least one entry.
   */
  finish(): TableProperties {
    this.checkUsable();
    assert(this.stats.entryCount > 0, 'finish() of a table without entries');
    return this.guard(() => {
      if (this.dataBlock.entryCount > 0) this.flushDataBlock();
      const dataEnd = this.fileBytes + this.outLength;
      const filterPayload = buildBloom(this.hashes, this.hashCount, this.options.bloomBitsPerKey);
      const filter = this.appendBlock(filterPayload, false);
      const index = this.appendBlock(this.indexBlock.finish(), this.options.compression === 'lz4');
      const properties: TableProperties = {
        ...this.stats,
        creationTimeMs: this.options.creationTimeMs,
        blockBytesTarget: this.options.blockBytes,
        restartInterval: this.options.restartInterval,
        bloomBitsPerKey: this.options.bloomBitsPerKey,
        smallestKey: this.smallestKey!,
        largestKey: this.lastKey().slice(),
      };
      const propertiesHandle = this.appendBlock(encodeProperties(properties), false);
      assert(filter.offsetBytes === dataEnd, 'the filter follows the data blocks');
      this.appendBytes(encodeFooter({
        filter, index, properties: propertiesHandle, formatVersion: TABLE_FORMAT_VERSION,
      }));
      this.flushOut();
      this.finished = true;
      return properties;
    });
  }

  private flushDataBlock(): void {
    const payload = this.dataBlock.finish();
    const handle = this.appendBlock(payload, this.options.compression === 'lz4');
    const stats = this.stats;
    if (handle.sizeBytes !== payload.length) stats.compressedBlockCount += 1;
    stats.dataBlockCount += 1;
    assert(stats.dataBlockCount <= tableBlocksMax, 'table has too many data blocks');
    stats.uncompressedDataBytes += payload.length;
    stats.dataBytes += handle.sizeBytes + BLOCK_TRAILER_BYTES;
    this.dataBlock.reset();
    const handleBytes = new Uint8Array(16);
    let end = writeVarint(handleBytes, 0, handle.offsetBytes);
    end = writeVarint(handleBytes, end, handle.sizeBytes);
    this.indexBlock.add(this.lastKey(), this.lastSeq, this.lastKind, handleBytes.subarray(0, end));
  }

  // Stores `payload` (compressed when allowed and worth it) plus its trailer.
  private appendBlock(payload: Uint8Array, allowLz4: boolean): BlockHandle {
    const { stored, compression } = compressBlock(payload, allowLz4);
    assert(stored.length <= tableBlockBytesMax, `block of ${stored.length} bytes above limit`);
    assert(compression === Compression.none || stored.length < payload.length, 'lz4 grew');
    const handle = { offsetBytes: this.fileBytes + this.outLength, sizeBytes: stored.length };
    const totalBytes = stored.length + BLOCK_TRAILER_BYTES;
    if (this.outLength + totalBytes > this.out.length) {
      this.flushOut();
      if (totalBytes > this.out.length) this.out = new Uint8Array(totalBytes);
    }
    this.out.set(stored, this.outLength);
    writeBlockTrailer(this.out, this.outLength, this.outLength + stored.length, compression);
    this.outLength += totalBytes;
    return handle;
  }

  private appendBytes(bytes: Uint8Array): void {
    if (this.outLength + bytes.length > this.out.length) this.flushOut();
    this.out.set(bytes, this.outLength);
    this.outLength += bytes.length;
  }

  private flushOut(): void {
    if (this.outLength === 0) return;
    this.file.writeAt(this.out.subarray(0, this.outLength), this.fileBytes);
    this.fileBytes += this.outLength;
    this.outLength = 0;
    // A buffer grown for one large block goes back to the usual size.
    if (this.out.length > OUT_BUFFER_BYTES) this.out = new Uint8Array(OUT_BUFFER_BYTES);
  }

  private lastKey(): Uint8Array {
    return this.lastKeyBuffer.subarray(0, this.lastKeyLength);
  }

  private rememberKey(key: Uint8Array): void {
    if (key.length > this.lastKeyBuffer.length) {
      this.lastKeyBuffer = new Uint8Array(Math.max(key.length, 2 * this.lastKeyBuffer.length));
    }
    this.lastKeyBuffer.set(key);
    this.lastKeyLength = key.length;
  }

  private addHash(hash: number): void {
    if (this.hashCount === this.hashes.length) {
      const grown = new Uint32Array(this.hashes.length * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[this.hashCount++] = hash;
  }

  private checkUsable(): void {
    if (this.failure !== null) throw this.failure;
    assert(!this.finished, 'table writer used after finish()');
  }

  // Runs a step that writes; a failure leaves the writer failed with that error.
  private guard<T>(step: () => T): T {
    try {
      return step();
    } catch (error) {
      this.failure = error;
      throw error;
    }
  }
}
