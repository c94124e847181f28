// The KV store's write path: reads a key's state when a write needs it, plans the LSM
// entries (kv_plan.ts), takes versions and namespace ids in the same write batch, writes
// one WAL batch, wakes the parked gets it answers, and resolves once the batch is durable
// and the numbers it revealed are durably reserved. Single writes, putMany and transaction
// commits all come through here; kv_store.ts checks arguments and owns the reads.

import { assert } from '../assert.ts';
import { copyBytes } from '../codec/copy_bytes.ts';
import type { Clock } from '../io/clock.ts';
import type { LsmDb, WriteResult } from '../lsm/db.ts';
import { compareRange, EntryKind } from '../lsm/internal_key.ts';
import { WriteBatch } from '../lsm/write_batch.ts';
import { applyWrite, type Applied, type KvWrite } from './kv_apply.ts';
import { ReservedCounter } from './kv_counters.ts';
import { NamespaceIds } from './kv_namespaces.ts';
import {
  concat, equalBytes, missingAt, planCommit, stagePlan, stageValue, type KeyPlan, type Stored,
} from './kv_plan.ts';
import { isExpired, readRecordHeader, type RecordHeader } from './kv_record.ts';
import type { KvCommit } from './kv_types.ts';
import type { KvWaiters } from './kv_waiters.ts';

/** An unconditional put of putMany. */
export interface PlainPut {
  key: Uint8Array;
  value: Uint8Array;
  ttlMs: number;
}

export class KvWriter {
  readonly db: LsmDb;
  readonly versions: ReservedCounter;
  readonly namespaces: NamespaceIds;
  private readonly txnIds: ReservedCounter;
  private readonly clock: Clock;
  private readonly waiters: KvWaiters;
  private readonly batch = new WriteBatch();
  private readonly headerBytes = new Uint8Array(32);
  private readonly header: RecordHeader = { version: 0, writeTimeMs: 0, expiresAtMs: 0,
    ttlOnly: false };
  // Lookups build their LSM key here (db.get keeps no reference to it).
  private keyScratch = new Uint8Array(64);

  constructor(db: LsmDb, clock: Clock, waiters: KvWaiters) {
    this.db = db;
    this.clock = clock;
    this.waiters = waiters;
    this.versions = ReservedCounter.load(db, 'version');
    this.txnIds = ReservedCounter.load(db, 'txn');
    this.namespaces = NamespaceIds.load(db);
  }

  // The committed state of `key` in `namespace` at `nowMs` (an expired key is missing).
  // The value is a view into the LSM unless `copyValue`. Runs for every get: no closures,
  // one object per lookup besides the value.
  lookup(namespace: string, key: Uint8Array, nowMs: number, copyValue = false): Stored {
    const prefix = this.namespaces.find(namespace);
    if (prefix === null) return missingAt(0);
    const length = prefix.length + key.length;
    if (length > this.keyScratch.length) {
      this.keyScratch = new Uint8Array(Math.max(length, 2 * this.keyScratch.length));
    }
    this.keyScratch.set(prefix);
    this.keyScratch.set(key, prefix.length);
    const entry = this.db.get(this.keyScratch.subarray(0, length));
    if (entry === undefined) return missingAt(0);
    if (entry.kind === EntryKind.tombstone) return missingAt(entry.seq);
    const header = this.header;
    const start = readRecordHeader(entry.value, header);
    if (isExpired(header.expiresAtMs, nowMs)) return missingAt(entry.seq);
    return {
      exists: true, version: header.version, expiresAtMs: header.expiresAtMs, seq: entry.seq,
      value: copyValue ? copyBytes(entry.value, start) : entry.value.subarray(start),
    };
  }

  /** The next transaction id, once its reservation is durable. */
  async takeTxnId(): Promise<number> {
    const batch = this.batch;
    batch.clear();
    const id = this.txnIds.take(batch);
    if (batch.count > 0) {
      const result = this.writeBatch(batch, this.txnIds);
      await result.durable;
    } else {
      this.txnIds.settle({ seq: 0, durable: Promise.resolve() }, this.db);
    }
    await this.txnIds.ready();
    return id;
  }

  /** Writes unconditional puts as one WAL batch; each gets its own version, in order. */
  async putMany(ns: string, writes: readonly PlainPut[]): Promise<number[]> {
    this.db.checkWritable();
    const nowMs = this.clock.nowMs();
    const batch = this.batch;
    batch.clear();
    const prefix = this.namespaces.assign(ns, batch);
    const versions = writes.map(() => this.versions.take(batch));
    // Staged in key order (stable: a repeated key's later write stays later), so the
    // memtable inserts each entry next to the previous one.
    const order = writes.map((_, index) => index).sort((a, b) => {
      const x = writes[a]!.key;
      const y = writes[b]!.key;
      return compareRange(x, 0, x.length, y, 0, y.length) || a - b;
    });
    for (const index of order) {
      const write = writes[index]!;
      stageValue(batch, prefix, write.key, versions[index]!, nowMs,
        write.ttlMs > 0 ? nowMs + write.ttlMs : 0, false, write.value, this.headerBytes);
    }
    const result = this.writeBatch(batch, this.versions);
    if (this.waiters.active) {
      writes.forEach((write, index) => this.waiters.notify(ns, write.key, {
        exists: true, version: versions[index]!, value: write.value,
        expiresAtMs: write.ttlMs > 0 ? nowMs + write.ttlMs : 0,
      }, result.durable));
    }
    await this.settled(result);
    return versions;
  }

