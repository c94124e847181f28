// The KV primitive (wire spec §7.2): namespaced keys with versions from one store-wide
// counter, TTLs, history, blocking gets, scans, counters, JSON documents and transactions,
// on the LSM (engine/lsm/db.ts) under the KeySpace.kv tag (kv_record.ts has the layout).
//
// Engine model (docs/design/20261123_engine_model.md): a write is checked and applied to the
// memtable when it is called (so the next call sees it) and resolves once its WAL record is
// durable; a read is answered from the applied state but held until the entries it depends
// on are durable; a failed condition is reported only once the state it saw is durable.
// The semantics of every write live in kv_apply.ts, shared by single ops, transaction views
// and commits. Called by embedded users and by the server's KV handlers (through mod.ts).

import { assert } from '../assert.ts';
import { ClosedError, EngineError, ErrorCode } from '../errors.ts';
import type { Clock } from '../io/clock.ts';
import type { FileSystem } from '../io/file_system.ts';
import { checkInt } from '../args.ts';
import {
  kvBatchEntriesMax, kvHistoryDepthDefault, kvHistoryDepthMax, kvMgetKeysMax,
  kvTxnIdleMsDefault,
} from '../limits.ts';
import { LsmDb, type LsmStats, type WriteResult } from '../lsm/db.ts';
import type { LsmOptions } from '../lsm/db_options.ts';
import { compareRange, EntryKind } from '../lsm/internal_key.ts';
import { KeySpace } from '../lsm/key_space.ts';
import { WriteBatch } from '../lsm/write_batch.ts';
import type { Durability } from '../log/segmented_log.ts';
import {
  checkCas, checkDelta, checkNamespace, checkTtl, checkTxnId, checkWait, scanLimit, toKey,
  toPrefix, toValue,
} from './kv_args.ts';
import { applyWrite, MISSING, readJson, type Applied, type KeyState, type KvWrite }
  from './kv_apply.ts';
import { ReservedCounter } from './kv_counters.ts';
import { KvCompactionFilter } from './kv_filter.ts';
import {
  decodeCursor, holdsLiveKey, readHistory, scanPage, type KvHistoryEntry, type KvScanPage,
} from './kv_read.ts';
import {
  encodeRecordHeader, isExpired, readRecordHeader, type RecordHeader,
} from './kv_record.ts';
import { NamespaceIds } from './kv_namespaces.ts';
import { DeadlineQueue } from './deadline_queue.ts';
import { KvWaiters, type KvEntry } from './kv_waiters.ts';
import { TxnRegistry, type Transaction } from './kv_txn.ts';
import { compactJson, jsonGet, parsePath } from './json_path.ts';

export type { KvEntry } from './kv_waiters.ts';

export interface KvOptions {
  fs: FileSystem;
  clock: Clock;
  /** The LSM directory. */
  dir: string;
  /** Default 'sync'. */
  durability?: Durability;
  syncIntervalMs?: number;
  /** History entries kept per key (default 8, spec minimum). */
  historyDepth?: number;
  /** Idle time after which an open transaction is rolled back (default 30 000 ms). */
  txnIdleMs?: number;
  /** LSM tuning (memtable size, compaction, caches). */
  lsm?: Omit<LsmOptions, 'fs' | 'clock' | 'dir' | 'durability' | 'syncIntervalMs'>;
}

export interface KvPutOptions {
  /** Expiry after this many ms (0 or absent: none). Every put replaces the TTL. */
  ttlMs?: number;
  /** 0: the key must be missing; N: the key must exist with version N. */
  casVersion?: number;
  ifNotExists?: boolean;
  ifExists?: boolean;
  txnId?: number;
}

export interface KvGetOptions {
  /** Wait up to this long for a missing key to be created. */
  blockMs?: number;
  /** Wait up to this long for a version newer than the current one (wins over blockMs). */
  waitMs?: number;
  signal?: AbortSignal;
  txnId?: number;
}

export interface KvScanOptions {
  /** Page size: default 100, clamped to 1 000. */
  limit?: number;
  /** From the previous page; resumes strictly after its last key. */
  cursor?: Uint8Array | null;
  keysOnly?: boolean;
  /** User-key prefixes to leave out (the server's reserved prefixes). */
  excludePrefixes?: readonly Uint8Array[];
}

