// StreamStore: every stream of one Flo instance (spec §7.4): a Catalog of streams under one
// root, each stream a StreamHandle (partition logs + journal). This file is the public
// boundary — it checks arguments, creates streams implicitly where the spec says so, and
// owns what spans streams: parked reads, the retention sweep and the expiry timer. Consumer
// group operations live in stream_groups.ts (StreamGroups, reached as `store.groups`).
// Mutations are applied when called and resolve once durable (docs/design/streams.md).

import { assert } from '../assert.ts';
import { NameMap } from '../collections/name_map.ts';
import { checkInt, checkIntOr } from '../args.ts';
import { Catalog } from '../catalog/catalog.ts';
import { compareBytes, utf8 } from '../codec/bytes.ts';
import { ClosedError, ConflictError, NotFoundError } from '../errors.ts';
import type { Timer } from '../io/clock.ts';
import {
  streamListLimitDefault, streamListLimitMax, streamPartitionsMax, streamReadCountDefault,
  streamReadCountMax, streamRetentionSweepMs, waitMsMax,
} from '../limits.ts';
import { Parked } from './parked.ts';
import { StreamHandle, type StreamContext, type StreamSettings } from './stream_handle.ts';
import { checkStreamId, STREAM_ID_MIN, type StreamId } from './stream_id.ts';
import { checkNamespace, checkStreamName } from './stream_names.ts';
import { ReadPlan, toStreamRecord } from './stream_reads.ts';
import { StreamGroups } from './stream_groups.ts';
import { retentionDue, trimStream } from './stream_trim.ts';
import {
  checkAppend, checkPartition, decodeListCursor, encodeListCursor, mergeRetention,
} from './stream_args.ts';
import { streamInfo } from './stream_info.ts';
import type {
  AlterStreamOptions, AppendOptions, AppendResult, CreateStreamOptions, ListOptions,
  ReadOptions, StreamListPage, StreamRecord, StreamRecordInput,
  StreamStoreOptions, TrimOptions, TrimResult, GroupGauge,
} from './stream_types.ts';

interface ReadWaiter {
  parked: Parked<StreamRecord[]>;
  plan: ReadPlan;
}

/**
 * Every stream of one Flo instance: append, read (blocking), trim, info, list, create,
 * alter, delete; consumer groups under `groups`. Calls apply at once and resolve when
 * durable per the durability mode (sync by default).
 *
 * @example
 * const store = await StreamStore.open({ fs: new NodeFs(), clock: new RealClock(), dir });
 * const { sequence } = await store.append('', 'orders', [{ payload }]);
 * const records = await store.read('', 'orders', { start: { timestampMs: 0, sequence } });
 * const batch = await store.groups.read('', 'orders', 'billing', 'worker-1', { blockMs: 5000 });
 * await store.groups.ack('', 'orders', 'billing', batch.map((record) => record.sequence));
 * await store.close();
 */
export class StreamStore {
  /** Consumer-group operations (create, join, read, ack, claim, info …). */
  readonly groups: StreamGroups;
  private readonly catalog: Catalog<StreamSettings>;
  private readonly context: StreamContext;
  private readonly defaultPartitions: number;
  private readonly handles = new NameMap<StreamHandle>();
  private readonly opening = new NameMap<Promise<StreamHandle>>();
  private readonly altering = new Map<StreamHandle, Promise<void>>();
  /** Parked plain reads by stream key (the stream may not exist yet). */
  private readonly readers = new NameMap<ReadWaiter[]>();
  private sweepTimer: Timer | null = null;
  private closed = false;

  private constructor(options: StreamStoreOptions, catalog: Catalog<StreamSettings>) {
    this.catalog = catalog;
    this.defaultPartitions = options.defaultPartitions ?? 1;
    this.context = {
      fs: options.fs, clock: options.clock, durability: options.durability ?? 'sync',
      syncIntervalMs: options.syncIntervalMs, segmentBytes: options.segmentBytes,
      indexIntervalBytes: options.indexIntervalBytes, compression: options.compression,
      checkpointBytes: options.checkpointBytes,
      revealed: (handle) => this.revealed(handle),
      failed: () => undefined,
    };
    this.groups = new StreamGroups({
      clock: options.clock,
      existing: (namespace, name) => this.handles.get(namespace, name),
      obtain: (namespace, name) => this.obtain(namespace, name),
      matching: (namespace, prefix) => this.matching(namespace, prefix),
      checkOpen: () => this.checkOpen(),
    });
  }

