// The iterator over one table: the index chooses the data block, a BlockIterator walks it,
// and next() crosses into the following block at the end of each. Blocks come through the
// table's block source (the reader: cache or disk, CRC-checked), so a corrupt block throws
// CorruptionError from the call that reaches it. Scans that should not evict hot blocks
// (compaction) pass fillCache: false.

import { assert } from '../assert.ts';
import type { Block } from './block.ts';
import { BlockIterator } from './block.ts';
import { SEQ_MAX, assertSeq } from './internal_key.ts';
import type { EntryKind } from './internal_key.ts';
import type { InternalIterator } from './iterator.ts';
import type { TableIndex } from './table_index.ts';

/** Where a table iterator gets its index and blocks (the table reader). */
export interface TableBlockSource {
  readonly index: TableIndex;
  dataBlock(blockIndex: number, fillCache: boolean): Block;
}

export interface TableIteratorOptions {
  /** Put blocks read from disk into the block cache (default true). */
  fillCache?: boolean;
}

export class TableIterator implements InternalIterator {
  private readonly source: TableBlockSource;
  private readonly fillCache: boolean;
  private readonly blocks = new BlockIterator();
  private blockIndex = -1;

  constructor(source: TableBlockSource, options: TableIteratorOptions = {}) {
    this.source = source;
    this.fillCache = options.fillCache ?? true;
  }

  valid(): boolean {
    return this.blockIndex >= 0 && this.blocks.valid();
  }

  first(): void {
    this.load(0);
    this.blocks.first();
    this.skipExhaustedBlocks();
  }

  seek(userKey: Uint8Array, seq: number = SEQ_MAX): void {
    assertSeq(seq);
    const blockIndex = this.source.index.find(userKey, seq);
    if (blockIndex === this.source.index.blockCount) {
      this.blockIndex = -1;
      return;
    }
    this.load(blockIndex);
    this.blocks.seek(userKey, seq);
    this.skipExhaustedBlocks();
  }

  next(): void {
    assert(this.valid(), 'next() on an invalid iterator');
    this.blocks.next();
    this.skipExhaustedBlocks();
  }

  key(): Uint8Array {
    assert(this.valid(), 'key() on an invalid iterator');
    return this.blocks.key();
  }

  seq(): number {
    assert(this.valid(), 'seq() on an invalid iterator');
    return this.blocks.seq();
  }

  kind(): EntryKind {
    assert(this.valid(), 'kind() on an invalid iterator');
    return this.blocks.kind();
  }

  value(): Uint8Array {
    assert(this.valid(), 'value() on an invalid iterator');
    return this.blocks.value();
  }

  private load(blockIndex: number): void {
    assert(blockIndex < this.source.index.blockCount, 'block index out of range');
    this.blockIndex = blockIndex;
    this.blocks.reset(this.source.dataBlock(blockIndex, this.fillCache));
  }

  // At the end of a block, moves to the first entry of the next one (or ends).
  private skipExhaustedBlocks(): void {
    while (!this.blocks.valid()) {
      if (this.blockIndex + 1 >= this.source.index.blockCount) {
        this.blockIndex = -1;
        return;
      }
      this.load(this.blockIndex + 1);
      this.blocks.first();
    }
  }
}
