// Server-wide counters that never go backwards (engine model §2, wire spec §9.1): KV
// versions and transaction ids. Each keeps a durable reservation R in the LSM (under the
// kvState tag): numbers up to R may have been handed out, so recovery starts at R + 1.
// Crossing R adds "reserved up to R + block" to the same write batch as the write that
// takes the number, so in sync mode it rides that write's fsync; in async mode the number is
// revealed only after an explicit fsync of the reservation (a crash in async mode may lose
// the write, never the reservation that covers its number).
//
//   kvState key := 0x02 name:ascii ("version" | "txn")     value := reserved:u64 LE

import { assert } from '../assert.ts';
import { readU64, writeU64 } from '../codec/bytes.ts';
import { CorruptionError } from '../errors.ts';
import { counterReservationBlock } from '../limits.ts';
import type { LsmDb, WriteResult } from '../lsm/db.ts';
import { EntryKind } from '../lsm/internal_key.ts';
import { KeySpace } from '../lsm/key_space.ts';
import type { WriteBatch } from '../lsm/write_batch.ts';

export class ReservedCounter {
  private readonly key: Uint8Array;
  private nextValue: number;
  private reserved: number;
  /** Resolves once the newest reservation is fsynced; null when it is. */
  private fence: Promise<void> | null = null;
  private undo: { next: number; reserved: number; wrote: boolean } | null = null;

  private constructor(key: Uint8Array, reserved: number) {
    this.key = key;
    this.reserved = reserved;
    this.nextValue = reserved + 1;
  }

  /** Loads counter `name` from `db`. @throws CorruptionError for a malformed reservation */
  static load(db: LsmDb, name: string): ReservedCounter {
    const key = Uint8Array.of(KeySpace.kvState, ...new TextEncoder().encode(name));
    const entry = db.get(key);
    if (entry === undefined || entry.kind === EntryKind.tombstone) {
      return new ReservedCounter(key, 0);
    }
    if (entry.value.length !== 8) {
      throw new CorruptionError('kv', 0, `counter "${name}" has ${entry.value.length} bytes`);
    }
    return new ReservedCounter(key, readU64(entry.value, 0));
  }

  /** The number the next take() returns. */
  get next(): number {
    return this.nextValue;
  }

  /**
   * Takes the next number, adding a reservation to `batch` when it passes the current
   * one. One batch may take several; follow with settle(result) once `batch` is written,
   * or settle(null) if it was not.
   */
  take(batch: WriteBatch): number {
    const value = this.nextValue;
    this.undo ??= { next: value, reserved: this.reserved, wrote: false };
    if (value > this.reserved) {
      this.reserved = value + counterReservationBlock - 1;
      const bytes = new Uint8Array(8);
      writeU64(bytes, 0, this.reserved);
      batch.put(this.key, bytes);
      this.undo.wrote = true;
    }
    this.nextValue = value + 1;
    assert(Number.isSafeInteger(this.nextValue), 'counter above 2^53');
    return value;
  }

  /** Confirms (with the write's result) or undoes (null) the last take(). */
  settle(result: WriteResult | null, db: LsmDb): void {
    const undo = this.undo;
    assert(undo !== null, 'settle() without take()');
    this.undo = null;
    if (result === null) {
      this.nextValue = undo.next;
      this.reserved = undo.reserved;
      return;
    }
    if (!undo.wrote || db.durability === 'memory') return;
    // Sync mode: the write's own fsync covers the reservation; a number taken later without
    // a write of its own (a transaction id) still waits for it.
    this.setFence(db.durability === 'sync' ? result.durable
      : result.durable.then(() => db.sync()));
  }

  /** Resolves once every number taken so far is covered by an fsynced reservation. */
  ready(): Promise<void> | null {
    return this.fence;
  }

  private setFence(promise: Promise<void>): void {
    const fence = promise.then(() => {
      if (this.fence === fence) this.fence = null;
    });
    // Later takers await the fence and see its failure; nobody else has to.
    fence.catch(() => undefined);
    this.fence = fence;
  }
}
