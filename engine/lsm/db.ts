// LsmDb: the LSM database. Writes are batches of puts and deletes under byte keys, applied
// to the active memtable at once (apply at submit; docs/design/20261123_engine_model.md):
// reads see them immediately, and the caller reveals one only after its `durable` resolves
// (waitDurable). Batches written together form a WAL group: one WAL record, one log batch
// (engine/log, durable per the mode) and one durable promise for all of them. A microtask
// queued by the group's first write hands it to the log, so it holds every batch written
// before the microtasks run (a server's data chunk, a wave of resumed writers); a freeze,
// sync() and close hand it over earlier.
// A full memtable becomes immutable and is flushed to an L0 table in the background;
// compactions (compaction_picker.ts) merge tables down; the manifest records every change.
// Reads are synchronous: memtables, then tables level by level (get), or a merging
// iterator over all of them at a snapshot (iterator).
//
// Background work runs on the same thread in slices (compaction.ts yields), so it competes
// for CPU but never blocks a write for long; when it falls behind, writes are refused with
// OverloadedError (memtables waiting for flush, or too many L0 tables) instead of memory
// growing without bound; whenWritable() waits for room. After a failed write, fsync or
// background job the DB is failed: every later write and wait gets that error.

import type { LatencySnapshot } from '../log/latency_histogram.ts';
import { assert } from '../assert.ts';
import { durableWait, type DurableWait } from '../log/durable_wait.ts';
import { ClosedError, OverloadedError } from '../errors.ts';
import { joinPath } from '../io/file_system.ts';
import { failpoint } from '../io/failpoint.ts';
import type { AppendResult, SegmentedLog } from '../log/segmented_log.ts';
import { BlockCache, type BlockCacheStats } from './block_cache.ts';
import { bloomHash } from './bloom.ts';
import { CompactionAborted } from './compaction.ts';
import type { CompactionFilter } from './compaction_filter.ts';
import { pickCompaction, spanOf, type CompactionPick } from './compaction_picker.ts';
import { LEVEL_SIZE_RATIO, resolveLsmOptions, type LsmOptions, type ResolvedLsmOptions }
  from './db_options.ts';
import { DbIterator, type DbIteratorOptions } from './db_iterator.ts';
import { recoverDb, stateEdit, type DbRecoveryReport } from './db_recovery.ts';
import { compareRange, SEQ_MAX, type Entry } from './internal_key.ts';
import { ManifestWriter } from './manifest.ts';
import { Memtable } from './memtable.ts';
import { TableSet } from './table_set.ts';
import type { VersionEdit } from './version_edit.ts';
import { Version } from './version.ts';
import { WAL_RECORD_HEADER_BYTES, WriteBatch } from './write_batch.ts';
import { decodeWalRecord, type WalEntryVisitor } from './write_batch.ts';
import { flushMemtable, mergeTables, type JobHost } from './db_jobs.ts';

export interface WriteResult {
  /** The seq of the batch's last entry. */
  seq: number;
  /** Resolves once the batch's WAL record is durable per the mode. */
  durable: Promise<void>;
}

/** A read position that compaction keeps readable until released. */
export interface Snapshot {
  readonly seq: number;
  release(): void;
}

export interface LsmLevelStats {
  level: number;
  tables: number;
  bytes: number;
  entries: number;
}

export interface LsmStats {
  lastSeq: number;
  durableSeq: number;
  memtableBytes: number;
  memtableEntries: number;
  immutableMemtables: number;
  levels: LsmLevelStats[];
  wal: { firstOffset: number; nextOffset: number; bytes: number; replayFrom: number };
  blockCache: BlockCacheStats;
  flushes: number;
  compactions: number;
  trivialMoves: number;
  /** Key and value bytes handed to write(). */
  userBytes: number;
  walBytes: number;
  flushBytes: number;
  compactionBytesRead: number;
  compactionBytesWritten: number;
  /** (WAL + flush + compaction bytes written) / user bytes. */
  writeAmplification: number;
  writeStalls: number;
  /** How long the WAL's fsyncs took (none in memory mode). */
  walFsync: LatencySnapshot;
}

