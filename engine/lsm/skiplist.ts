// The memtable's ordered structure: a skiplist of entries in internal-key order (user key
// ascending, seq descending; internal_key.ts), so many versions of one key coexist and a
// seek to (k, S) lands on the newest version of k visible at S. Entries are never removed
// or changed; the whole skiplist is dropped after its flush.
//
// Layout for V8: no object per entry. Key and value bytes are copied into 256 KiB arena
// chunks. Each node is one record in a single growable buffer (seen as Uint32Array and
// Float64Array): seq, the key's first 8 bytes (two big-endian u32s, zero-padded), the key's
// chunk and offset, the value length, kind, height and key length packed in one slot, then
// the tower of next-pointers inline. A node is named by its record's start slot; 0 is the
// head, and 0 as a pointer ends a list. A comparison of random keys usually ends at the
// prefix, touching one cache line: 8 bytes because LSM keys start with a shared tag (a KV
// key's first two bytes name its namespace), which leaves 4 bytes too few to tell keys
// apart in a large memtable. The GC sees a few large arrays instead of millions of small
// objects; views handed out stay valid because chunks are never reused. Heights come from
// a seeded Prng (p=1/4).
//
// A hash index (key_index.ts) maps each key to its newest node, so a get of the newest
// version skips the search. Byte accounting: bytesUsed() counts key and value bytes, the
// node records and the index, which the memtable compares with memtableBytesMax;
// bytesAllocated() is the memory held (buffers double as they grow). Iterators stay valid
// across inserts.

import { assert, invariantsEnabled } from '../assert.ts';
import { Prng } from '../io/prng.ts';
import { lsmKeyBytesMax, lsmValueBytesMax } from '../limits.ts';
import {
  EntryKind, SEQ_MAX, assertSeq, compareRange, isEntryKind, keyPrefix,
  keyPrefixAt,
} from './internal_key.ts';
import type { Entry } from './internal_key.ts';
import type { InternalIterator } from './iterator.ts';
import { KeyIndex } from './key_index.ts';

const HEIGHT_MAX = 12;
const CHUNK_BYTES = 256 * 1024;
// An entry above this gets a chunk of its own, so a large value never wastes a chunk's tail.
const CHUNK_ENTRY_BYTES_MAX = CHUNK_BYTES / 4;
const SLOTS_INITIAL = 1 << 14;
// Node record, in 4-byte slots. The seq takes slots 0-1 as a float64, so records start on
// an even slot.
const SEQ = 0;
const PREFIX = 2;
const PREFIX_NEXT = 3;
const CHUNK = 4;
const OFFSET = 5;
const VALUE_LENGTH = 6;
// kind (bits 0-7) | height (bits 8-11) | key length (bits 12-31).
const SHAPE = 7;
const LINKS = 8;
const KEY_LENGTH_SHIFT = 12;
assert(HEIGHT_MAX < 16, 'a height fits its 4 bits');
assert(lsmKeyBytesMax < 2 ** (32 - KEY_LENGTH_SHIFT), 'a key length fits its 20 bits');

/** Bytes of a node record of `height` (the memtable's per-entry overhead). */
export function skiplistNodeBytes(height: number): number {
  return 4 * ((LINKS + height + 1) & ~1);
}

export interface SkiplistOptions {
  /** Seed of the height generator (deterministic tests and benchmarks). Default 1. */
  seed?: number;
  /**
   * Keep a hash index from key to newest version (default true): newest-version gets go
   * from ~0.5 M/s to ~3 M/s on a 500 000-entry skiplist, inserts from ~0.5 M/s to ~0.38 M/s.
   */
  keyIndex?: boolean;
}

export class Skiplist {
  private readonly prng: Prng;
  private readonly chunks: Uint8Array[] = [];
  private chunk: Uint8Array = new Uint8Array(0);
  private chunkIndex = -1;
  private chunkUsedBytes = 0;
  private slots = new Uint32Array(SLOTS_INITIAL);
  private seqs = new Float64Array(this.slots.buffer);
  private slotsUsed = 0;
  private entryCount = 0;
  private height = 1;
  private usedBytes = 0;
  private readonly splice = new Uint32Array(HEIGHT_MAX);
  // The node the last insert() added while `splice` still holds its position (0: none).
  private lastInserted = 0;
  private readonly keyIndex: KeyIndex | null;

  constructor(options: SkiplistOptions = {}) {
    this.prng = new Prng(options.seed ?? 1);
    this.keyIndex = (options.keyIndex ?? true) ? new KeyIndex(this) : null;
    // The head: full height, no key, every link 0 (end of list).
    const head = this.allocateRecord(HEIGHT_MAX);
    assert(head === 0, 'the head is node 0');
  }

  /** Entries held. */
  get count(): number {
    return this.entryCount;
  }