export interface KvExists {
  present: boolean;
  /** 0 when missing, and for a value buffered in the transaction. */
  version: number;
}

export interface KvCommit {
  /** The version every key the commit set now has; 0 for an empty transaction. */
  version: number;
  opCount: number;
}

/** A key's committed state and the seq of the LSM entry it comes from (0: none). */
interface Stored extends KeyState {
  seq: number;
}

/** What a transaction commit or a single write does to one key. */
interface KeyPlan {
  key: Uint8Array;
  /** Set once the namespace's prefix is known (a new namespace gets one in the batch). */
  lsmKey: Uint8Array;
  before: Stored;
  state: KeyState;
  set: boolean;
  ttl: boolean;
  deleted: boolean;
}

export class KvStore {
  readonly db: LsmDb;
  private readonly clock: Clock;
  private readonly historyDepth: number;
  private readonly deadlines: DeadlineQueue;
  private readonly waiters: KvWaiters;
  private readonly txns: TxnRegistry;
  private readonly versions: ReservedCounter;
  private readonly txnIds: ReservedCounter;
  private readonly namespaces: NamespaceIds;
  private readonly batch = new WriteBatch();
  private readonly headerBytes = new Uint8Array(32);
  private readonly header: RecordHeader = { version: 0, writeTimeMs: 0, expiresAtMs: 0,
    ttlOnly: false };
  // Lookups build their LSM key here (db.get keeps no reference to it).
  private keyScratch = new Uint8Array(64);
  private closed: Promise<void> | null = null;

  private constructor(db: LsmDb, options: KvOptions, historyDepth: number) {
    this.db = db;
    this.clock = options.clock;
    this.historyDepth = historyDepth;
    this.deadlines = new DeadlineQueue(options.clock);
    this.waiters = new KvWaiters(this.deadlines,
      (namespace, key) => this.lookupIn(namespace, key, this.clock.nowMs()));
    this.txns = new TxnRegistry(this.deadlines, options.clock,
      checkInt(options.txnIdleMs ?? kvTxnIdleMsDefault, 'txnIdleMs', 1, 86_400_000));
    this.versions = ReservedCounter.load(db, 'version');
    this.txnIds = ReservedCounter.load(db, 'txn');
    this.namespaces = NamespaceIds.load(db);
  }

  /**
   * Opens the store's LSM in `options.dir` (creating it if needed) and recovers it.
   * @throws CorruptionError, StorageIoError, TypeError/RangeError (bad options)
   */
  static async open(options: KvOptions): Promise<KvStore> {
    const historyDepth = checkInt(options.historyDepth ?? kvHistoryDepthDefault,
      'historyDepth', 1, kvHistoryDepthMax);
    const db = await LsmDb.open({
      ...options.lsm, fs: options.fs, clock: options.clock, dir: options.dir,
      durability: options.durability, syncIntervalMs: options.syncIntervalMs,
    });
    db.registerFilter(KeySpace.kv, new KvCompactionFilter(historyDepth));
    return new KvStore(db, options, historyDepth);
  }

  /** The version the next value-setting write will get. */
  get nextVersion(): number {
    return this.versions.next;
  }

  // ---- writes ----

  /**
   * Stores `value` under `key`; resolves with its new version (0 inside a transaction).
   * @throws ConflictError when a condition fails, OverloadedError, RangeError/TypeError
   */
  async put(
    namespace: string, key: Uint8Array | string, value: Uint8Array | string,
    options: KvPutOptions = {},
  ): Promise<number> {
    const write: KvWrite = {
      kind: 'put', key: toKey(key), value: toValue(value), ttlMs: checkTtl(options.ttlMs),
      casVersion: checkCas(options.casVersion), ifNotExists: options.ifNotExists === true,
      ifExists: options.ifExists === true,
    };
    if (write.ifNotExists && write.ifExists) {
      throw new RangeError('ifNotExists and ifExists cannot both be set');
    }
    const ns = checkNamespace(namespace);
    if (options.txnId !== undefined) return this.buffer(ns, options.txnId, write, 0);
    if (write.casVersion === undefined && !write.ifExists && !write.ifNotExists) {
      return this.blindPut(ns, write);
    }
    return (await this.mutate(ns, write)).state.version;
  }