interface DurableWaiter {
  seq: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class LsmDb {
  readonly dir: string;
  readonly recovery: DbRecoveryReport;
  private readonly options: ResolvedLsmOptions;
  private readonly log: SegmentedLog;
  private readonly tables: TableSet;
  private readonly cache: BlockCache;
  private manifest: ManifestWriter;
  private current: Version;
  private mem: Memtable;
  /** Immutable memtables, oldest first. */
  private readonly imm: Memtable[];
  private lastSeqValue: number;
  private durableSeqValue: number;
  private flushedSeq: number;
  private walOffset: number;
  private nextFileNumber: number;
  private memtableSeed: number;
  private readonly snapshots = new Map<number, number>();
  private snapshotIds = 0;
  private readonly filters = new Map<number, CompactionFilter>();
  private durableWaiters: DurableWaiter[] = [];
  private writableWaiters: DurableWaiter[] = [];
  private editChain: Promise<void> = Promise.resolve();
  private flushing: Promise<void> | null = null;
  private compacting: Promise<void> | null = null;
  private readonly pointers: Array<Uint8Array | null>;
  private failure: Error | null = null;
  private closing = false;
  private closed: Promise<void> | null = null;
  private readonly counters = {
    flushes: 0, compactions: 0, trivialMoves: 0, userBytes: 0, walBytes: 0, flushBytes: 0,
    compactionBytesRead: 0, compactionBytesWritten: 0, writeStalls: 0,
  };
  // The previous entry's key while a batch is applied: a batch in key order (KV's putMany
  // sorts) lets each insert start its search where the previous one ended.
  private previousKey: Uint8Array | null = null;
  // The WAL group: the entries of the batches written since the log last took one, with the
  // seq of the first and the promise they share; groupScheduled while a microtask will hand
  // it over.
  private readonly group = new WriteBatch();
  private groupBaseSeq = 0;
  private groupWait: DurableWait | null = null;
  private groupScheduled = false;
  private readonly handOverLater = (): void => {
    this.groupScheduled = false;
    this.handOver();
  };
  // What flushes and compactions (db_jobs.ts) see of the DB.
  private readonly jobHost: JobHost;
  private readonly insertEntry: WalEntryVisitor = (key, seq, kind, value) => {
    const previous = this.previousKey;
    const ascending = previous !== null &&
      compareRange(previous, 0, previous.length, key, 0, key.length) < 0;
    this.mem.insert(key, seq, kind, value, ascending);
    this.previousKey = key;
  };

  private constructor(
    options: ResolvedLsmOptions, tables: TableSet, cache: BlockCache,
    recovered: Awaited<ReturnType<typeof recoverDb>>,
  ) {
    this.options = options;
    this.dir = options.dir;
    this.tables = tables;
    this.cache = cache;
    this.recovery = recovered.report;
    this.log = recovered.log;
    this.manifest = recovered.manifest;
    this.current = recovered.version;
    this.imm = recovered.memtables.slice(0, -1);
    this.mem = recovered.memtables.at(-1)!;
    this.lastSeqValue = recovered.lastSeq;
    this.durableSeqValue = recovered.lastSeq;
    this.flushedSeq = recovered.flushedSeq;
    this.walOffset = recovered.walOffset;
    this.nextFileNumber = recovered.nextFileNumber;
    this.memtableSeed = options.seed + recovered.memtables.length;
    this.pointers = recovered.version.levels.map(() => null);
    this.jobHost = {
      options,
      version: () => this.current,
      memtables: () => ({ active: this.mem, immutable: this.imm }),
      filters: this.filters,
      tables: () => this.tables,
      smallestSnapshot: () => Math.min(this.lastSeqValue, ...this.snapshots.values()),
      allocateFileNumber: () => this.nextFileNumber++,
      closing: () => this.closing,
    };
    assert(this.imm.every((memtable) => memtable.immutable), 'recovered memtables are frozen');
  }

  /**
   * Opens (creating if needed) the DB in `options.dir`: reads the manifest, opens the
   * tables, deletes orphan files and replays the WAL.
   * @throws CorruptionError, StorageIoError, TypeError/RangeError (bad options)
   */
  static async open(options: LsmOptions): Promise<LsmDb> {
    const resolved = resolveLsmOptions(options);
    const cache = new BlockCache(resolved.blockCacheBytes);
    const tables = new TableSet(resolved.fs, resolved.dir, cache);
    const recovered = await recoverDb(resolved, tables);
    const db = new LsmDb(resolved, tables, cache, recovered);
    db.schedule();
    return db;
  }

  /** The seq of the newest applied entry. */
  get lastSeq(): number {
    return this.lastSeqValue;
  }

  /** Entries up to this seq are durable per the mode. */
  get durableSeq(): number {
    return this.durableSeqValue;
  }

  get durability(): ResolvedLsmOptions['durability'] {
    return this.options.durability;
  }

  /**
   * Applies `batch` now and queues its WAL record. Later reads see it at once; reveal it to
   * others only after `durable` resolves.
   * @throws OverloadedError when background work is behind (nothing applied; see
   * whenWritable), ClosedError, StorageIoError (the DB failed), RangeError (batch too large)
   */
  write(batch: WriteBatch): WriteResult {
    this.guardWritable();
    const count = batch.count;
    assert(count > 0, 'write() of an empty batch');
    const baseSeq = this.lastSeqValue + 1;
    const entryBytes = batch.byteLength - WAL_RECORD_HEADER_BYTES;
    if (this.group.byteLength + entryBytes > GROUP_BYTES_MAX) this.handOver();
    const records = batch.seal(baseSeq);
    // A batch larger than a group is appended on its own, so the log's limits throw here,
    // before anything is applied.
    const alone = entryBytes > GROUP_BYTES_MAX ? this.appendRecords(records, false) : null;
    this.previousKey = null;
    for (const record of records) decodeWalRecord(record, this.insertEntry);
    this.previousKey = null;
    const seq = baseSeq + count - 1;
    this.lastSeqValue = seq;
    this.counters.userBytes += batch.payloadBytes;
    let durable: Promise<void>;
    if (alone !== null) {
      durable = alone.durable;
      durable.then(() => this.advanceDurable(seq), (error: unknown) => this.fail(error));
    } else {
      if (this.groupWait === null) {
        this.groupBaseSeq = baseSeq;
        this.groupWait = durableWait();
      }
      this.group.addEntriesOf(batch);
      durable = this.groupWait.durable;
      if (!this.groupScheduled) {
        this.groupScheduled = true;
        queueMicrotask(this.handOverLater);
      }
    }
    if (this.mem.bytesUsed() >= this.options.memtableBytesMax &&
      this.imm.length < this.options.immutableMemtablesMax) {
      this.freeze();
    }
    return { seq, durable };
  }

  /**
   * The newest entry of `key` with seq <= `snapshotSeq`, tombstones included, or undefined.
   * The value is a view into DB memory: copy it to keep it, never modify it.
   */
  get(key: Uint8Array, snapshotSeq: number = SEQ_MAX): Entry | undefined {
    this.checkOpen();
    const keyHash = bloomHash(key);
    const found = this.mem.get(key, snapshotSeq, keyHash);
    if (found !== undefined) return found;
    for (let index = this.imm.length - 1; index >= 0; index--) {
      const entry = this.imm[index]!.get(key, snapshotSeq, keyHash);
      if (entry !== undefined) return entry;
    }
    return this.current.get(key, snapshotSeq, keyHash);
  }

  /**
   * An iterator over the DB as of now (or `snapshotSeq`). Close it when done: it keeps the
   * tables it reads open.
   */
  iterator(options: DbIteratorOptions = {}): DbIterator {
    this.checkOpen();
    const version = this.current;
    version.refs += 1;
    const memtables = [this.mem, ...[...this.imm].reverse()];
    const seq = options.snapshotSeq ?? this.lastSeqValue;
    assert(seq <= this.lastSeqValue, 'snapshot in the future');
    return new DbIterator(memtables, version, seq, options, () => this.releaseVersion(version));
  }

  /** Pins the current seq: compactions keep what a read at it sees until release(). */
  snapshot(): Snapshot {
    this.checkOpen();
    const id = ++this.snapshotIds;
    const seq = this.lastSeqValue;
    this.snapshots.set(id, seq);
    return { seq, release: () => void this.snapshots.delete(id) };
  }

  /** Lets `filter` decide about the entries whose key starts with byte `tag`. */
  registerFilter(tag: number, filter: CompactionFilter): void {
    assert(Number.isInteger(tag) && tag >= 0 && tag <= 255, `bad tag ${tag}`);
    assert(!this.filters.has(tag), `a filter for tag ${tag} is registered`);
    this.filters.set(tag, filter);
  }

  /** Resolves once every entry up to `seq` is durable; rejects when the DB fails. */
  waitDurable(seq: number): Promise<void> {
    if (seq <= this.durableSeqValue) return Promise.resolve();
    if (this.failure !== null) return Promise.reject(this.failure);
    assert(seq <= this.lastSeqValue, `wait for seq ${seq} beyond the last ${this.lastSeqValue}`);
    return new Promise((resolve, reject) => this.durableWaiters.push({ seq, resolve, reject }));
  }

  /** Makes every applied write durable now (an fsync in every mode but memory). */
  async sync(): Promise<void> {
    this.guardWritable(false);
    this.handOver();
    await this.log.sync();
  }

  /**
   * Throws what write() would throw now (OverloadedError, ClosedError, the failure), so a
   * caller can check before taking numbers for a batch.
   */
  checkWritable(): void {
    this.guardWritable();
  }

  /** Why writes are refused now, or null when they are not. */
  writeStall(): string | null {
    const { memtableBytesMax, immutableMemtablesMax, l0StallTables } = this.options;
    if (this.mem.bytesUsed() >= memtableBytesMax && this.imm.length >= immutableMemtablesMax) {
      return `the memtable is full and ${this.imm.length} more wait for their flush`;
    }
    const l0 = this.current.levels[0]!.length;
    if (l0 >= l0StallTables) return `${l0} L0 tables wait for compaction`;
    return null;
  }

  /** Resolves once writes are accepted again (at once when they are). */
  whenWritable(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(this.closedError());
    if (this.writeStall() === null) return Promise.resolve();
    this.schedule(true);
    return new Promise((resolve, reject) => {
      this.writableWaiters.push({ seq: 0, resolve, reject });
    });
  }

  /** Flushes every memtable (the active one included) to tables. */
  async flush(): Promise<void> {
    this.guardWritable(false);
    while (this.imm.length >= this.options.immutableMemtablesMax) await this.startFlushes();
    if (this.mem.count > 0) this.freeze();
    while (this.imm.length > 0) {
      await this.startFlushes();
      this.guardWritable(false);
    }
  }

  /**
   * Flushes (unless `flush` is false), then runs compactions until every level is within
   * its target.
   */
  async compact(options: { flush?: boolean } = {}): Promise<void> {
    if (options.flush ?? true) await this.flush();
    for (;;) {
      await this.startCompactions();
      this.guardWritable(false);
      if (this.pick() === null) return;
    }
  }

  /** Flushes, then merges every table into one sorted run at the bottom. */
  async compactAll(): Promise<void> {
    await this.flush();
    await this.compacting;
    this.guardWritable(false);
    const levels = this.current.levels;
    const inputs = levels.map((tables, level) => ({ level, tables: [...tables] }))
      .filter((input) => input.tables.length > 0);
    if (inputs.length === 0) return;
    const tiered = this.options.compactionStyle === 'tiered';
    const outputLevel = tiered ? 0 : Math.max(1, inputs.at(-1)!.level);
    const pick: CompactionPick = { inputs, outputLevel, trivialMove: false, reason: 'manual' };
    this.compacting = this.compactOnce(pick).finally(() => {
      this.compacting = null;
    });
    await this.compacting;
  }

  stats(): LsmStats {
    const levels = this.current.levels.map((tables, level) => ({
      level, tables: tables.length, bytes: this.current.levelBytes(level),
      entries: tables.reduce((sum, table) => sum + table.meta.entryCount, 0),
    }));
    const c = this.counters;
    const written = c.walBytes + c.flushBytes + c.compactionBytesWritten;
    return {
      lastSeq: this.lastSeqValue, durableSeq: this.durableSeqValue,
      memtableBytes: this.mem.bytesUsed() + this.imm.reduce((s, m) => s + m.bytesUsed(), 0),
      memtableEntries: this.mem.count + this.imm.reduce((s, m) => s + m.count, 0),
      immutableMemtables: this.imm.length, levels,
      wal: { firstOffset: this.log.firstOffset, nextOffset: this.log.nextOffset,
        bytes: this.log.sizeBytes, replayFrom: this.walOffset },
      blockCache: this.cache.stats(), ...c, walFsync: this.log.fsyncLatency.snapshot(),
      writeAmplification: c.userBytes === 0 ? 0 : written / c.userBytes,
    };
  }

  /**
   * Stops background work (an unfinished flush or compaction is abandoned; the WAL still
   * holds its data), makes the WAL durable and closes every file. Iterators still open
   * must not be used afterwards.
   */
  close(): Promise<void> {
    this.closed ??= this.closeNow();
    return this.closed;
  }

  private async closeNow(): Promise<void> {
    this.closing = true;
    this.handOver();
    await Promise.allSettled([this.flushing, this.compacting]);
    await this.editChain;
    await this.log.close();
    this.manifest.close();
    this.tables.closeAll();
    const error = this.failure ?? this.closedError();
    for (const waiter of this.writableWaiters) waiter.reject(error);
    this.writableWaiters = [];
    // Everything the log took is durable after its close, unless the DB had failed.
    if (this.failure === null) this.advanceDurable(this.lastSeqValue);
    for (const waiter of this.durableWaiters) waiter.reject(error);
    this.durableWaiters = [];
  }

  // ---- background work ----

  private freeze(): void {
    assert(this.imm.length < this.options.immutableMemtablesMax, 'no room for a memtable');
    // The frozen memtable's WAL records end at walOffset: its group goes to the log first.
    this.handOver();
    const walOffset = this.log.nextOffset;
    this.mem.freeze(walOffset);
    this.imm.push(this.mem);
    this.mem = new Memtable(walOffset, this.memtableSeed++);
    this.schedule();
  }

  // Starts the flush and compaction loops when there is work and they are not running.
  // Without background work (tests) only explicit calls start them, or a waiting writer.
  private schedule(force = false): void {
    if (this.failure !== null || this.closing) return;
    if (!this.options.background && !force) return;
    if (this.imm.length > 0) void this.startFlushes();
    if (this.compacting === null && this.pick() !== null) void this.startCompactions();
  }

  private startFlushes(): Promise<void> {
    this.flushing ??= this.runFlushes().finally(() => {
      this.flushing = null;
      this.afterJob();
    });
    return this.flushing;
  }

  private startCompactions(): Promise<void> {
    this.compacting ??= this.runCompactions().finally(() => {
      this.compacting = null;
      this.afterJob();
    });
    return this.compacting;
  }

  private async runFlushes(): Promise<void> {
    try {
      while (this.imm.length > 0 && !this.closing && this.failure === null) {
        await this.flushOldest();
      }
    } catch (error) {
      this.jobFailed(error);
    }
  }

  private async runCompactions(): Promise<void> {
    try {
      for (;;) {
        if (this.closing || this.failure !== null) return;
        const pick = this.pick();
        if (pick === null) return;
        await this.compactOnce(pick);
      }
    } catch (error) {
      this.jobFailed(error);
    }
  }

  // After a flush or compaction: a full memtable may freeze now, writers may go on.
  private afterJob(): void {
    if (this.failure !== null || this.closing) return;
    if (this.mem.bytesUsed() >= this.options.memtableBytesMax &&
      this.imm.length < this.options.immutableMemtablesMax) {
      this.freeze();
    }
    const waiting = this.writableWaiters.length > 0;
    if (waiting && this.writeStall() === null) {
      const waiters = this.writableWaiters;
      this.writableWaiters = [];
      for (const waiter of waiters) waiter.resolve();
    }
    this.schedule(waiting);
  }

  private jobFailed(error: unknown): void {
    if (error instanceof CompactionAborted && this.closing) return;
    this.fail(error);
  }

  private pick(): CompactionPick | null {
    const { compactionStyle, l0CompactionTrigger, levelBytesBase } = this.options;
    return pickCompaction(this.current, {
      style: compactionStyle, l0Trigger: l0CompactionTrigger, levelBytesBase,
      levelSizeRatio: LEVEL_SIZE_RATIO,
    }, this.pointers);
  }

  private async flushOldest(): Promise<void> {
    const memtable = this.imm[0]!;
    await this.waitDurable(memtable.largestSeq);
    // The manifest will say these WAL records are in a table; in async mode make sure the
    // WAL holds them durably first, so the WAL can never end below walOffset after a crash.
    if (this.options.durability === 'async') await this.log.sync();
    const outputs = memtable.count === 0 ? [] : await flushMemtable(this.jobHost, memtable);
    failpoint('lsm.flush.before-manifest');
    await this.logAndApply({
      walOffset: memtable.endWalOffset, lastSeq: Math.max(memtable.largestSeq, this.flushedSeq),
      nextFileNumber: this.nextFileNumber,
      added: outputs.map((table) => ({ level: 0, table })), removed: [],
    });
    assert(this.imm[0] === memtable, 'flushes run oldest first');
    this.imm.shift();
    this.flushedSeq = Math.max(this.flushedSeq, memtable.largestSeq);
    this.counters.flushes += 1;
    this.counters.flushBytes += outputs.reduce((sum, table) => sum + table.sizeBytes, 0);
    await this.log.dropBefore(this.walOffset);
  }

  private async compactOnce(pick: CompactionPick): Promise<void> {
    const removed = pick.inputs.flatMap(({ level, tables }) =>
      tables.map((table) => ({ level, fileNumber: table.meta.fileNumber })));
    const inputTables = pick.inputs.flatMap((input) => input.tables);
    if (pick.trivialMove) {
      const table = inputTables[0]!;
      await this.logAndApply({ removed, added: [{ level: pick.outputLevel, table: table.meta }] });
      this.pointers[pick.inputs[0]!.level] = table.meta.largestKey;
      this.counters.trivialMoves += 1;
      return;
    }
    const outputs = await mergeTables(this.jobHost, pick, inputTables);
    failpoint('lsm.compaction.before-manifest');
    await this.logAndApply({
      nextFileNumber: this.nextFileNumber, removed,
      added: outputs.map((table) => ({ level: pick.outputLevel, table })),
    });
    const start = pick.inputs[0]!;
    if (start.level > 0) this.pointers[start.level] = spanOf(start.tables)[1];
    this.counters.compactions += 1;
    this.counters.compactionBytesRead += inputTables.reduce((s, t) => s + t.meta.sizeBytes, 0);
    this.counters.compactionBytesWritten += outputs.reduce((s, t) => s + t.sizeBytes, 0);
  }

  // Appends `edit` to the manifest, then installs the version it makes. Edits are applied
  // one at a time, in order, each to the version current when it is durable.
  private logAndApply(edit: VersionEdit): Promise<void> {
    const step = this.editChain.then(async () => {
      if (this.failure !== null) throw this.failure;
      await this.manifest.append(edit);
      this.install(this.current.apply(edit, (meta) => this.tables.table(meta)));
      if (edit.walOffset !== undefined) this.walOffset = Math.max(this.walOffset, edit.walOffset);
      if (this.manifest.sizeBytes > this.options.manifestBytesMax) await this.rewriteManifest();
    });
    this.editChain = step.catch(() => undefined);
    return step;
  }

  private install(version: Version): void {
    this.tables.adopt(version);
    const previous = this.current;
    this.current = version;
    if (previous.refs === 0) this.tables.drop(previous);
  }

  private releaseVersion(version: Version): void {
    assert(version.refs > 0, 'version released too often');
    version.refs -= 1;
    if (version.refs === 0 && version !== this.current && this.closed === null) {
      this.tables.drop(version);
    }
  }

  private async rewriteManifest(): Promise<void> {
    const number = this.nextFileNumber++;
    const tables = new Map(this.current.toEdit().added.map((added) =>
      [added.table.fileNumber, added]));
    const state = { walOffset: this.walOffset, lastSeq: this.flushedSeq,
      nextFileNumber: this.nextFileNumber, tables };
    const next = await ManifestWriter.create(this.options.fs, this.dir, number, stateEdit(state));
    const previous = this.manifest;
    this.manifest = next;
    previous.close();
    this.options.fs.remove(joinPath(this.dir, previous.name));
  }

  // ---- durability, failure, checks ----

  // Appends WAL records as one log batch (all or nothing after a crash).
  // Counts WAL bytes here: a group is one record header however many batches it holds.
  private appendRecords(records: Uint8Array[], writeNow: boolean): AppendResult {
    const result = this.log.appendNow(records.map((value) => ({ value })), { writeNow });
    for (const record of records) this.counters.walBytes += record.length;
    return result;
  }

  // Appends the WAL group as one record (split when above a record's limit) in one log batch.
  private handOver(): void {
    const wait = this.groupWait;
    if (wait === null) return;
    this.groupWait = null;
    const lastSeq = this.groupBaseSeq + this.group.count - 1;
    let durable: Promise<void>;
    try {
      const records = this.group.seal(this.groupBaseSeq);
      durable = this.appendRecords(records, true).durable;
    } catch (error) {
      this.fail(error);
      wait.reject(this.failure!);
      return;
    } finally {
      this.group.clear();
    }
    durable.then(() => {
      this.advanceDurable(lastSeq);
      wait.resolve();
    }, (error: unknown) => {
      this.fail(error);
      wait.reject(this.failure!);
    });
  }

  private advanceDurable(seq: number): void {
    if (seq <= this.durableSeqValue) return;
    this.durableSeqValue = seq;
    if (this.durableWaiters.length === 0) return;
    const ready = this.durableWaiters.filter((waiter) => waiter.seq <= seq);
    this.durableWaiters = this.durableWaiters.filter((waiter) => waiter.seq > seq);
    for (const waiter of ready) waiter.resolve();
  }

  private fail(error: unknown): void {
    if (this.failure !== null) return;
    this.failure = error instanceof Error ? error : new Error(String(error));
    // The group never reaches the log: its writes are not acknowledged.
    this.groupWait?.reject(this.failure);
    this.groupWait = null;
    this.group.clear();
    for (const waiter of [...this.durableWaiters, ...this.writableWaiters]) {
      waiter.reject(this.failure);
    }
    this.durableWaiters = [];
    this.writableWaiters = [];
  }

  private closedError(): ClosedError {
    return new ClosedError(`LSM "${this.dir}" is closed`);
  }

  private checkOpen(): void {
    if (this.closed !== null) throw this.closedError();
  }

  private guardWritable(stalls = true): void {
    if (this.failure !== null) throw this.failure;
    if (this.closing) throw this.closedError();
    if (!stalls) return;
    const stall = this.writeStall();
    if (stall !== null) {
      this.counters.writeStalls += 1;
      this.schedule(true);
      throw new OverloadedError(`Cannot write to "${this.dir}": ${stall}`);
    }
  }
}

// Above this many bytes of entries a WAL group goes to the log at once; a bigger batch is a
// log batch of its own.
const GROUP_BYTES_MAX = 1 << 20;