  /**
   * Key and value bytes held plus node records and the key index (compare with
   * memtableBytesMax).
   */
  bytesUsed(): number {
    return this.usedBytes + (this.keyIndex?.bytes() ?? 0);
  }

  /** Memory actually held: arena chunks and the record buffer at their capacity (metrics). */
  bytesAllocated(): number {
    let bytes = this.slots.byteLength + (this.keyIndex?.bytes() ?? 0);
    for (const chunk of this.chunks) bytes += chunk.length;
    return bytes;
  }

  /**
   * Adds one version of `key`. Copies key and value.
   * REQUIRES: no entry with the same key and seq (seqs are unique per key).
   * @param afterPrevious the caller knows (key, seq) comes after the entry the previous
   * insert() added (a batch in internal-key order): the search then starts from that
   * entry's position (a finger search, about log(distance) steps instead of log(count)).
   * It is checked, and ignored when a lookup has moved the search position since.
   */
  insert(
    key: Uint8Array, seq: number, kind: EntryKind, value: Uint8Array, afterPrevious = false,
  ): void {
    assert(key.length <= lsmKeyBytesMax, `key of ${key.length} bytes above the limit`);
    assert(value.length <= lsmValueBytesMax, `value of ${value.length} bytes above the limit`);
    assertSeq(seq);
    assert(isEntryKind(kind), `unknown entry kind ${kind}`);
    assert(kind !== EntryKind.tombstone || value.length === 0, 'a tombstone has a value');
    const prefix = keyPrefix(key);
    const prefixNext = keyPrefixAt(key, 4);
    let found: number;
    if (afterPrevious && this.lastInserted !== 0) {
      assert(this.compareNode(this.lastInserted, key, prefix, prefixNext, seq) < 0,
        'afterPrevious insert out of order');
      found = this.findSpliceFrom(key, prefix, prefixNext, seq);
    } else {
      found = this.findSplice(key, seq);
    }
    assert(found === 0 || this.compareNode(found, key, prefix, prefixNext, seq) !== 0,
      'duplicate key and seq');
    const height = this.randomHeight();
    for (let level = this.height; level < height; level++) this.splice[level] = 0;
    if (height > this.height) this.height = height;
    const node = this.allocateRecord(height);
    this.storeEntry(node, key, value);
    const slots = this.slots;
    this.seqs[(node + SEQ) >> 1] = seq;
    slots[node + PREFIX] = prefix;
    slots[node + PREFIX_NEXT] = prefixNext;
    slots[node + VALUE_LENGTH] = value.length;
    slots[node + SHAPE] = (kind | (height << 8) | (key.length << KEY_LENGTH_SHIFT)) >>> 0;
    for (let level = 0; level < height; level++) {
      const previousSlot = this.splice[level]! + LINKS + level;
      slots[node + LINKS + level] = slots[previousSlot]!;
      slots[previousSlot] = node;
      // The new node precedes anything after it: the next finger search starts here.
      this.splice[level] = node;
    }
    this.lastInserted = node;
    this.keyIndex?.record(key, KeyIndex.hash(key), node);
    this.entryCount += 1;
    this.usedBytes += key.length + value.length + skiplistNodeBytes(height);
    if (invariantsEnabled && this.entryCount % 4096 === 0) this.checkInvariants();
  }

  /**
   * The newest version of `key` with seq <= `snapshotSeq`, or undefined.
   * @param keyHash KeyIndex.hash(key) (= bloomHash(key)), when the caller has it.
   */
  get(
    key: Uint8Array, snapshotSeq: number = SEQ_MAX, keyHash: number = KeyIndex.hash(key),
  ): Entry | undefined {
    assertSeq(snapshotSeq);
    let node = this.keyIndex === null ? -1 : this.keyIndex.find(key, keyHash);
    if (node === 0) return undefined;
    // Without an index, or when the newest version is too new for this snapshot, search for
    // the newest version at or below it.
    if (node < 0 || this.nodeSeq(node) > snapshotSeq) {
      node = this.findSplice(key, snapshotSeq);
      if (node === 0 || !this.nodeKeyEquals(node, key)) return undefined;
    }
    const chunk = this.chunks[this.slots[node + CHUNK]!]!;
    const keyEnd = this.slots[node + OFFSET]! + this.keyLength(node);
    return {
      seq: this.nodeSeq(node),
      kind: this.nodeKind(node),
      value: chunk.subarray(keyEnd, keyEnd + this.slots[node + VALUE_LENGTH]!),
    };
  }

  /** A new iterator over every entry; it sees entries inserted after it was made. */
  iterator(): SkiplistIterator {
    return new SkiplistIterator(this);
  }

  /** @internal The first node at or after (key, seq), or 0 when there is none. */
  seekNode(key: Uint8Array, seq: number): number {
    return this.findSplice(key, seq);
  }