  /**
   * Stores several keys in one WAL record (one fsync); each gets its own version, in order.
   * Unconditional puts only. Resolves with the versions.
   */
  async putMany(
    namespace: string,
    entries: ReadonlyArray<{ key: Uint8Array | string; value: Uint8Array | string;
      ttlMs?: number }>,
  ): Promise<number[]> {
    const ns = checkNamespace(namespace);
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > kvBatchEntriesMax) {
      throw new RangeError(`putMany takes 1 to ${kvBatchEntriesMax} entries`);
    }
    const writes = entries.map((entry) => ({ key: toKey(entry.key), value: toValue(entry.value),
      ttlMs: checkTtl(entry.ttlMs) }));
    this.checkOpen();
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
      this.stageValue(batch, prefix, write.key, versions[index]!, nowMs,
        write.ttlMs > 0 ? nowMs + write.ttlMs : 0, false, write.value);
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
   * Deletes `key`: true when it existed, false when it was missing.
   * @throws ConflictError when `casVersion` is given and is not the key's version
   */
  async delete(
    namespace: string, key: Uint8Array | string,
    options: { casVersion?: number; txnId?: number } = {},
  ): Promise<boolean> {
    const write: KvWrite = { kind: 'delete', key: toKey(key),
      casVersion: checkCas(options.casVersion) };
    const ns = checkNamespace(namespace);
    if (options.txnId !== undefined) {
      await this.buffer(ns, options.txnId, write, 0);
      return true;
    }
    return (await this.mutate(ns, write)).change === 'delete';
  }

  /**
   * Sets the key's TTL (0 removes it) without changing its version or value.
   * @throws NotFoundError when missing, ConflictError on a `casVersion` mismatch
   */
  async touch(
    namespace: string, key: Uint8Array | string, ttlMs: number,
    options: { casVersion?: number; txnId?: number } = {},
  ): Promise<void> {
    const write: KvWrite = { kind: 'touch', key: toKey(key), ttlMs: checkTtl(ttlMs),
      casVersion: checkCas(options.casVersion) };
    const ns = checkNamespace(namespace);
    if (options.txnId !== undefined) await this.buffer(ns, options.txnId, write, 0);
    else await this.mutate(ns, write);
  }

  /** Removes the key's TTL. @throws NotFoundError, ConflictError as touch() */
  async persist(
    namespace: string, key: Uint8Array | string,
    options: { casVersion?: number; txnId?: number } = {},
  ): Promise<void> {
    const write: KvWrite = { kind: 'persist', key: toKey(key),
      casVersion: checkCas(options.casVersion) };
    const ns = checkNamespace(namespace);
    if (options.txnId !== undefined) await this.buffer(ns, options.txnId, write, 0);
    else await this.mutate(ns, write);
  }

  /**
   * Adds `delta` (default 1) to the 8-byte little-endian i64 counter at `key` (a missing key
   * counts as 0); keeps the TTL. Inside a transaction: version 0 and the value of its view.
   * @throws EngineError INVALID_ARGUMENT "value is not a counter" / "counter overflow"
   */
  async incr(
    namespace: string, key: Uint8Array | string, delta?: bigint | number,
    options: { txnId?: number } = {},
  ): Promise<{ version: number; value: bigint }> {
    const write: KvWrite = { kind: 'incr', key: toKey(key), delta: checkDelta(delta) };
    const ns = checkNamespace(namespace);
    if (options.txnId !== undefined) {
      const txn = this.txns.use(checkTxnId(options.txnId)!, ns);
      this.txns.add(txn, write);
      const view = await this.view(txn, write.key);
      const value = view.exists && view.value.length === 8
        ? new DataView(view.value.buffer, view.value.byteOffset, 8).getBigInt64(0, true) : 0n;
      return { version: 0, value };
    }
    const applied = await this.mutate(ns, write);
    return { version: applied.state.version, value: applied.counter! };
  }

  // ---- reads ----