  /**
   * Opens the store in `options.dir`, recovering every stream (torn log tails are cut, group
   * state is restored from its checkpoint and journal).
   * @throws CorruptionError, StorageIoError, RangeError (bad options)
   */
  static async open(options: StreamStoreOptions): Promise<StreamStore> {
    checkIntOr(options.defaultPartitions, 'defaultPartitions', 1, streamPartitionsMax, 1);
    checkIntOr(options.checkpointBytes, 'checkpointBytes', 1, Number.MAX_SAFE_INTEGER, 1);
    const durability = options.durability ?? 'sync';
    if (!['sync', 'async', 'memory'].includes(durability)) {
      throw new RangeError(`durability must be sync, async or memory, got ${durability}`);
    }
    const catalog = await Catalog.open<StreamSettings>(options.fs, options.dir);
    const store = new StreamStore(options, catalog);
    try {
      for (const entry of catalog.entries()) {
        const handle = await StreamHandle.open(store.context, entry);
        store.handles.set(entry.namespace, entry.name, handle);
        store.groups.adopt(handle);
      }
    } catch (error) {
      await store.close();
      throw error;
    }
    store.scheduleSweep();
    return store;
  }

  // ---- streams ----

  /**
   * Creates a stream. @throws ConflictError when it exists; RangeError for bad options
   */
  async create(namespace: string, name: string, options: CreateStreamOptions = {}) {
    this.checkOpen();
    const ns = checkNamespace(namespace);
    checkStreamName(name);
    const settings: StreamSettings = {
      partitionCount: checkIntOr(options.partitionCount, 'partitionCount', 1,
        streamPartitionsMax, this.defaultPartitions),
      retention: mergeRetention({ maxRecords: 0, maxAgeMs: 0, maxBytes: 0 }, options.retention),
    };
    if (this.handles.has(ns, name) || this.opening.has(ns, name)) {
      throw new ConflictError(`stream already exists: "${name}"`);
    }
    await this.createStream(ns, name, settings);
  }

  /**
   * Grows the partition count and/or replaces retention limits (applied at once).
   * @throws NotFoundError; RangeError when partitions would shrink
   */
  async alter(namespace: string, name: string, options: AlterStreamOptions): Promise<void> {
    const handle = this.require(namespace, name);
    // One alter of a stream at a time: each reads the settings the previous one wrote.
    const previous = this.altering.get(handle) ?? Promise.resolve();
    const altered = previous.catch(() => undefined).then(() => this.alterNow(handle, options));
    this.altering.set(handle, altered);
    try {
      await altered;
    } finally {
      if (this.altering.get(handle) === altered) this.altering.delete(handle);
    }
  }

  private async alterNow(handle: StreamHandle, options: AlterStreamOptions): Promise<void> {
    handle.checkUsable();
    const current = handle.settings;
    const partitionCount = checkIntOr(options.partitionCount, 'partitionCount', 1,
      streamPartitionsMax, current.partitionCount);
    if (partitionCount < current.partitionCount) {
      throw new RangeError(`partitionCount may only grow: ${current.partitionCount} -> ` +
        `${partitionCount}`);
    }
    const settings = { partitionCount,
      retention: mergeRetention(current.retention, options.retention) };
    await this.catalog.update(handle.entry, settings);
    if (partitionCount > handle.partitions.length) await handle.addPartitions(partitionCount);
    await this.applyRetention(handle, true);
  }

  /**
   * Deletes a stream with its records and groups; parked reads on it get empty results.
   * @throws NotFoundError; ConflictError when it holds records and `force` is not set
   */
  async delete(namespace: string, name: string, options: { force?: boolean } = {}) {
    const handle = this.require(namespace, name);
    if (options.force !== true && (handle.recordCount > 0 || handle.appending)) {
      throw new ConflictError(`stream is not empty: "${name}"`);
    }
    await this.remove(handle);
  }

  /** The streams of a namespace whose names start with `prefix`, a page at a time (§8). */
  list(namespace: string, options: ListOptions = {}): StreamListPage {
    this.checkOpen();
    const ns = checkNamespace(namespace);
    const prefix = options.prefix ?? '';
    if (typeof prefix !== 'string') throw new TypeError('prefix must be a string');
    const limit = Math.min(streamListLimitMax,
      checkIntOr(options.limit, 'limit', 0, Number.MAX_SAFE_INTEGER, 0) ||
      streamListLimitDefault);
    const after = decodeListCursor(options.cursor);
    const entries = this.catalog.list(ns, prefix)
      .filter((entry) => after === null || compareBytes(utf8(entry.name), after) > 0);
    const page = entries.slice(0, limit);
    const last = page.at(-1);
    return {
      streams: page.map((entry) => ({ name: entry.name,
        partitionCount: entry.settings.partitionCount })),
      cursor: entries.length > limit && last !== undefined ? encodeListCursor(last.name) : null,
    };
  }

