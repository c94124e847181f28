// Namespace ids: each namespace's keys sit in the LSM under a short numeric id rather than
// its name, so the key bytes right after the tag are the user key's own (the skiplist and
// table index decide most comparisons by a key's first eight bytes, two of which are this
// tag; a shared "default" there would make every comparison read whole keys). An id is
// assigned on a namespace's first write, in the same write batch (so the mapping is durable
// exactly when the data is), and never changes or is reused.
//
//   mapping key := 0x02 (KeySpace.kvState) 'n' name:utf8     value := id:varint
//   data prefix := 0x01 (KeySpace.kv) id:varint               (LEB128: prefix-free)

import { assert } from '../assert.ts';
import { fromUtf8, utf8 } from '../codec/bytes.ts';
import { readVarint, varintSize, writeVarint } from '../codec/varint.ts';
import { CorruptionError } from '../errors.ts';
import type { LsmDb } from '../lsm/db.ts';
import { KeySpace } from '../lsm/key_space.ts';
import type { WriteBatch } from '../lsm/write_batch.ts';

const MAPPING_TAG = 0x6e; // 'n'

export class NamespaceIds {
  private readonly prefixes = new Map<string, Uint8Array>();
  private nextId = 1;
  private pending: string | null = null;

  /** Loads every namespace's id from `db`. @throws CorruptionError for a bad mapping */
  static load(db: LsmDb): NamespaceIds {
    const ids = new NamespaceIds();
    const start = Uint8Array.of(KeySpace.kvState, MAPPING_TAG);
    const iterator = db.iterator();
    try {
      for (iterator.seek(start); iterator.valid(); iterator.next()) {
        const key = iterator.key();
        if (key[0] !== KeySpace.kvState || key[1] !== MAPPING_TAG) break;
        const value = iterator.value();
        let id = 0;
        try {
          id = readVarint({ buffer: value, position: 0 });
        } catch {
          throw new CorruptionError('kv', 0, 'Cannot read a namespace id');
        }
        if (id < 1 || varintSize(id) !== value.length) {
          throw new CorruptionError('kv', 0, `Cannot read namespace id ${id}`);
        }
        ids.prefixes.set(fromUtf8(key.subarray(2)), dataPrefix(id));
        ids.nextId = Math.max(ids.nextId, id + 1);
      }
    } finally {
      iterator.close();
    }
    return ids;
  }

  /** The data prefix of `namespace`, or null when it has never been written. */
  find(namespace: string): Uint8Array | null {
    return this.prefixes.get(namespace) ?? null;
  }

  /**
   * The data prefix of `namespace`; a new namespace gets the next id, and its mapping is
   * added to `batch`. Follow with settle(written).
   */
  assign(namespace: string, batch: WriteBatch): Uint8Array {
    const existing = this.prefixes.get(namespace);
    if (existing !== undefined) return existing;
    assert(this.pending === null, 'one namespace assignment at a time');
    const id = this.nextId++;
    const value = new Uint8Array(varintSize(id));
    writeVarint(value, 0, id);
    const name = utf8(namespace);
    const key = new Uint8Array(2 + name.length);
    key[0] = KeySpace.kvState;
    key[1] = MAPPING_TAG;
    key.set(name, 2);
    batch.put(key, value);
    const prefix = dataPrefix(id);
    this.prefixes.set(namespace, prefix);
    this.pending = namespace;
    return prefix;
  }

  /** Keeps (true) or undoes (false: the batch was not written) the last assignment. */
  settle(written: boolean): void {
    if (this.pending !== null && !written) {
      this.prefixes.delete(this.pending);
      this.nextId -= 1;
    }
    this.pending = null;
  }

  /** Every namespace ever written, with its prefix. */
  entries(): Array<[string, Uint8Array]> {
    return [...this.prefixes];
  }
}

function dataPrefix(id: number): Uint8Array {
  const prefix = new Uint8Array(1 + varintSize(id));
  prefix[0] = KeySpace.kv;
  writeVarint(prefix, 1, id);
  return prefix;
}