  /**
   * The key's value and version, or null when missing. With `blockMs` waits for a missing
   * key to be created; with `waitMs` for a version newer than the current one (null when
   * the key is deleted or expires meanwhile, on timeout or abort). Waits are ignored in a
   * transaction, which reads its own view (buffered values have version 0).
   */
  async get(
    namespace: string, key: Uint8Array | string, options: KvGetOptions = {},
  ): Promise<KvEntry | null> {
    const userKey = toKey(key);
    const ns = checkNamespace(namespace);
    const blockMs = checkWait(options.blockMs, 'blockMs');
    const waitMs = checkWait(options.waitMs, 'waitMs');
    if (options.txnId !== undefined) {
      const state = await this.view(this.txns.use(checkTxnId(options.txnId)!, ns), userKey);
      return state.exists ? { value: state.value.slice(), version: state.version } : null;
    }
    this.checkOpen();
    const nowMs = this.clock.nowMs();
    const stored = this.lookupIn(ns, userKey, nowMs, true);
    if (waitMs > 0 || (blockMs > 0 && !stored.exists)) {
      const mode = waitMs > 0 ? 'wait' : 'block';
      return this.waiters.park(ns, userKey, mode, stored, waitMs > 0 ? waitMs : blockMs, nowMs,
        options.signal);
    }
    const entry = stored.exists ? { value: stored.value, version: stored.version } : null;
    if (stored.seq > this.db.durableSeq) await this.db.waitDurable(stored.seq);
    return entry;
  }

  /** get() of up to 256 keys, in order (duplicates repeated). */
  async mget(
    namespace: string, keys: ReadonlyArray<Uint8Array | string>, options: { txnId?: number } = {},
  ): Promise<Array<KvEntry | null>> {
    if (!Array.isArray(keys) || keys.length === 0 || keys.length > kvMgetKeysMax) {
      throw new RangeError(`mget takes 1 to ${kvMgetKeysMax} keys`);
    }
    const userKeys = keys.map((key) => toKey(key));
    const ns = checkNamespace(namespace);
    if (options.txnId !== undefined) {
      const txn = this.txns.use(checkTxnId(options.txnId)!, ns);
      const states = await Promise.all(userKeys.map((key) => this.view(txn, key)));
      return states.map((s) => s.exists ? { value: s.value.slice(), version: s.version } : null);
    }
    this.checkOpen();
    const nowMs = this.clock.nowMs();
    let seq = 0;
    const entries = userKeys.map((key) => {
      const stored = this.lookupIn(ns, key, nowMs, true);
      seq = Math.max(seq, stored.seq);
      return stored.exists ? { value: stored.value, version: stored.version } : null;
    });
    await this.db.waitDurable(seq);
    return entries;
  }

  /** Whether the key exists, and its version (0 when missing or buffered in the txn). */
  async exists(
    namespace: string, key: Uint8Array | string, options: { txnId?: number } = {},
  ): Promise<KvExists> {
    const userKey = toKey(key);
    const ns = checkNamespace(namespace);
    const state = options.txnId !== undefined
      ? await this.view(this.txns.use(checkTxnId(options.txnId)!, ns), userKey)
      : await this.committed(ns, userKey);
    return { present: state.exists, version: state.exists ? state.version : 0 };
  }

  /**
   * The key's history, newest first: every write that set its value since it was last
   * created, at most `limit` (0 or absent: all kept, at least historyDepth). Empty when
   * the key is missing.
   */
  async history(
    namespace: string, key: Uint8Array | string, options: { limit?: number } = {},
  ): Promise<KvHistoryEntry[]> {
    const userKey = toKey(key);
    const ns = checkNamespace(namespace);
    const limit = checkInt(options.limit ?? 0, 'limit', 0, 2 ** 32 - 1);
    this.checkOpen();
    const prefix = this.namespaces.find(ns);
    if (prefix === null) return [];
    const { entries, seq } = readHistory(this.db, concat(prefix, userKey),
      limit === 0 ? this.historyDepth : Math.min(limit, this.historyDepth), this.clock.nowMs());
    await this.db.waitDurable(seq);
    return entries;
  }

