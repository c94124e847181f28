// Reads one sorted table through positional reads of its FileHandle (synchronous: page-cache
// reads cost microseconds). open() checks the footer and the three meta blocks and pins the
// filter, the decoded index and the properties; data blocks come from the shared block
// cache or from disk, CRC-checked on every read. A point lookup checks the bloom filter,
// then the index, then reads at most one data block.
//
// Every corruption is a CorruptionError naming the file and the byte offset of the bad
// block (or footer field): a reader never answers from bytes that failed a check. The
// reader owns its FileHandle and closes it in close(). Format: docs/format/table.md.

import { assert } from '../assert.ts';
import { CorruptionError } from '../errors.ts';
import type { FileHandle } from '../io/file_system.ts';
import { tableFileNumberMax } from '../limits.ts';
import { Block, BlockIterator } from './block.ts';
import type { BlockCache } from './block_cache.ts';
import { bloomHash, bloomMayContain, checkBloom } from './bloom.ts';
import { SEQ_MAX, assertSeq } from './internal_key.ts';
import type { Entry } from './internal_key.ts';
import { readBlock, readFooter } from './table_format.ts';
import type { BlockHandle, Footer } from './table_format.ts';
import { TableIndex } from './table_index.ts';
import { TableIterator } from './table_iterator.ts';
import type { TableIteratorOptions } from './table_iterator.ts';
import { decodeProperties } from './table_properties.ts';
import type { TableProperties } from './table_properties.ts';

export interface TableReaderOptions {
  /** The table's file number: names its blocks in the cache. */
  fileNumber: number;
  /** The shared block cache; without one every data block access reads the file. */
  cache?: BlockCache | null;
}

export class TableReader {
  readonly path: string;
  readonly fileNumber: number;
  readonly fileSizeBytes: number;
  readonly footer: Footer;
  readonly properties: TableProperties;
  readonly index: TableIndex;
  private readonly file: FileHandle;
  private readonly cache: BlockCache | null;
  private readonly filter: Uint8Array;
  private readonly lookup = new BlockIterator();
  private closed = false;

  private constructor(file: FileHandle, options: TableReaderOptions, size: number) {
    assert(Number.isSafeInteger(options.fileNumber), 'file number is not an integer');
    assert(options.fileNumber >= 0 && options.fileNumber <= tableFileNumberMax,
      `file number ${options.fileNumber} out of range`);
    this.file = file;
    this.path = file.path;
    this.fileNumber = options.fileNumber;
    this.cache = options.cache ?? null;
    this.fileSizeBytes = size;
    this.footer = readFooter(file, size);
    const properties = readBlock(file, this.footer.properties);
    this.properties = decodeProperties(
      properties.payload, file.path, this.footer.properties.offsetBytes,
    );
    this.filter = readBlock(file, this.footer.filter).payload;
    const filterProblem = checkBloom(this.filter);
    if (filterProblem !== null) {
      throw new CorruptionError(file.path, this.footer.filter.offsetBytes, filterProblem);
    }
    const indexBlock = this.decodeBlock(this.footer.index);
    this.index = TableIndex.decode(indexBlock, this.footer.filter.offsetBytes);
    if (this.index.blockCount !== this.properties.dataBlockCount) {
      throw new CorruptionError(file.path, this.footer.index.offsetBytes,
        `index has ${this.index.blockCount} blocks, properties say ` +
        `${this.properties.dataBlockCount}`);
    }
  }

  /**
   * Opens the table in `file` and checks its footer and meta blocks. Takes ownership of
   * `file`, also when it throws (the file is then closed).
   * @throws CorruptionError naming the file and offset of the first bad structure.
   */
  static open(file: FileHandle, options: TableReaderOptions): TableReader {
    try {
      return new TableReader(file, options, file.size());
    } catch (error) {
      file.close();
      throw error;
    }
  }

  /** False when the bloom filter rules `userKey` out (no false negatives). */
  mayContain(userKey: Uint8Array): boolean {
    return bloomMayContain(this.filter, bloomHash(userKey));
  }

  /**
   * The newest entry of `userKey` with seq <= `snapshotSeq` (a tombstone included), or
   * undefined. Reads at most one data block, and none when the filter rules the key out.
   * Its value is a view into a cached block: do not modify it.
   * @param keyHash bloomHash(userKey), when the caller probes several tables with one key.
   */
  get(
    userKey: Uint8Array, snapshotSeq: number = SEQ_MAX, keyHash: number = bloomHash(userKey),
  ): Entry | undefined {
    assert(!this.closed, 'get() on a closed table');
    assertSeq(snapshotSeq);
    if (!bloomMayContain(this.filter, keyHash)) return undefined;
    const blockIndex = this.index.find(userKey, snapshotSeq);
    if (blockIndex === this.index.blockCount) return undefined;
    const lookup = this.lookup;
    lookup.reset(this.dataBlock(blockIndex, true));
    lookup.seek(userKey, snapshotSeq);
    if (!lookup.valid() || !lookup.currentKeyEquals(userKey)) return undefined;
    return { seq: lookup.seq(), kind: lookup.kind(), value: lookup.value() };
  }

  /** A new iterator over the table's entries. */
  iterator(options: TableIteratorOptions = {}): TableIterator {
    assert(!this.closed, 'iterator() on a closed table');
    return new TableIterator(this, options);
  }

  /**
   * Data block `blockIndex`, from the cache or read and checked from the file (and cached
   * when `fillCache`).
   */
  dataBlock(blockIndex: number, fillCache: boolean): Block {
    assert(blockIndex >= 0 && blockIndex < this.index.blockCount, 'block index out of range');
    const cached = this.cache?.get(this.fileNumber, blockIndex);
    if (cached !== undefined) return cached;
    const block = this.decodeBlock(this.index.handle(blockIndex));
    if (fillCache && this.cache !== null) this.cache.insert(this.fileNumber, blockIndex, block);
    return block;
  }

  /** Closes the file. The reader takes no more calls. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.file.close();
  }

  private decodeBlock(handle: BlockHandle): Block {
    const raw = readBlock(this.file, handle);
    return new Block(raw.payload, this.path, handle.offsetBytes);
  }
}
