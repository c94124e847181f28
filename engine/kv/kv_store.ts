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

import { ClosedError, EngineError, ErrorCode } from '../errors.ts';
import type { Clock } from '../io/clock.ts';
import { checkInt } from '../args.ts';
import { copyBytes } from '../codec/copy_bytes.ts';
import {
  kvBatchEntriesMax, kvHistoryDepthDefault, kvHistoryDepthMax, kvMgetKeysMax,
  kvTxnIdleMsDefault,
} from '../limits.ts';
import { LsmDb, type LsmStats } from '../lsm/db.ts';
import { KeySpace } from '../lsm/key_space.ts';
import {
  checkCas, checkDelta, checkNamespace, checkTtl, checkTxnId, checkWait, scanLimit, toKey,
  toPrefix, toValue,
} from './kv_args.ts';
import { applyWrite, readJson, type KeyState, type KvWrite } from './kv_apply.ts';
import { KvCompactionFilter } from './kv_filter.ts';
import {
  decodeCursor, holdsLiveKey, readHistory, scanPage, type KvHistoryEntry, type KvScanPage,
} from './kv_read.ts';
import { concat, equalBytes } from './kv_plan.ts';
import type {
  KvCommit, KvExists, KvGetOptions, KvOptions, KvPutOptions, KvScanOptions,
} from './kv_types.ts';
import { KvWriter } from './kv_writer.ts';
import { DeadlineQueue } from './deadline_queue.ts';
import { KvWaiters, type KvEntry } from './kv_waiters.ts';
import { TxnRegistry, type Transaction } from './kv_txn.ts';
import { compactJson, jsonGet, parsePath } from './json_path.ts';

export type { KvEntry } from './kv_waiters.ts';
export type {
  KvOptions, KvPutOptions, KvGetOptions, KvScanOptions, KvExists, KvCommit,
} from './kv_types.ts';

export class KvStore {
  readonly db: LsmDb;
  private readonly clock: Clock;
  private readonly historyDepth: number;
  private readonly deadlines: DeadlineQueue;
  private readonly waiters: KvWaiters;
  private readonly txns: TxnRegistry;
  private readonly writer: KvWriter;
  private closed: Promise<void> | null = null;

  private constructor(db: LsmDb, options: KvOptions, historyDepth: number) {
    this.db = db;
    this.clock = options.clock;
    this.historyDepth = historyDepth;
    this.deadlines = new DeadlineQueue(options.clock);
    this.waiters = new KvWaiters(this.deadlines,
      (namespace, key) => this.writer.lookup(namespace, key, this.clock.nowMs()));
    this.txns = new TxnRegistry(this.deadlines, options.clock,
      checkInt(options.txnIdleMs ?? kvTxnIdleMsDefault, 'txnIdleMs', 1, 86_400_000));
    this.writer = new KvWriter(db, options.clock, this.waiters);
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
    return this.writer.versions.next;
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
      // `return await`: resolving with a promise would cost two more microtask turns.
      return await this.writer.blindPut(ns, write);
    }
    return (await this.writer.mutate(ns, write)).state.version;
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
    return this.writer.putMany(ns, writes);
  }

  /**
   * Deletes `key`: true when it existed, false when it was missing (with or without
   * `casVersion`; in a transaction a conditional delete of a missing key fails the commit).
   * @throws ConflictError when `casVersion` is given and is not the existing key's version
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
    return (await this.writer.mutate(ns, write)).change === 'delete';
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
    else await this.writer.mutate(ns, write);
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
    else await this.writer.mutate(ns, write);
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
    const applied = await this.writer.mutate(ns, write);
    return { version: applied.state.version, value: applied.counter! };
  }

  // ---- reads ----

  /**
   * The key's value and version, or null when missing. With `blockMs` waits for a missing
   * key to be created; with `waitMs` for a version newer than the current one (null when
   * the key is deleted or expires meanwhile, on timeout or abort). `onPark` is called when
   * the get starts to wait, and may refuse it. Waits are ignored in a transaction, which
   * reads its own view (buffered values have version 0).
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
      return state.exists ? { value: copyBytes(state.value), version: state.version } : null;
    }
    this.checkOpen();
    const nowMs = this.clock.nowMs();
    const stored = this.writer.lookup(ns, userKey, nowMs, true);
    if (waitMs > 0 || (blockMs > 0 && !stored.exists)) {
      if (options.signal?.aborted === true || options.onPark?.() === false) return null;
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
      return states.map((s) => s.exists ? { value: copyBytes(s.value), version: s.version } : null);
    }
    this.checkOpen();
    const nowMs = this.clock.nowMs();
    let seq = 0;
    const entries = userKeys.map((key) => {
      const stored = this.writer.lookup(ns, key, nowMs, true);
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
    const prefix = this.writer.namespaces.find(ns);
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
    const nsPrefix = this.writer.namespaces.find(ns);
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
    return (await this.writer.mutate(ns, write)).state.version;
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
    const applied = await this.writer.mutate(ns, write);
    return applied.change === 'delete' ? 0 : applied.state.version;
  }

  // ---- transactions ----

  /** Opens a transaction bound to `namespace`; resolves with its id (never reused). */
  async beginTxn(namespace: string): Promise<number> {
    const ns = checkNamespace(namespace);
    this.checkOpen();
    const id = await this.writer.takeTxnId();
    this.txns.begin(id, ns);
    return id;
  }

  /**
   * Applies the transaction's writes atomically, in order, as one WAL record; every key it
   * sets gets one new version. The transaction ends either way.
   * @throws the first failing write's error (nothing is applied), EngineError
   * NO_ACTIVE_TRANSACTION / CROSS_NAMESPACE_TRANSACTION, OverloadedError (the transaction
   * stays open: retry once `db.whenWritable()` resolves)
   */
  async commitTxn(namespace: string, txnId: number): Promise<KvCommit> {
    const ns = checkNamespace(namespace);
    const txn = this.txns.use(checkTxnId(txnId)!, ns);
    this.checkOpen();
    // Refused for lack of room (OverloadedError), the transaction stays open for a retry.
    if (txn.writes.length > 0) this.db.checkWritable();
    this.txns.end(txn.id);
    if (txn.writes.length === 0) return { version: 0, opCount: 0 };
    return this.writer.commit(ns, txn.writes);
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
    const prefix = this.writer.namespaces.find(checkNamespace(namespace));
    return prefix !== null && holdsLiveKey(this.db, prefix, this.clock.nowMs());
  }

  /** Every namespace holding a live key. */
  namespacesWithData(): string[] {
    this.checkOpen();
    const nowMs = this.clock.nowMs();
    return this.writer.namespaces.entries()
      .filter(([, prefix]) => holdsLiveKey(this.db, prefix, nowMs)).map(([name]) => name);
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
    const prefix = this.writer.namespaces.find(ns);
    if (prefix === null) return;
    await this.writer.deleteAll(prefix);
  }

  stats(): { lsm: LsmStats; parkedGets: number; openTransactions: number;
    nextVersion: number } {
    return { lsm: this.db.stats(), parkedGets: this.waiters.count,
      openTransactions: this.txns.count, nextVersion: this.writer.versions.next };
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

  // The committed state, revealed once durable.
  private async committed(namespace: string, key: Uint8Array): Promise<KeyState> {
    this.checkOpen();
    const stored = this.writer.lookup(namespace, key, this.clock.nowMs());
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

  private checkOpen(): void {
    if (this.closed !== null) throw new ClosedError('the KV store is closed');
  }
}