  /**
   * One page of the keys starting with `prefix`, ascending bytewise, strictly after
   * `cursor`. Expired keys are left out. A page is a consistent snapshot.
   * @throws RangeError "invalid cursor"
   */
  async scan(
    namespace: string, prefix: Uint8Array | string = new Uint8Array(0),
    options: KvScanOptions = {},
  ): Promise<KvScanPage> {
    const ns = checkNamespace(namespace);
    const request = {
      nsPrefix: new Uint8Array(0), prefix: toPrefix(prefix),
      limit: scanLimit(options.limit), after: decodeCursor(options.cursor),
      keysOnly: options.keysOnly === true, excludePrefixes: options.excludePrefixes ?? [],
      nowMs: this.clock.nowMs(),
    };
    this.checkOpen();
    const nsPrefix = this.namespaces.find(ns);
    if (nsPrefix === null) return { entries: [], hasMore: false, cursor: null };
    const { page, seq } = scanPage(this.db, { ...request, nsPrefix });
    await this.db.waitDurable(seq);
    return page;
  }

  // ---- JSON ----

  /**
   * The compact JSON of the node at `path` in the key's document, or null when the key or
   * the path is missing. @throws RangeError "unsupported path", EngineError when the value
   * is not JSON
   */
  async jsonGet(
    namespace: string, key: Uint8Array | string, path: string, options: { txnId?: number } = {},
  ): Promise<{ version: number; json: string } | null> {
    const userKey = toKey(key);
    const segments = parsePath(path);
    const ns = checkNamespace(namespace);
    const state = options.txnId !== undefined
      ? await this.view(this.txns.use(checkTxnId(options.txnId)!, ns), userKey)
      : await this.committed(ns, userKey);
    if (!state.exists) return null;
    const doc = readJson(state.value);
    if (doc === undefined) {
      throw new EngineError(ErrorCode.invalidArgument, 'the stored value is not JSON');
    }
    const node = jsonGet(doc, segments);
    return node === undefined ? null : { version: state.version, json: compactJson(node) };
  }

  /** Sets the node at `path` to `json`; resolves with the new version (0 in a txn). */
  async jsonSet(
    namespace: string, key: Uint8Array | string, path: string, json: string,
    options: { txnId?: number } = {},
  ): Promise<number> {
    if (typeof json !== 'string') throw new TypeError('json must be a string');
    const write: KvWrite = { kind: 'jsonSet', key: toKey(key), path: parsePath(path), json };
    const ns = checkNamespace(namespace);
    if (options.txnId !== undefined) return this.buffer(ns, options.txnId, write, 0);
    return (await this.mutate(ns, write)).state.version;
  }

  /**
   * Removes the node at `path` (`$` deletes the key); resolves with the new version, or 0
   * when the key was deleted (always 0 in a txn). @throws NotFoundError
   */
  async jsonDel(
    namespace: string, key: Uint8Array | string, path: string, options: { txnId?: number } = {},
  ): Promise<number> {
    const write: KvWrite = { kind: 'jsonDel', key: toKey(key), path: parsePath(path) };
    const ns = checkNamespace(namespace);
    if (options.txnId !== undefined) return this.buffer(ns, options.txnId, write, 0);
    const applied = await this.mutate(ns, write);
    return applied.change === 'delete' ? 0 : applied.state.version;
  }

  // ---- transactions ----

  /** Opens a transaction bound to `namespace`; resolves with its id (never reused). */
  async beginTxn(namespace: string): Promise<number> {
    const ns = checkNamespace(namespace);
    this.checkOpen();
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
    this.txns.begin(id, ns);
    return id;
  }