  /**
   * Applies a transaction's writes in order, all or nothing, as one WAL batch; every key
   * it sets gets one version. @throws the first failing write's error
   */
  async commit(ns: string, writes: readonly KvWrite[]): Promise<KvCommit> {
    this.db.checkWritable();
    const nowMs = this.clock.nowMs();
    const pendingVersion = this.versions.next;
    const { plans, error } = planCommit(writes, (key) => this.lookup(ns, key, nowMs), nowMs,
      pendingVersion);
    if (error !== undefined) {
      await this.revealBefore(plans.values());
      throw error;
    }
    const batch = this.batch;
    batch.clear();
    const version = this.versions.take(batch);
    assert(version === pendingVersion, 'the commit takes the version its writes were given');
    const prefix = this.namespaces.assign(ns, batch);
    for (const plan of plans.values()) {
      plan.lsmKey = concat(prefix, plan.key);
      stagePlan(batch, plan, nowMs, this.headerBytes);
    }
    const result = batch.count > 0 ? this.writeBatch(batch, this.versions) : null;
    if (result === null) {
      this.versions.settle({ seq: 0, durable: Promise.resolve() }, this.db);
      this.namespaces.settle(true);
    }
    if (result !== null && this.waiters.active) {
      for (const plan of plans.values()) this.notifyPlan(ns, plan, result.durable);
    }
    if (result !== null) await this.settled(result);
    else await this.revealBefore(plans.values());
    await this.versions.ready();
    return { version, opCount: writes.length };
  }

  /** Deletes every key under `prefix` (a namespace), in batches. */
  async deleteAll(prefix: Uint8Array): Promise<void> {
    for (;;) {
      const keys = this.keysWithPrefix(prefix, 1000);
      if (keys.length === 0) return;
      await this.db.whenWritable();
      const batch = new WriteBatch();
      for (const key of keys) batch.delete(key);
      await this.db.write(batch).durable;
    }
  }

  // A put without conditions needs no read: the record alone says where its life starts.
  async blindPut(ns: string, write: Extract<KvWrite, { kind: 'put' }>): Promise<number> {
    this.db.checkWritable();
    const nowMs = this.clock.nowMs();
    const expiresAtMs = write.ttlMs > 0 ? nowMs + write.ttlMs : 0;
    const batch = this.batch;
    batch.clear();
    const prefix = this.namespaces.assign(ns, batch);
    const version = this.versions.take(batch);
    stageValue(batch, prefix, write.key, version, nowMs, expiresAtMs, false, write.value,
      this.headerBytes);
    const result = this.writeBatch(batch, this.versions);
    if (this.waiters.active) {
      this.waiters.notify(ns, write.key,
        { exists: true, version, value: write.value, expiresAtMs }, result.durable);
    }
    // settled() inline: one async layer fewer on the busiest write.
    await result.durable;
    const fence = this.versions.ready();
    if (fence !== null) await fence;
    return version;
  }

  // Reads the key, applies `write`, writes what changed; throws a failed condition once the
  // state it saw is durable.
  async mutate(ns: string, write: KvWrite): Promise<Applied> {
    this.db.checkWritable();
    const nowMs = this.clock.nowMs();
    const before = this.lookup(ns, write.key, nowMs);
    const applied = applyWrite(before, write, nowMs, this.versions.next);
    if (applied.error !== undefined || applied.change === 'none') {
      await this.db.waitDurable(before.seq);
      if (applied.error !== undefined) throw applied.error;
      return applied;
    }
    const batch = this.batch;
    batch.clear();
    const lsmKey = concat(this.namespaces.assign(ns, batch), write.key);
    const plan: KeyPlan = { key: write.key, lsmKey, before, state: applied.state,
      set: applied.change === 'set', ttl: applied.change === 'ttl',
      deleted: applied.change === 'delete' };
    if (plan.set) {
      const version = this.versions.take(batch);
      assert(version === applied.state.version, 'the write takes the version it was given');
    }
    stagePlan(batch, plan, nowMs, this.headerBytes);
    const result = this.writeBatch(batch, plan.set ? this.versions : null);
    if (this.waiters.active) this.notifyPlan(ns, plan, result.durable);
    await this.settled(result);
    return applied;
  }

  private notifyPlan(namespace: string, plan: KeyPlan, durable: Promise<void>): void {
    if (plan.set || plan.ttl || (plan.deleted && plan.before.exists)) {
      this.waiters.notify(namespace, plan.key, plan.state, durable);
    }
  }

  // Writes `batch`; settles the counter that took numbers for it and a namespace id it
  // assigned, either way.
  private writeBatch(batch: WriteBatch, counter: ReservedCounter | null): WriteResult {
    let result: WriteResult;
    try {
      result = this.db.write(batch);
    } catch (error) {
      counter?.settle(null, this.db);
      this.namespaces.settle(false);
      throw error;
    }
    counter?.settle(result, this.db);
    this.namespaces.settle(true);
    return result;
  }

  // Resolves once the write is durable and the numbers it revealed are reserved durably.
  private async settled(result: WriteResult): Promise<void> {
    await result.durable;
    const fence = this.versions.ready();
    if (fence !== null) await fence;
  }

  private async revealBefore(plans: Iterable<KeyPlan>): Promise<void> {
    let seq = 0;
    for (const plan of plans) seq = Math.max(seq, plan.before.seq);
    await this.db.waitDurable(seq);
  }

  private keysWithPrefix(prefix: Uint8Array, limit: number): Uint8Array[] {
    const keys: Uint8Array[] = [];
    const iterator = this.db.iterator();
    try {
      for (iterator.seek(prefix); iterator.valid() && keys.length < limit; iterator.next()) {
        const key = iterator.key();
        if (key.length < prefix.length || !equalBytes(key.subarray(0, prefix.length), prefix)) {
          break;
        }
        keys.push(key.slice());
      }
    } finally {
      iterator.close();
    }
    return keys;
  }
}