  /** @internal The node after `node` (0 at the end). */
  nextNode(node: number): number {
    return this.slots[node + LINKS]!;
  }

  /** @internal Accessors of a node's fields, for the iterator. */
  nodeKey(node: number): Uint8Array {
    const start = this.slots[node + OFFSET]!;
    const chunk = this.chunks[this.slots[node + CHUNK]!]!;
    return chunk.subarray(start, start + this.keyLength(node));
  }

  nodeValue(node: number): Uint8Array {
    const start = this.slots[node + OFFSET]! + this.keyLength(node);
    const chunk = this.chunks[this.slots[node + CHUNK]!]!;
    return chunk.subarray(start, start + this.slots[node + VALUE_LENGTH]!);
  }

  nodeKeyEquals(node: number, key: Uint8Array): boolean {
    const start = this.slots[node + OFFSET]!;
    const end = start + this.keyLength(node);
    const chunk = this.chunks[this.slots[node + CHUNK]!]!;
    return compareRange(chunk, start, end, key, 0, key.length) === 0;
  }

  nodeSeq(node: number): number {
    return this.seqs[(node + SEQ) >> 1]!;
  }

  nodeKind(node: number): EntryKind {
    return (this.slots[node + SHAPE]! & 0xff) as EntryKind;
  }

  private keyLength(node: number): number {
    return this.slots[node + SHAPE]! >>> KEY_LENGTH_SHIFT;
  }

  /** Checks order, every level's list and byte accounting (expensive; tests only). */
  checkInvariants(): void {
    let bytes = 0;
    let count = 0;
    for (let node = this.nextNode(0); node !== 0; node = this.nextNode(node)) {
      const height = (this.slots[node + SHAPE]! >>> 8) & 0xf;
      bytes += this.keyLength(node) + this.slots[node + VALUE_LENGTH]!;
      bytes += skiplistNodeBytes(height);
      count += 1;
    }
    assert(count === this.entryCount, `skiplist holds ${count} nodes, counted ${this.count}`);
    assert(bytes === this.usedBytes, `skiplist bytes ${bytes} != accounted ${this.usedBytes}`);
    this.checkKeyIndex();
    for (let level = 0; level < this.height; level++) {
      // Every level is an ordered list; each level above 0 is a sub-list of the one below.
      for (let node = this.slots[LINKS + level]!; node !== 0;) {
        const next = this.slots[node + LINKS + level]!;
        if (next !== 0) {
          const nextKey = this.nodeKey(next);
          const order = this.compareNode(node, nextKey, keyPrefix(nextKey),
            keyPrefixAt(nextKey, 4), this.nodeSeq(next));
          assert(order < 0, `level ${level} out of order at node ${node}`);
        }
        node = next;
      }
    }
  }

  // Every key's index entry is its newest node (the first of its run in the list).
  private checkKeyIndex(): void {
    if (this.keyIndex === null) return;
    let keys = 0;
    let previous = 0;
    for (let node = this.nextNode(0); node !== 0; node = this.nextNode(node)) {
      const key = this.nodeKey(node);
      if (previous !== 0 && this.nodeKeyEquals(previous, key)) continue;
      assert(this.keyIndex.find(key, KeyIndex.hash(key)) === node, `key index misses ${node}`);
      keys += 1;
      previous = node;
    }
    assert(keys === this.keyIndex.count, `key index holds ${this.keyIndex.count} of ${keys}`);
  }

  // Orders `node` against (key, seq), whose 8-byte prefix is (prefix, prefixNext): negative
  // when the node comes first. Differing prefixes decide without reading the key bytes.
  private compareNode(
    node: number, key: Uint8Array, prefix: number, prefixNext: number, seq: number,
  ): number {
    const slots = this.slots;
    const nodePrefix = slots[node + PREFIX]!;
    if (nodePrefix !== prefix) return nodePrefix < prefix ? -1 : 1;
    const nodePrefixNext = slots[node + PREFIX_NEXT]!;
    if (nodePrefixNext !== prefixNext) return nodePrefixNext < prefixNext ? -1 : 1;
    const start = slots[node + OFFSET]!;
    const chunk = this.chunks[slots[node + CHUNK]!]!;
    const length = this.keyLength(node);
    // Equal prefixes of two keys of 8 bytes or more are equal first bytes: compare the rest
    // (keys such as `user:1042:name` share long heads). A shorter key's prefix is padded.
    const skip = length >= 8 && key.length >= 8 ? 8 : 0;
    const byKey = compareRange(chunk, start + skip, start + length, key, skip, key.length);
    return byKey !== 0 ? byKey : seq - this.nodeSeq(node);
  }

  // Like findSpliceFrom, starting from the head on every level (no finger).
  private findSplice(key: Uint8Array, seq: number): number {
    this.lastInserted = 0;
    this.splice.fill(0);
    return this.findSpliceFrom(key, keyPrefix(key), keyPrefixAt(key, 4), seq);
  }