  /**
   * Applies the transaction's writes atomically, in order, as one WAL record; every key it
   * sets gets one new version. The transaction ends either way.
   * @throws the first failing write's error (nothing is applied), EngineError
   * NO_ACTIVE_TRANSACTION / CROSS_NAMESPACE_TRANSACTION
   */
  async commitTxn(namespace: string, txnId: number): Promise<KvCommit> {
    const ns = checkNamespace(namespace);
    const txn = this.txns.use(checkTxnId(txnId)!, ns);
    this.txns.end(txn.id);
    if (txn.writes.length === 0) return { version: 0, opCount: 0 };
    this.checkOpen();
    this.db.checkWritable();
    const nowMs = this.clock.nowMs();
    const plans = new Map<string, KeyPlan>();
    const pendingVersion = this.versions.next;
    for (const write of txn.writes) {
      const id = latin1(write.key);
      let plan = plans.get(id);
      if (plan === undefined) {
        const before = this.lookupIn(ns, write.key, nowMs);
        plan = { key: write.key, lsmKey: write.key, before, state: before, set: false,
          ttl: false, deleted: false };
        plans.set(id, plan);
      }
      const applied = applyWrite(plan.state, write, nowMs, pendingVersion);
      if (applied.error !== undefined) {
        await this.revealBefore(plans.values());
        throw applied.error;
      }
      plan.state = applied.state;
      if (applied.change === 'set') plan.set = true;
      if (applied.change === 'ttl') plan.ttl = true;
      if (applied.change === 'delete') plan.deleted = true;
    }
    const batch = this.batch;
    batch.clear();
    const version = this.versions.take(batch);
    assert(version === pendingVersion, 'the commit takes the version its writes were given');
    const prefix = this.namespaces.assign(ns, batch);
    for (const plan of plans.values()) {
      plan.lsmKey = concat(prefix, plan.key);
      this.stagePlan(batch, plan, nowMs);
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
    return { version, opCount: txn.writes.length };
  }

  /** Discards the transaction's writes. @throws EngineError NO_ACTIVE_TRANSACTION */
  async rollbackTxn(namespace: string, txnId: number): Promise<void> {
    const txn = this.txns.use(checkTxnId(txnId)!, checkNamespace(namespace));
    this.txns.end(txn.id);
  }

  // ---- namespaces, lifecycle ----

  /** True when the namespace holds a live key. */
  namespaceHoldsData(namespace: string): boolean {
    this.checkOpen();
    const prefix = this.namespaces.find(checkNamespace(namespace));
    return prefix !== null && holdsLiveKey(this.db, prefix, this.clock.nowMs());
  }

  /** Every namespace holding a live key. */
  namespacesWithData(): string[] {
    this.checkOpen();
    const nowMs = this.clock.nowMs();
    return this.namespaces.entries().filter(([, prefix]) => holdsLiveKey(this.db, prefix, nowMs))
      .map(([name]) => name);
  }

  /**
   * Deletes every key of the namespace (forced namespace delete): its parked gets get their
   * timeout outcome and its open transactions end.
   */
  async dropNamespace(namespace: string): Promise<void> {
    const ns = checkNamespace(namespace);
    this.checkOpen();
    this.waiters.dropNamespace(ns);
    this.txns.dropNamespace(ns);
    const prefix = this.namespaces.find(ns);
    if (prefix === null) return;
    for (;;) {
      const keys = this.keysWithPrefix(prefix, 1000);
      if (keys.length === 0) return;
      await this.db.whenWritable();
      const batch = new WriteBatch();
      for (const key of keys) batch.delete(key);
      await this.db.write(batch).durable;
    }
  }

  stats(): { lsm: LsmStats; parkedGets: number; openTransactions: number;
    nextVersion: number } {
    return { lsm: this.db.stats(), parkedGets: this.waiters.count,
      openTransactions: this.txns.count, nextVersion: this.versions.next };
  }

  /** Answers parked gets with their timeout outcome, ends transactions, closes the LSM. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.waiters.close();
      this.txns.close();
      this.deadlines.close();
      await this.db.close();
    })();
    return this.closed;
  }

  // ---- internals ----

  // The committed state of `key` in `namespace` at `nowMs` (an expired key is missing).
  // The value is a view into the LSM unless `copyValue`. Runs for every get: no closures,
  // one object per lookup besides the value.
  private lookupIn(namespace: string, key: Uint8Array, nowMs: number, copyValue = false):
    Stored {
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
      value: copyValue ? entry.value.slice(start) : entry.value.subarray(start),
    };
  }

  // The committed state, revealed once durable.
  private async committed(namespace: string, key: Uint8Array): Promise<KeyState> {
    this.checkOpen();
    const stored = this.lookupIn(namespace, key, this.clock.nowMs());
    if (stored.seq > this.db.durableSeq) await this.db.waitDurable(stored.seq);
    return stored;
  }

  // A transaction's view of `key`: committed state with its buffered writes applied in
  // order (read your writes). Conditions are the commit's business, so the view applies
  // puts and deletes as if theirs held; a write that cannot apply (a touch of a missing
  // key, an incr of a non-counter) leaves the view as it was.
  private async view(txn: Transaction, key: Uint8Array): Promise<KeyState> {
    const nowMs = this.clock.nowMs();
    let state: KeyState = await this.committed(txn.namespace, key);
    for (const write of txn.writes) {
      if (!equalBytes(write.key, key)) continue;
      const unconditional: KvWrite = write.kind === 'put'
        ? { ...write, casVersion: undefined, ifNotExists: false, ifExists: false }
        : write.kind === 'delete' ? { ...write, casVersion: undefined } : write;
      const applied = applyWrite(state, unconditional, nowMs, 0);
      if (applied.error === undefined) state = applied.state;
    }
    return state;
  }

  private async buffer(ns: string, txnId: number, write: KvWrite, reply: number):
    Promise<number> {
    const txn = this.txns.use(checkTxnId(txnId)!, ns);
    this.txns.add(txn, write);
    return reply;
  }

  // A put without conditions needs no read: the record alone says where its life starts.
  private async blindPut(ns: string, write: Extract<KvWrite, { kind: 'put' }>): Promise<number> {
    this.checkOpen();
    this.db.checkWritable();
    const nowMs = this.clock.nowMs();
    const expiresAtMs = write.ttlMs > 0 ? nowMs + write.ttlMs : 0;
    const batch = this.batch;
    batch.clear();
    const prefix = this.namespaces.assign(ns, batch);
    const version = this.versions.take(batch);
    this.stageValue(batch, prefix, write.key, version, nowMs, expiresAtMs, false, write.value);
    const result = this.writeBatch(batch, this.versions);
    if (this.waiters.active) {
      this.waiters.notify(ns, write.key,
        { exists: true, version, value: write.value, expiresAtMs }, result.durable);
    }
    await this.settled(result);
    return version;
  }

  // Reads the key, applies `write`, writes what changed; throws a failed condition once the
  // state it saw is durable.
  private async mutate(ns: string, write: KvWrite): Promise<Applied> {
    this.checkOpen();
    this.db.checkWritable();
    const nowMs = this.clock.nowMs();
    const before = this.lookupIn(ns, write.key, nowMs);
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
    this.stagePlan(batch, plan, nowMs);
    const result = this.writeBatch(batch, plan.set ? this.versions : null);
    if (this.waiters.active) this.notifyPlan(ns, plan, result.durable);
    await this.settled(result);
    return applied;
  }

  // Adds the entries that take one key from plan.before to plan.state.
  private stagePlan(batch: WriteBatch, plan: KeyPlan, nowMs: number): void {
    const { state, before } = plan;
    if (!state.exists) {
      if (before.exists) batch.delete(plan.lsmKey);
      return;
    }
    if (plan.set) {
      // Deleted and set again in one transaction: the tombstone ends the old history.
      if (plan.deleted && before.exists) batch.delete(plan.lsmKey);
      this.stageValue(batch, plan.lsmKey, new Uint8Array(0), state.version, nowMs,
        state.expiresAtMs, false, state.value);
    } else if (plan.ttl) {
      this.stageValue(batch, plan.lsmKey, new Uint8Array(0), state.version, nowMs,
        state.expiresAtMs, true, state.value);
    }
  }

  private stageValue(
    batch: WriteBatch, keyHead: Uint8Array, keyTail: Uint8Array, version: number,
    nowMs: number, expiresAtMs: number, ttlOnly: boolean, value: Uint8Array,
  ): void {
    const length = encodeRecordHeader(this.headerBytes, version, nowMs, expiresAtMs, ttlOnly);
    batch.putParts(keyHead, keyTail, this.headerBytes.subarray(0, length), value);
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

  private checkOpen(): void {
    if (this.closed !== null) throw new ClosedError('the KV store is closed');
  }
}

function missingAt(seq: number): Stored {
  return { exists: false, version: 0, value: MISSING.value, expiresAtMs: 0, seq };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}
