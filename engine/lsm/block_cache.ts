// The block cache: a bytes-bounded LRU of decoded data blocks shared by every table reader
// (LevelDB's block cache). A block is named by its table's file number and its index in
// that table (blocks are numbered in file order, so the index names it as well as its
// offset would, and the pair packs into one number: fileNumber * 2^20 + blockIndex, a fast
// Map key). Table file numbers are never reused, so entries of a deleted table are never
// found again and age out; evictTable() drops them at once.
//
// Recency is an intrusive doubly linked list (a hit relinks one entry; no Map writes), the
// Map finds entries. A block larger than the whole capacity is not cached. Hits and misses
// are counted for metrics and benchmarks.

import { assert, invariantsEnabled } from '../assert.ts';
import { tableBlocksMax, tableFileNumberMax } from '../limits.ts';
import type { Block } from './block.ts';

/** Bytes charged for a cached block besides its payload (objects and Map slot). */
export const BLOCK_CACHE_ENTRY_BYTES = 160;

export interface BlockCacheStats {
  hits: number;
  misses: number;
  entries: number;
  usedBytes: number;
  capacityBytes: number;
}

interface CacheEntry {
  key: number;
  block: Block;
  chargeBytes: number;
  newer: CacheEntry | null;
  older: CacheEntry | null;
}

export class BlockCache {
  readonly capacityBytes: number;
  private readonly entries = new Map<number, CacheEntry>();
  private newest: CacheEntry | null = null;
  private oldest: CacheEntry | null = null;
  private usedBytes = 0;
  private hits = 0;
  private misses = 0;

  constructor(capacityBytes: number) {
    assert(Number.isSafeInteger(capacityBytes), 'cache capacity is not an integer');
    assert(capacityBytes >= 0, 'cache capacity is negative');
    this.capacityBytes = capacityBytes;
  }

  /** The cached block, made most recent; undefined (a counted miss) when absent. */
  get(fileNumber: number, blockIndex: number): Block | undefined {
    const entry = this.entries.get(cacheKey(fileNumber, blockIndex));
    if (entry === undefined) {
      this.misses += 1;
      return undefined;
    }
    this.hits += 1;
    if (entry !== this.newest) {
      this.unlink(entry);
      this.pushNewest(entry);
    }
    return entry.block;
  }

  /** Caches `block` as most recent, evicting the least recent blocks past the capacity. */
  insert(fileNumber: number, blockIndex: number, block: Block): void {
    const chargeBytes = block.data.length + BLOCK_CACHE_ENTRY_BYTES;
    if (chargeBytes > this.capacityBytes) return;
    const key = cacheKey(fileNumber, blockIndex);
    const existing = this.entries.get(key);
    if (existing !== undefined) this.remove(existing);
    const entry: CacheEntry = { key, block, chargeBytes, newer: null, older: null };
    this.entries.set(key, entry);
    this.pushNewest(entry);
    this.usedBytes += chargeBytes;
    while (this.usedBytes > this.capacityBytes) this.remove(this.oldest!);
    assert(this.usedBytes <= this.capacityBytes, 'cache above capacity after eviction');
    if (invariantsEnabled && this.entries.size % 64 === 0) this.checkInvariants();
  }

  /** Drops every block of table `fileNumber` (its file is being deleted). */
  evictTable(fileNumber: number): void {
    assert(fileNumber <= tableFileNumberMax, `file number ${fileNumber} above the limit`);
    for (const entry of [...this.entries.values()]) {
      if (Math.floor(entry.key / tableBlocksMax) === fileNumber) this.remove(entry);
    }
  }

  stats(): BlockCacheStats {
    return {
      hits: this.hits,
      misses: this.misses,
      entries: this.entries.size,
      usedBytes: this.usedBytes,
      capacityBytes: this.capacityBytes,
    };
  }

  /** Checks the list against the map and the byte count (expensive; tests only). */
  checkInvariants(): void {
    let bytes = 0;
    let count = 0;
    let newer: CacheEntry | null = null;
    for (let entry = this.newest; entry !== null; entry = entry.older) {
      assert(entry.newer === newer, 'cache list links disagree');
      assert(this.entries.get(entry.key) === entry, 'cache list entry missing from the map');
      bytes += entry.chargeBytes;
      count += 1;
      newer = entry;
    }
    assert(newer === this.oldest, 'cache list does not end at the oldest entry');
    assert(count === this.entries.size, 'cache list and map sizes differ');
    assert(bytes === this.usedBytes, 'cache byte count is off');
  }

  private remove(entry: CacheEntry): void {
    this.unlink(entry);
    this.entries.delete(entry.key);
    this.usedBytes -= entry.chargeBytes;
  }

  private unlink(entry: CacheEntry): void {
    if (entry.newer === null) this.newest = entry.older;
    else entry.newer.older = entry.older;
    if (entry.older === null) this.oldest = entry.newer;
    else entry.older.newer = entry.newer;
    entry.newer = null;
    entry.older = null;
  }

  private pushNewest(entry: CacheEntry): void {
    entry.older = this.newest;
    entry.newer = null;
    if (this.newest !== null) this.newest.newer = entry;
    this.newest = entry;
    if (this.oldest === null) this.oldest = entry;
  }
}

function cacheKey(fileNumber: number, blockIndex: number): number {
  assert(fileNumber >= 0 && fileNumber <= tableFileNumberMax, `bad file number ${fileNumber}`);
  assert(blockIndex >= 0 && blockIndex < tableBlocksMax, `bad block index ${blockIndex}`);
  return fileNumber * tableBlocksMax + blockIndex;
}
