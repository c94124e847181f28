// ActionWriter: the action store's writes to the shared LSM, one write batch per event-loop
// turn. Every state change of a turn (a run assigned, a run finished, a worker registered)
// adds its puts and deletes to the turn's batch, which is written in a setImmediate after
// the turn's microtasks (or at once by flush(), before a scan, or when it passes 4 MiB):
// fifty tasks completed by one fsync cost the LSM one WAL record, not fifty.
//
// Apply at submit holds because the store keeps in memory everything a pending batch says
// (active runs stay in memory until their final record is durable), so nothing needs to
// read the batch before it is written. A batch the LSM refuses for now (OverloadedError: a
// write stall) waits for whenWritable() and is written then, before any later batch (the
// order of a run's records matters). Any other refusal fails the store (onFail).

import { assert } from '../assert.ts';
import { durableWait, type DurableWait } from '../log/durable_wait.ts';
import { OverloadedError } from '../errors.ts';
import type { LsmDb } from '../lsm/db.ts';
import { WriteBatch } from '../lsm/write_batch.ts';

const FLUSH_BYTES = 4 * 1024 * 1024;

interface Pending extends DurableWait {
  batch: WriteBatch;
}

export class ActionWriter {
  private readonly db: LsmDb;
  private readonly onFail: (error: Error) => void;
  /** Batches not yet handed to the LSM, oldest first; the last one takes new entries. */
  private readonly waiting: Pending[] = [];
  private scheduled = false;
  private isStalled = false;
  private latest: Promise<void> = Promise.resolve();
  private failure: Error | null = null;

  constructor(db: LsmDb, onFail: (error: Error) => void) {
    this.db = db;
    this.onFail = onFail;
  }

  /** Adds a put to this turn's batch; returns the batch's durability. */
  put(key: Uint8Array, value: Uint8Array): Promise<void> {
    return this.putAll([[key, value]]);
  }

  /**
   * Adds puts that must land together (a run's final record, list and idempotency
   * entries): the early write past 4 MiB never falls between them, so they share one WAL
   * record and a crash keeps all or none.
   */
  putAll(entries: ReadonlyArray<readonly [Uint8Array, Uint8Array]>): Promise<void> {
    const pending = this.open();
    for (const [key, value] of entries) pending.batch.put(key, value);
    this.afterAdd(pending);
    return pending.durable;
  }

  /** Adds a delete to this turn's batch; returns the batch's durability. */
  delete(key: Uint8Array): Promise<void> {
    const pending = this.open();
    pending.batch.delete(key);
    this.afterAdd(pending);
    return pending.durable;
  }

  /** Resolves once everything added so far is durable (the LSM's WAL is a prefix). */
  settled(): Promise<void> {
    const last = this.waiting.at(-1);
    return last !== undefined ? last.durable : this.latest;
  }

  /** True while the LSM refuses writes and batches wait (invokes are refused meanwhile). */
  get stalled(): boolean {
    return this.isStalled;
  }

  /** Hands the pending batches to the LSM now (before a scan); stalled ones stay queued. */
  flush(): void {
    while (!this.isStalled && this.waiting.length > 0) {
      const pending = this.waiting[0]!;
      try {
        const result = this.db.write(pending.batch);
        result.durable.then(pending.resolve, pending.reject);
      } catch (error) {
        if (error instanceof OverloadedError) {
          this.stall();
          return;
        }
        this.fail(error);
        return;
      }
      this.waiting.shift();
      this.latest = pending.durable;
    }
  }

  /** Rejects what is pending with `error` (the store is closing after a failure). */
  fail(error: unknown): void {
    const failure = error instanceof Error ? error : new Error(String(error));
    this.failure ??= failure;
    for (const pending of this.waiting.splice(0)) pending.reject(failure);
    this.onFail(failure);
  }

  private open(): Pending {
    if (this.failure !== null) throw this.failure;
    const last = this.waiting.at(-1);
    // A batch being retried after a stall is closed: new entries go after it.
    if (last !== undefined && !(this.isStalled && this.waiting.length === 1)) return last;
    const pending: Pending = { batch: new WriteBatch(), ...durableWait() };
    this.waiting.push(pending);
    return pending;
  }

  private afterAdd(pending: Pending): void {
    assert(pending.batch.count > 0, 'an entry was added');
    if (pending.batch.byteLength >= FLUSH_BYTES) {
      this.flush();
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.failure === null) this.flush();
    });
  }

  private stall(): void {
    this.isStalled = true;
    this.db.whenWritable().then(() => {
      this.isStalled = false;
      this.flush();
    }, (error: unknown) => this.fail(error));
  }
}
