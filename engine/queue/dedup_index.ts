// The dedup window of one queue (wire spec §7.3.3): a dedup key first used at time T maps to
// the seq it got until T + window; an enqueue with that key inside the window stores nothing
// and answers that seq, whatever became of the message. Entries expire in the order they
// were added (a FIFO beside the map), so pruning costs O(expired), never a scan. The owner
// bounds the size (a dedup enqueue past the bound is refused, not silently forgotten).

import { assert } from '../assert.ts';
import { Fifo } from '../collections/fifo.ts';

/** One remembered key. `key` is the dedup key's bytes as a latin1 string (1:1). */
export interface DedupEntry {
  readonly key: string;
  readonly seq: number;
  readonly firstMs: number;
}

export class DedupIndex {
  private readonly byKey = new Map<string, DedupEntry>();
  private readonly order = new Fifo<DedupEntry>();

  get size(): number {
    return this.byKey.size;
  }

  /** The seq that first used `key`, if that was less than `windowMs` before `nowMs`. */
  find(key: string, nowMs: number, windowMs: number): number | undefined {
    const entry = this.byKey.get(key);
    if (entry === undefined || nowMs - entry.firstMs >= windowMs) return undefined;
    return entry.seq;
  }

  /** Remembers `key` for `seq` from `firstMs` (replacing an expired entry of the same key). */
  add(key: string, seq: number, firstMs: number): void {
    const last = this.order.last();
    assert(last === undefined || last.firstMs <= firstMs, 'dedup entries come in time order');
    const entry: DedupEntry = { key, seq, firstMs };
    this.byKey.set(key, entry);
    this.order.push(entry);
  }

  /** Forgets every entry whose window ended at or before `nowMs`. */
  prune(nowMs: number, windowMs: number): void {
    for (let entry = this.order.peek(); entry !== undefined; entry = this.order.peek()) {
      if (nowMs - entry.firstMs < windowMs) break;
      // A key re-used after expiry has a newer entry in the map: keep that one.
      if (this.byKey.get(entry.key) === entry) this.byKey.delete(entry.key);
      this.order.shift();
    }
  }

  /** Live entries, oldest first (for snapshots). */
  entries(): DedupEntry[] {
    return this.order.values().filter((entry) => this.byKey.get(entry.key) === entry);
  }

  clear(): void {
    this.byKey.clear();
    this.order.clear();
  }
}

/** The map key of a dedup key: its bytes as latin1 characters (one per byte, reversible). */
export function dedupMapKey(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 4096) {
    text += String.fromCharCode(...bytes.subarray(i, i + 4096));
  }
  return text;
}

/** Inverse of dedupMapKey. */
export function dedupKeyBytes(key: string): Uint8Array {
  const bytes = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) bytes[i] = key.charCodeAt(i);
  return bytes;
}