  /** Facts about a stream, or about one partition of it. @throws NotFoundError, RangeError */
  async info(namespace: string, name: string, options: { partition?: number } = {}) {
    const handle = this.require(namespace, name);
    const only = options.partition === undefined ? undefined
      : checkInt(options.partition, 'partition', 0, handle.partitions.length - 1);
    await handle.settled();
    return streamInfo(handle, only);
  }

  /**
   * The backlog (lag, pending) of every group of every stream, as applied now: for metrics,
   * which may run up to one fsync ahead of what calls reveal. Synchronous.
   */
  groupGauges(): GroupGauge[] {
    if (this.closed) return [];
    return [...this.handles.values()].flatMap((handle) => this.groups.gauges(handle));
  }

  /** True when the namespace holds any stream. */
  namespaceHoldsData(namespace: string): boolean {
    const ns = checkNamespace(namespace);
    return this.catalog.list(ns).length > 0;
  }

  /** Every namespace holding a stream, sorted bytewise (NamespacedStore). */
  namespacesWithData(): string[] {
    const names = new Set(this.catalog.entries().map((entry) => entry.namespace));
    return [...names]; // entries() is sorted by namespace, then name
  }

  /** Deletes every stream of the namespace (forced); its parked reads get empty results. */
  async dropNamespace(namespace: string): Promise<void> {
    this.checkOpen();
    const ns = checkNamespace(namespace);
    for (const waiters of this.readers.deleteNamespace(ns)) {
      for (const waiter of waiters) waiter.parked.expire();
    }
    this.groups.dropNamespace(ns);
    for (const entry of this.catalog.list(ns)) {
      const handle = this.handles.get(ns, entry.name);
      if (handle !== undefined) await this.remove(handle);
    }
  }

  // ---- records ----

