// A hash index from user key to the skiplist node holding its newest version, so a point
// lookup of the newest version (the common read) costs a hash and one or two probes
// instead of a skiplist search of ~40 scattered nodes. Open addressing with linear probing
// over one typed array of (node number, 32-bit key hash) pairs, so a probe is one cache
// miss; load factor at most 1/2; node 0 marks an empty slot (node 0 is the skiplist's head,
// never indexed). Only the skiplist uses it; it
// answers "newest node of this key", and the skiplist falls back to its own search for a
// snapshot older than that node.

import { assert } from '../assert.ts';
import { bloomHash } from './bloom.ts';

const SLOTS_INITIAL = 1024;

/** What the index needs to know about the nodes it points to. */
export interface KeyIndexNodes {
  nodeSeq(node: number): number;
  nodeKeyEquals(node: number, key: Uint8Array): boolean;
}

export class KeyIndex {
  private readonly nodes: KeyIndexNodes;
  // Slot i is slots[2i] (node) and slots[2i + 1] (hash); the slot count is a power of two.
  private slots = new Uint32Array(2 * SLOTS_INITIAL);
  private keyCount = 0;

  constructor(nodes: KeyIndexNodes) {
    this.nodes = nodes;
  }

  /**
   * The hash the index files `key` under: the bloom filters' hash, so a DB get hashes its
   * key once for the memtables and the tables.
   */
  static hash(key: Uint8Array): number {
    return bloomHash(key);
  }

  /** Distinct keys indexed. */
  get count(): number {
    return this.keyCount;
  }

  /** Bytes the index holds. */
  bytes(): number {
    return this.slots.byteLength;
  }

  /** The node of the newest version of `key` (whose hash is `hash`), or 0 when absent. */
  find(key: Uint8Array, hash: number): number {
    const slots = this.slots;
    const mask = (slots.length >>> 1) - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const node = slots[2 * slot]!;
      if (node === 0) return 0;
      if (slots[2 * slot + 1] === hash && this.nodes.nodeKeyEquals(node, key)) return node;
    }
  }

  /** Makes `node` the entry of `key` unless the indexed node is newer. */
  record(key: Uint8Array, hash: number, node: number): void {
    assert(node !== 0, 'node 0 is the head');
    // At most half the slots are used (slots.length counts two words per slot).
    if (4 * (this.keyCount + 1) > this.slots.length) this.grow();
    const slots = this.slots;
    const mask = (slots.length >>> 1) - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const existing = slots[2 * slot]!;
      if (existing === 0) {
        slots[2 * slot] = node;
        slots[2 * slot + 1] = hash;
        this.keyCount += 1;
        return;
      }
      if (slots[2 * slot + 1] === hash && this.nodes.nodeKeyEquals(existing, key)) {
        if (this.nodes.nodeSeq(node) > this.nodes.nodeSeq(existing)) slots[2 * slot] = node;
        return;
      }
    }
  }

  private grow(): void {
    const old = this.slots;
    const slots = new Uint32Array(old.length * 2);
    const mask = (slots.length >>> 1) - 1;
    let moved = 0;
    for (let index = 0; index < old.length; index += 2) {
      const node = old[index]!;
      if (node === 0) continue;
      const hash = old[index + 1]!;
      let slot = hash & mask;
      while (slots[2 * slot] !== 0) slot = (slot + 1) & mask;
      slots[2 * slot] = node;
      slots[2 * slot + 1] = hash;
      moved += 1;
    }
    assert(moved === this.keyCount, `rehash moved ${moved} of ${this.keyCount} keys`);
    this.slots = slots;
  }
}