  // Walks down from the top level, leaving in `splice` the last node before (key, seq) on
  // each level; returns the first node at or after it (0 when none). Each level starts
  // from its entry in `splice` (a finger: the position of the previous insert, valid for
  // a later key; each level's is at or after the one above's) until the walk has moved
  // right on some level: the node reached then is past every lower level's entry.
  private findSpliceFrom(
    key: Uint8Array, prefix: number, prefixNext: number, seq: number,
  ): number {
    const slots = this.slots;
    let node = 0;
    let next = 0;
    let moved = false;
    let lastCompared = -1;
    for (let level = this.height - 1; level >= 0; level--) {
      if (!moved) node = this.splice[level]!;
      for (;;) {
        next = slots[node + LINKS + level]!;
        // A node already found not-before at a higher level need not be compared again.
        if (next === 0 || next === lastCompared) break;
        if (this.compareNode(next, key, prefix, prefixNext, seq) >= 0) {
          lastCompared = next;
          break;
        }
        node = next;
        moved = true;
      }
      this.splice[level] = node;
    }
    return next;
  }

  private randomHeight(): number {
    let bits = this.prng.u32();
    let height = 1;
    while (height < HEIGHT_MAX && (bits & 3) === 0) {
      height += 1;
      bits >>>= 2;
    }
    return height;
  }

  // Reserves a zeroed record for a node of `height`; returns its start slot.
  private allocateRecord(height: number): number {
    const recordSlots = skiplistNodeBytes(height) / 4;
    if (this.slotsUsed + recordSlots > this.slots.length) {
      const grown = new Uint32Array(this.slots.length * 2);
      grown.set(this.slots);
      this.slots = grown;
      this.seqs = new Float64Array(grown.buffer);
    }
    const node = this.slotsUsed;
    this.slotsUsed += recordSlots;
    assert(node % 2 === 0, 'records start on an even slot');
    return node;
  }

  // Copies key then value into the arena and records where for `node`.
  private storeEntry(node: number, key: Uint8Array, value: Uint8Array): void {
    const entryBytes = key.length + value.length;
    let chunk: Uint8Array;
    let offset = 0;
    if (entryBytes > CHUNK_ENTRY_BYTES_MAX) {
      // A chunk of its own; the current chunk keeps taking small entries.
      chunk = new Uint8Array(entryBytes);
      this.chunks.push(chunk);
      this.slots[node + CHUNK] = this.chunks.length - 1;
    } else {
      if (this.chunkIndex < 0 || this.chunkUsedBytes + entryBytes > CHUNK_BYTES) {
        this.chunk = new Uint8Array(CHUNK_BYTES);
        this.chunks.push(this.chunk);
        this.chunkIndex = this.chunks.length - 1;
        this.chunkUsedBytes = 0;
      }
      chunk = this.chunk;
      offset = this.chunkUsedBytes;
      this.chunkUsedBytes += entryBytes;
      this.slots[node + CHUNK] = this.chunkIndex;
    }
    assert(offset + entryBytes <= chunk.length, 'arena overflow');
    chunk.set(key, offset);
    chunk.set(value, offset + key.length);
    this.slots[node + OFFSET] = offset;
  }
}

/** Forward iterator over a skiplist (InternalIterator). Stays valid across inserts. */
export class SkiplistIterator implements InternalIterator {
  private readonly list: Skiplist;
  private node = 0;
  private keyView: Uint8Array | null = null;

  constructor(list: Skiplist) {
    this.list = list;
  }

  valid(): boolean {
    return this.node !== 0;
  }

  first(): void {
    this.moveTo(this.list.nextNode(0));
  }

  seek(userKey: Uint8Array, seq: number = SEQ_MAX): void {
    assertSeq(seq);
    this.moveTo(this.list.seekNode(userKey, seq));
  }

  next(): void {
    assert(this.node !== 0, 'next() on an invalid iterator');
    this.moveTo(this.list.nextNode(this.node));
  }

  key(): Uint8Array {
    assert(this.node !== 0, 'key() on an invalid iterator');
    // Cached: merging iterators compare keys many times per position.
    if (this.keyView === null) this.keyView = this.list.nodeKey(this.node);
    return this.keyView;
  }

  seq(): number {
    assert(this.node !== 0, 'seq() on an invalid iterator');
    return this.list.nodeSeq(this.node);
  }

  kind(): EntryKind {
    assert(this.node !== 0, 'kind() on an invalid iterator');
    return this.list.nodeKind(this.node);
  }

  value(): Uint8Array {
    assert(this.node !== 0, 'value() on an invalid iterator');
    return this.list.nodeValue(this.node);
  }

  private moveTo(node: number): void {
    this.node = node;
    this.keyView = null;
  }
}