  /**
   * Appends `records` as one atomic batch to one partition (explicit, by key hash, or round
   * robin), creating the stream if needed. Resolves with the first record's sequence and
   * timestamp once the batch is durable and readable.
   * @throws TypeError, RangeError (bad records or partition), StorageIoError, ClosedError
   */
  append(
    namespace: string,
    name: string,
    records: readonly StreamRecordInput[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    try {
      this.checkOpen();
      checkAppend(records, options);
      const handle = this.handles.get(namespace === '' ? 'default' : namespace, name);
      if (handle !== undefined) {
        checkPartition(options.partition, handle);
        return handle.append(records, options);
      }
      const ns = checkNamespace(namespace);
      checkStreamName(name);
      return Promise.resolve(this.obtain(ns, name)).then((created) => {
        checkPartition(options.partition, created);
        return created.append(records, options);
      });
    } catch (error) {
      // Like every other call of the API, an append reports bad arguments by rejecting.
      return Promise.reject(error);
    }
  }

  /**
   * Reads records in sequence order (§7.4.3). A missing stream reads as empty, and a read
   * with `blockMs` waits for matching appends (also to a stream created later).
   * @throws RangeError for bad options
   */
  async read(namespace: string, name: string, options: ReadOptions = {}) {
    this.checkOpen();
    const ns = checkNamespace(namespace);
    checkStreamName(name);
    const plan = this.readPlan(ns, name, options);
    const blockMs = checkIntOr(options.blockMs, 'blockMs', 0, waitMsMax, 0);
    // Await only when needed: a read that parks registers before the caller's next step.
    const opening = this.opening.get(ns, name);
    const handle = this.handles.get(ns, name) ??
      (opening === undefined ? undefined : await opening);
    if (handle?.appending === true) await handle.settled();
    if (handle !== undefined && !handle.closed) {
      const records = plan.execute(handle);
      if (records.length > 0 || plan.endIsPast(handle)) {
        return records.map((record) => toStreamRecord(name, record));
      }
    }
    if (blockMs === 0 || this.closed || options.signal?.aborted === true) return [];
    if (options.onPark?.() === false) return [];
    const parked = new Parked<StreamRecord[]>(this.context.clock, blockMs, options.signal, [],
      () => this.pruneReaders(ns, name));
    if (parked.done) return parked.promise; // aborted already
    const waiters = this.readers.get(ns, name) ?? [];
    waiters.push({ parked, plan });
    this.readers.set(ns, name, waiters);
    return parked.promise;
  }

  // Drops a stream's finished waiters (a timed-out read on a quiet stream is never woken).
  private pruneReaders(namespace: string, name: string): void {
    const waiters = this.readers.get(namespace, name)?.filter((waiter) => !waiter.parked.done);
    if (waiters !== undefined && waiters.length > 0) this.readers.set(namespace, name, waiters);
    else this.readers.delete(namespace, name);
  }

  /**
   * Trims a stream by the given criteria (a record goes when any selects it; a batch only
   * as a whole), or with dryRun reports what would go.
   * @throws NotFoundError; RangeError when no criterion is given
   */
  async trim(namespace: string, name: string, options: TrimOptions): Promise<TrimResult> {
    const handle = this.require(namespace, name);
    const criteria = {
      before: options.before === undefined ? undefined : checkStreamId(options.before, 'before'),
      maxRecords: checkIntOr(options.maxRecords, 'maxRecords', 0, Number.MAX_SAFE_INTEGER, -1),
      maxAgeMs: checkIntOr(options.maxAgeMs, 'maxAgeMs', 0, Number.MAX_SAFE_INTEGER, -1),
      maxBytes: checkIntOr(options.maxBytes, 'maxBytes', 0, Number.MAX_SAFE_INTEGER, -1),
    };
    if (criteria.before === undefined && criteria.maxRecords < 0 && criteria.maxAgeMs < 0 &&
      criteria.maxBytes < 0) {
      throw new RangeError('no trim criterion');
    }
    await handle.settled();
    handle.checkUsable();
    return trimStream(handle, {
      before: criteria.before,
      maxRecords: criteria.maxRecords < 0 ? undefined : criteria.maxRecords,
      maxAgeMs: criteria.maxAgeMs < 0 ? undefined : criteria.maxAgeMs,
      maxBytes: criteria.maxBytes < 0 ? undefined : criteria.maxBytes,
    }, this.context.clock.nowMs(), options.dryRun === true);
  }

  /**
   * Makes everything applied so far durable, also in async mode (where writes otherwise
   * reach the disk every syncIntervalMs).
   */
  async sync(): Promise<void> {
    this.checkOpen();
    await Promise.all([...this.handles.values()].map((handle) => handle.sync()));
  }

  /**
   * Flushes every stream, releases unused sequence reservations, stops timers and answers
   * parked reads with their timeout outcome. Later calls throw ClosedError.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sweepTimer?.cancel();
    for (const waiters of this.readers.values()) {
      for (const waiter of waiters) waiter.parked.expire();
    }
    this.readers.clear();
    this.groups.close();
    await Promise.allSettled([...this.opening.values()]);
    await Promise.all([...this.handles.values()].map((handle) => handle.close()));
    this.handles.clear();
  }

  /** Checks every stream's partitions and groups (tests and the simulator, INVARIANTS=1). */
  checkInvariants(): void {
    for (const handle of this.handles.values()) handle.checkInvariants();
  }

  // ---- internals ----

  private readPlan(namespace: string, name: string, options: ReadOptions): ReadPlan {
    const count = Math.min(streamReadCountMax,
      checkIntOr(options.count, 'count', 0, Number.MAX_SAFE_INTEGER, 0) ||
      streamReadCountDefault);
    let start = options.start === undefined ? undefined : checkStreamId(options.start, 'start');
    if (options.startTimestampMs !== undefined) {
      const timestampMs = checkInt(options.startTimestampMs, 'startTimestampMs', 0,
        Number.MAX_SAFE_INTEGER);
      start = timestampMs === 0 ? STREAM_ID_MIN : { timestampMs, sequence: 0 };
    }
    const end = options.end === undefined ? undefined : checkStreamId(options.end, 'end');
    const handle = this.handles.get(namespace, name);
    const partitions = handle?.partitions.length ?? streamPartitionsMax;
    const partition = options.partition === undefined ? undefined
      : checkInt(options.partition, 'partition', 0, partitions - 1);
    const selection: { tail: boolean; start?: StreamId; end?: StreamId; partition?: number } =
      { tail: options.tail === true };
    if (start !== undefined) selection.start = start;
    if (end !== undefined) selection.end = end;
    if (partition !== undefined) selection.partition = partition;
    return new ReadPlan(handle, selection, count);
  }

  private require(namespace: string, name: string): StreamHandle {
    this.checkOpen();
    const ns = checkNamespace(namespace);
    checkStreamName(name);
    const handle = this.handles.get(ns, name);
    if (handle === undefined) throw new NotFoundError(`stream "${name}" not found`);
    return handle;
  }

  // The stream, created with default settings when missing (implicit creation).
  private obtain(namespace: string, name: string): StreamHandle | Promise<StreamHandle> {
    this.checkOpen();
    const handle = this.handles.get(namespace, name);
    if (handle !== undefined) return handle;
    return this.opening.get(namespace, name) ??
      this.createStream(namespace, name, {
        partitionCount: this.defaultPartitions,
        retention: { maxRecords: 0, maxAgeMs: 0, maxBytes: 0 },
      });
  }

  private createStream(
    namespace: string,
    name: string,
    settings: StreamSettings,
  ): Promise<StreamHandle> {
    assert(!this.handles.has(namespace, name) && !this.opening.has(namespace, name),
      'a stream is created once');
    // Callers that find the stream opening wait on this same promise, so they continue in
    // the order they called (appends keep their order).
    const opening = (async () => {
      try {
        const entry = await this.catalog.create(namespace, name, settings,
          this.context.clock.nowMs());
        let handle: StreamHandle;
        try {
          handle = await StreamHandle.open(this.context, entry);
        } catch (error) {
          // Leave no catalog entry without a stream behind (a later create starts afresh).
          await this.catalog.remove(entry).catch(() => undefined);
          throw error;
        }
        this.handles.set(namespace, name, handle);
        this.groups.adopt(handle);
        return handle;
      } finally {
        this.opening.delete(namespace, name);
      }
    })();
    this.opening.set(namespace, name, opening);
    return opening;
  }

  private matching(namespace: string, prefix: string): StreamHandle[] {
    const out: StreamHandle[] = [];
    for (const entry of this.catalog.list(namespace, prefix)) {
      const handle = this.handles.get(namespace, entry.name);
      if (handle !== undefined) out.push(handle);
    }
    return out;
  }

  private async remove(handle: StreamHandle): Promise<void> {
    this.handles.delete(handle.namespace, handle.name);
    for (const waiter of this.readers.get(handle.namespace, handle.name) ?? []) {
      waiter.parked.expire();
    }
    this.readers.delete(handle.namespace, handle.name);
    this.groups.forget(handle);
    await handle.close();
    await this.catalog.remove(handle.entry);
  }

  // Records were revealed: answer parked reads, serve group waiters, apply retention.
  private revealed(handle: StreamHandle): void {
    const waiters = this.readers.get(handle.namespace, handle.name);
    if (waiters !== undefined) {
      const still: ReadWaiter[] = [];
      for (const waiter of waiters) {
        if (waiter.parked.done) continue;
        try {
          const records = waiter.plan.execute(handle);
          if (records.length > 0) {
            waiter.parked.finish(records.map((record) => toStreamRecord(handle.name, record)));
          } else {
            still.push(waiter);
          }
        } catch (error) {
          waiter.parked.finish(Promise.reject(error)); // e.g. a damaged batch: the reader sees it
        }
      }
      if (still.length > 0) this.readers.set(handle.namespace, handle.name, still);
      else this.readers.delete(handle.namespace, handle.name);
    }
    this.groups.revealed(handle);
    if (retentionDue(handle, this.context.clock.nowMs(), false)) {
      void this.applyRetention(handle, false);
    }
  }

  private async applyRetention(handle: StreamHandle, exact: boolean): Promise<void> {
    if (handle.failure !== null || handle.closed) return;
    const nowMs = this.context.clock.nowMs();
    if (!retentionDue(handle, nowMs, exact)) return;
    const { maxRecords, maxAgeMs, maxBytes } = handle.settings.retention;
    await trimStream(handle, {
      maxRecords: maxRecords > 0 ? maxRecords : undefined,
      maxAgeMs: maxAgeMs > 0 ? maxAgeMs : undefined,
      maxBytes: maxBytes > 0 ? maxBytes : undefined,
    }, nowMs, false).catch((error: unknown) => handle.fail(error));
  }

  // Retention also runs at least once a minute, for streams that get no appends.
  private scheduleSweep(): void {
    this.sweepTimer = this.context.clock.setTimer(streamRetentionSweepMs, () => {
      if (this.closed) return;
      for (const handle of this.handles.values()) void this.applyRetention(handle, true);
      this.scheduleSweep();
    }, { background: true });
  }

  private checkOpen(): void {
    if (this.closed) throw new ClosedError('the stream store is closed');
  }
}
