// SegmentedLog: an append-only log of record batches in a directory of segments (Kafka's
// segments, LevelDB's log discipline). Offsets are dense u64 from the log's start; records
// carry key, value, headers and a timestamp that never goes backwards.
//
// Write path (docs/design/20261123_engine_model.md): appendNow() assigns offsets and
// timestamps, encodes the batch and queues it, synchronously; one pump writes every queued
// batch with a single write, then (sync mode) one fsync covers them all (group commit), then
// publishes: the batches become readable and their `durable` promises resolve. Rolls,
// retention and truncation run inside the pump, so the file is only ever touched by it.
// Reads see only published batches (never a partial or unsynced one in sync mode).
// After a failed write or fsync the log stays failed: every later call gets that error.

import { assert } from '../assert.ts';
import { ClosedError, StorageIoError } from '../errors.ts';
import type { FileSystem } from '../io/file_system.ts';
import type { Clock, Timer } from '../io/clock.ts';
import { LatencyHistogram } from './latency_histogram.ts';
import { failpoint } from '../io/failpoint.ts';
import { checkIntOr } from '../args.ts';
import {
  indexIntervalBytesDefault, segmentBytesDefault, syncIntervalMsDefault, waitMsMax,
  batchRecordsMax,
} from '../limits.ts';
import {
  checkRecordInput, Compression, encodeBatchWithHeader,
  type BatchHeader, type LogRecord, type LogRecordInput,
} from './batch.ts';
import { Segment } from './segment.ts';
import { SparseIndex } from './sparse_index.ts';
import { recoverLog, type RecoveryReport } from './recovery.ts';
import { checkRetentionPolicy, segmentsToDrop, type RetentionPolicy } from './retention.ts';
import {
  checkLogOptions, type AppendOptions, type AppendResult, type Durability, type LogOptions,
  type ReadOptions, type SegmentInfo,
} from './log_options.ts';
import {
  batchPositionOf, findTimestamp, readRecords, segmentIndexFor, type ReadView,
} from './segment_reads.ts';
import { OffsetWaiters } from './offset_waiters.ts';

export type {
  Durability, LogOptions, AppendOptions, AppendResult, ReadOptions, SegmentInfo,
} from './log_options.ts';

// Sync mode keeps up to this many fsyncs running: appends that arrive during an fsync are
// written at once and get their own fsync without waiting for the first to finish, so the
// JavaScript work of one group overlaps the disk work of the next.
const SYNCS_IN_FLIGHT_MAX = 2;

interface PendingBatch {
  bytes: Uint8Array;
  header: BatchHeader;
}

interface Task {
  run: () => Promise<void>;
  reject: (error: Error) => void;
}

export class SegmentedLog {
  /** What open-time recovery found and did. */
  readonly recovery: RecoveryReport;
  readonly dir: string;
  readonly durability: Durability;
  private readonly fs: FileSystem;
  private readonly clock: Clock;
  private readonly segmentBytes: number;
  private readonly segmentMs: number | undefined;
  private readonly intervalBytes: number;
  private readonly compression: Compression;
  private retention: RetentionPolicy;
  private readonly segments: Segment[];
  private pending: PendingBatch[] = [];
  private readonly tasks: Task[] = [];
  private pumping = false;
  private syncWaiters: Array<() => void> = [];
  private failure: Error | null = null;
  private closing = false;
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  /** Next offset to assign. */
  private assignedOffset: number;
  /** Offsets below this are in the file (written). */
  private writtenOffset: number;
  /** Offsets below this are fsynced. */
  private syncedOffset: number;
  /** Sync mode: the end of what the latest started group fsync covers. */
  private syncTarget: number;
  private syncsInFlight = 0;
  private syncDrainWaiters: Array<() => void> = [];
  /** Offsets below this are readable (published). */
  private publishedOffset: number;
  /** Bytes of the active segment that reads may cover. */
  private publishedPosition: number;
  private lastTimestampMs: number;
  private readonly waiters: OffsetWaiters;
  private syncTimer: Timer | null = null;
  private retentionTimer: Timer | null = null;
  /** How long each fsync of a segment's data took (group commits, periodic syncs, rolls). */
  readonly fsyncLatency = new LatencyHistogram();

  private constructor(options: LogOptions, segments: Segment[], recovery: RecoveryReport) {
    this.fs = options.fs;
    this.clock = options.clock;
    this.dir = options.dir;
    this.durability = options.durability ?? 'sync';
    this.segmentBytes = options.segmentBytes ?? segmentBytesDefault;
    this.segmentMs = options.segmentMs;
    this.intervalBytes = options.indexIntervalBytes ?? indexIntervalBytesDefault;
    this.compression = options.compression === 'lz4' ? Compression.lz4 : Compression.none;
    this.retention = options.retention ?? {};
    this.segments = segments;
    this.recovery = recovery;
    const active = segments.at(-1)!;
    this.assignedOffset = active.nextOffset;
    this.writtenOffset = active.nextOffset;
    this.syncedOffset = active.nextOffset;
    this.syncTarget = active.nextOffset;
    this.publishedOffset = active.nextOffset;
    this.publishedPosition = active.sizeBytes;
    this.lastTimestampMs = Math.max(0, ...segments.map((segment) => segment.maxTimestampMs));
    this.waiters = new OffsetWaiters(this.clock, active.nextOffset);
  }

  /**
   * Opens (creating if needed) the log in `options.dir`, recovering it first: a torn tail of
   * the active segment is cut and reported in `recovery`; corruption elsewhere throws
   * CorruptionError unless `repair` is set.
   * @throws CorruptionError, StorageIoError, RangeError (bad options)
   */
  static async open(options: LogOptions): Promise<SegmentedLog> {
    checkLogOptions(options);
    const { segments, report } = await recoverLog(options.fs, options.dir, {
      intervalBytes: options.indexIntervalBytes ?? indexIntervalBytesDefault,
      verify: options.repair ? 'full' : (options.verify ?? 'tail'),
      repair: options.repair ?? false,
      startOffset: options.startOffset ?? 0,
      nowMs: options.clock.nowMs(),
    });
    const log = new SegmentedLog(options, segments, report);
    log.startTimers(options.syncIntervalMs ?? syncIntervalMsDefault);
    return log;
  }

  /** First offset still in the log (older ones were dropped by retention). */
  get firstOffset(): number {
    return this.segments[0]!.baseOffset;
  }

  /** The offset the next appended record will get. */
  get nextOffset(): number {
    return this.assignedOffset;
  }

  /** Records below this offset are readable. */
  get readableOffset(): number {
    return this.publishedOffset;
  }

  /** Bytes of all segments (written batches). */
  get sizeBytes(): number {
    return this.segments.reduce((total, segment) => total + segment.sizeBytes, 0);
  }

  /** Timestamp of the newest record appended (0 for an empty log). */
  get lastTimestamp(): number {
    return this.lastTimestampMs;
  }

  /**
   * Appends `records` as one batch: assigns offsets and timestamps now and returns them with
   * a promise for durability. Throws (synchronously) on bad records, or when the log is
   * closed or failed.
   * @throws TypeError, RangeError, ClosedError, StorageIoError
   */
  appendNow(records: readonly LogRecordInput[], options: AppendOptions = {}): AppendResult {
    this.checkWritable();
    if (!Array.isArray(records) || records.length === 0) {
      throw new RangeError('append needs at least one record');
    }
    if (records.length > batchRecordsMax) {
      throw new RangeError(`batch of ${records.length} records; the limit is ${batchRecordsMax}`);
    }
    records.forEach(checkRecordInput);
    const defaultMs = checkIntOr(options.timestampMs, 'timestampMs', 0,
      Number.MAX_SAFE_INTEGER, this.clock.nowMs());
    const timestampsMs = new Array<number>(records.length);
    let lastMs = this.lastTimestampMs;
    for (let i = 0; i < records.length; i++) {
      lastMs = Math.max(lastMs, records[i]!.timestampMs ?? defaultMs);
      timestampsMs[i] = lastMs;
    }
    const baseOffset = this.assignedOffset;
    const { bytes, header } = encodeBatchWithHeader(records,
      { baseOffset, timestampsMs, compression: this.compression });
    this.lastTimestampMs = lastMs;
    this.assignedOffset = baseOffset + records.length;
    this.pending.push({ bytes, header });
    const durable = this.waiters.whenReached(this.assignedOffset);
    this.schedulePump(options.writeNow === true);
    return { baseOffset, recordCount: records.length, timestampMs: timestampsMs[0]!, durable };
  }

  /** Appends `records` as one batch and resolves with the base offset once durable. */
  async append(records: readonly LogRecordInput[], options?: AppendOptions): Promise<number> {
    const result = this.appendNow(records, options);
    await result.durable;
    return result.baseOffset;
  }

  /**
   * Reads records from `fromOffset` (a dropped offset reads from the first kept one), after
   * waiting until every record appended before the call is readable (read-your-writes).
   * @throws RangeError when `fromOffset` is past the end; CorruptionError on a bad batch
   */
  async read(fromOffset: number, options: ReadOptions = {}): Promise<LogRecord[]> {
    if (this.publishedOffset < this.assignedOffset) {
      await this.waiters.whenReached(this.assignedOffset);
    }
    return this.readAvailable(fromOffset, options);
  }

  /** Like read(), without waiting: returns only what is readable now. */
  readAvailable(fromOffset: number, options: ReadOptions = {}): LogRecord[] {
    this.checkReadOffset(fromOffset);
    const maxRecords = checkIntOr(options.maxRecords, 'maxRecords', 1, batchRecordsMax, 1000);
    const maxBytes = checkIntOr(options.maxBytes, 'maxBytes', 1, Number.MAX_SAFE_INTEGER, 1 << 20);
    const from = Math.max(fromOffset, this.firstOffset);
    if (from >= this.publishedOffset) return [];
    return readRecords(this.readView(), from, maxRecords, maxBytes);
  }

  /**
   * The offset of the first readable record whose timestamp is >= `timestampMs`, or
   * `readableOffset` when there is none. Exact: uses the time index, then scans one stretch.
   */
  offsetForTimestamp(timestampMs: number): number {
    if (!Number.isFinite(timestampMs)) throw new RangeError('timestampMs must be a number');
    return findTimestamp(this.readView(), timestampMs) ?? this.publishedOffset;
  }

  /**
   * Resolves true once a record at or past `offset` is readable, or false after `timeoutMs`,
   * on `signal` abort, or when the log closes. Never polls: appends wake it.
   */
  wait(offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new RangeError(`offset must be a non-negative integer, got ${offset}`);
    }
    const waitMs = checkIntOr(timeoutMs, 'timeoutMs', 0, waitMsMax, 0);
    return this.waiters.waitPast(offset, this.publishedOffset, waitMs, signal);
  }

  /** Makes every record appended so far durable (in every mode but memory). */
  async sync(): Promise<void> {
    this.checkWritable();
    await this.waiters.whenReached(this.assignedOffset);
    // In sync mode a published batch is an fsynced one; memory mode has nothing to sync.
    if (this.durability !== 'async') return;
    await new Promise<void>((resolve) => {
      this.syncWaiters.push(resolve);
      this.schedulePump();
    });
    this.checkWritable();
  }

  /** Replaces the retention policy (applied at the next roll or applyRetention()). */
  setRetention(policy: RetentionPolicy): void {
    checkRetentionPolicy(policy);
    this.retention = { ...policy };
  }

  /** Drops whole old segments per the retention policy; resolves with the records dropped. */
  applyRetention(): Promise<number> {
    return this.runTask(() => this.applyRetentionNow());
  }

  /**
   * Drops every whole segment whose records are all below `offset` (rolling the active one
   * first when it is entirely below). Resolves with the number of records dropped.
   */
  dropBefore(offset: number): Promise<number> {
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new RangeError(`offset must be a non-negative integer, got ${offset}`);
    }
    return this.runTask(async () => {
      const active = this.active();
      if (active.recordCount > 0 && active.nextOffset <= offset && this.pending.length === 0) {
        await this.roll();
      }
      let count = 0;
      while (count < this.segments.length - 1 && this.segments[count]!.nextOffset <= offset) {
        count += 1;
      }
      return this.dropOldest(count);
    });
  }

  /**
   * Removes every record at or past `offset`, which must start a batch. For recovery by the
   * log's owner. REQUIRES: no appends in flight, none during the call.
   * @throws RangeError when `offset` is not a batch boundary inside the log
   */
  async truncate(offset: number): Promise<void> {
    this.checkWritable();
    await this.waitIdle();
    if (offset === this.assignedOffset) return;
    if (offset < this.firstOffset || offset > this.assignedOffset) {
      throw new RangeError(`cannot truncate at ${offset}: the log holds ` +
        `[${this.firstOffset}, ${this.assignedOffset})`);
    }
    const index = segmentIndexFor(this.segments, offset);
    const segment = this.segments[index]!;
    const position = batchPositionOf(segment, offset);
    await this.runTask(async () => {
      await this.truncateAt(index, position, offset);
      return 0;
    });
  }

  /** Per-segment facts, oldest first. */
  segmentInfo(): SegmentInfo[] {
    return this.segments.map((segment) => ({
      file: segment.names.seg, baseOffset: segment.baseOffset, nextOffset: segment.nextOffset,
      sizeBytes: segment.sizeBytes, firstTimestampMs: segment.firstTimestampMs,
      maxTimestampMs: segment.maxTimestampMs, sealed: segment.sealed,
    }));
  }

  /**
   * Writes and (except in memory mode) syncs everything appended, stops the timers, wakes
   * waiters with false, and closes the files. Later calls throw ClosedError.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    if (this.failure === null && this.durability !== 'memory') {
      await this.sync().catch(() => undefined);
    }
    this.closing = true;
    await this.waitIdle();
    this.closed = true;
    this.syncTimer?.cancel();
    this.retentionTimer?.cancel();
    this.waiters.close(new ClosedError(`log "${this.dir}" is closed`));
    for (const segment of this.segments) segment.close();
  }

  // ---- the pump: the only code that writes segment files ----

  private schedulePump(now = false): void {
    if (this.pumping) return;
    this.pumping = true;
    if (now) void this.pump();
    else setImmediate(() => void this.pump());
  }

  private async pump(): Promise<void> {
    try {
      while (this.failure === null) {
        if (this.pending.length > 0) {
          await this.writePending();
        } else if (this.syncWaiters.length > 0) {
          const waiters = this.syncWaiters;
          this.syncWaiters = [];
          await this.syncActive();
          for (const resolve of waiters) resolve();
        } else if (this.tasks.length > 0) {
          await this.tasks.shift()!.run();
        } else {
          break;
        }
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.pumping = false;
      const idle = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of idle) resolve();
    }
  }

  // Writes the queued batches that fit the active segment in one write, rolling first when
  // the segment is full or too old; then syncs (sync mode) and publishes them.
  private async writePending(): Promise<void> {
    let active = this.active();
    const first = this.pending[0]!;
    if (this.needsRoll(active, first.bytes.length)) {
      await this.roll();
      active = this.active();
    }
    let count = 0;
    let size = 0;
    while (count < this.pending.length) {
      const length = this.pending[count]!.bytes.length;
      if (count > 0 && active.sizeBytes + size + length > this.segmentBytes) break;
      size += length;
      count += 1;
    }
    const group = this.pending.splice(0, count);
    const buffer = group.length === 1 ? group[0]!.bytes : concat(group, size);
    const position = active.sizeBytes;
    active.handle().writeAt(buffer, position);
    const nowMs = this.clock.nowMs();
    let at = position;
    for (const batch of group) {
      active.noteBatch(at, batch.header, nowMs);
      at += batch.bytes.length;
    }
    this.writtenOffset = active.nextOffset;
    if (this.durability === 'sync') this.startGroupSync(active);
    else this.publish(this.writtenOffset, active.sizeBytes);
  }

  // Sync mode: starts an fsync covering everything written so far, unless the maximum are
  // already running; each one that finishes starts the next if more was written meanwhile.
  // An fsync covers every write made before it was called, so whichever finishes publishes
  // up to its own target.
  private startGroupSync(active: Segment): void {
    if (this.syncsInFlight >= SYNCS_IN_FLIGHT_MAX || this.writtenOffset <= this.syncTarget) {
      return;
    }
    const target = this.writtenOffset;
    const position = active.sizeBytes;
    this.syncTarget = target;
    this.syncsInFlight += 1;
    this.timedSync(active).then(() => {
      this.syncsInFlight -= 1;
      this.syncedOffset = Math.max(this.syncedOffset, target);
      if (this.failure === null) {
        assert(active === this.active(), 'a roll waits for the fsyncs of its segment');
        if (target > this.publishedOffset) this.publish(target, position);
        this.startGroupSync(active);
      }
      this.notifySyncDrain();
    }, (error: unknown) => {
      this.syncsInFlight -= 1;
      this.fail(error);
      this.notifySyncDrain();
    });
  }

  private notifySyncDrain(): void {
    if (this.syncsInFlight > 0) return;
    const waiters = this.syncDrainWaiters;
    this.syncDrainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private async drainSyncs(): Promise<void> {
    while (this.syncsInFlight > 0) {
      await new Promise<void>((resolve) => this.syncDrainWaiters.push(resolve));
    }
  }

  private needsRoll(active: Segment, nextBytes: number): boolean {
    if (active.recordCount === 0) return false;
    if (active.sizeBytes + nextBytes > this.segmentBytes) return true;
    return this.segmentMs !== undefined &&
      this.clock.nowMs() - active.firstAppendMs >= this.segmentMs;
  }

  private publish(offset: number, position: number): void {
    assert(offset >= this.publishedOffset, 'published offsets only grow');
    assert(offset <= this.writtenOffset, 'only written batches are published');
    this.publishedOffset = offset;
    this.publishedPosition = position;
    this.waiters.reach(offset);
  }

  private async syncActive(): Promise<void> {
    if (this.durability === 'memory') return;
    const target = this.writtenOffset;
    await this.timedSync(this.active());
    this.syncedOffset = Math.max(this.syncedOffset, target);
  }

  // fsyncs a segment's data file, recording how long it took.
  private async timedSync(segment: Segment): Promise<void> {
    const startMs = this.clock.monotonicMs();
    await segment.handle().sync();
    this.fsyncLatency.observe(this.clock.monotonicMs() - startMs);
  }

  // Seals the active segment (data and indexes durable) and starts the next one.
  private async roll(): Promise<void> {
    const old = this.active();
    assert(old.recordCount > 0, 'only a non-empty segment is rolled');
    await this.drainSyncs();
    await this.timedSync(old);
    this.syncedOffset = this.writtenOffset;
    this.syncTarget = this.writtenOffset;
    if (this.writtenOffset > this.publishedOffset) this.publish(this.writtenOffset, old.sizeBytes);
    failpoint('log.seal.before-index-sync');
    await old.writeIndexFiles();
    failpoint('log.roll.before-create');
    const next = new Segment(this.fs, this.dir, old.nextOffset,
      new SparseIndex(old.nextOffset, this.intervalBytes));
    next.handle();
    failpoint('log.roll.after-create');
    await this.fs.syncDir(this.dir);
    old.sealed = true;
    this.segments.push(next);
    this.publishedPosition = 0;
    if (Object.keys(this.retention).length > 0) this.queueRetention();
  }

  private queueRetention(): void {
    this.tasks.push({
      run: async () => void (await this.applyRetentionNow()),
      reject: () => undefined,
    });
    this.schedulePump();
  }

  private async applyRetentionNow(): Promise<number> {
    const facts = this.segments.map((segment) => ({
      sizeBytes: segment.sizeBytes, recordCount: segment.recordCount,
      maxTimestampMs: segment.maxTimestampMs,
    }));
    return this.dropOldest(segmentsToDrop(facts, this.retention, this.clock.nowMs()));
  }

  private async dropOldest(count: number): Promise<number> {
    assert(count < this.segments.length, 'the active segment is never dropped');
    if (count === 0) return 0;
    let records = 0;
    for (const segment of this.segments.splice(0, count)) {
      records += segment.recordCount;
      segment.removeFiles();
    }
    await this.fs.syncDir(this.dir);
    return records;
  }

  private async truncateAt(index: number, position: number, offset: number): Promise<void> {
    for (const segment of this.segments.splice(index + 1)) segment.removeFiles();
    const segment = this.active();
    const file = segment.handle();
    file.truncate(position);
    await file.sync();
    segment.removeIndexFiles();
    await this.fs.syncDir(this.dir);
    segment.sealed = false;
    this.rescan(segment, offset);
  }

  // Rebuilds the in-memory facts of a segment cut at `offset`.
  private rescan(segment: Segment, offset: number): void {
    const stop = segment.rebuild(this.intervalBytes, -Infinity);
    assert(stop === null, 'a truncated segment scans clean');
    assert(segment.nextOffset === offset, 'truncation lands on the requested offset');
    this.assignedOffset = offset;
    this.writtenOffset = offset;
    this.syncedOffset = offset;
    this.syncTarget = offset;
    this.publishedOffset = offset;
    this.publishedPosition = segment.sizeBytes;
    this.waiters.rewind(offset);
    const previous = this.segments.at(-2);
    this.lastTimestampMs = Math.max(0, segment.maxTimestampMs, previous?.maxTimestampMs ?? 0);
  }

  // ---- helpers ----

  private runTask(task: () => Promise<number>): Promise<number> {
    this.checkWritable();
    return new Promise<number>((resolve, reject) => {
      this.tasks.push({
        run: async () => {
          try {
            resolve(await task());
          } catch (error) {
            reject(error);
            throw error;
          }
        },
        reject,
      });
      this.schedulePump();
    });
  }

  private async waitIdle(): Promise<void> {
    for (;;) {
      if (this.pumping || this.pending.length > 0 || this.tasks.length > 0) {
        await new Promise<void>((resolve) => {
          this.idleWaiters.push(resolve);
          this.schedulePump();
        });
      } else if (this.syncsInFlight > 0) {
        await this.drainSyncs();
      } else {
        return;
      }
    }
  }

  private fail(error: unknown): void {
    const failure = error instanceof Error ? error : new StorageIoError(String(error));
    if (this.failure !== null) return;
    this.failure = failure;
    this.pending = [];
    this.waiters.fail(failure);
    for (const task of this.tasks.splice(0)) task.reject(failure);
    for (const resolve of this.syncWaiters.splice(0)) resolve();
  }

  private checkWritable(): void {
    if (this.failure !== null) throw this.failure;
    if (this.closing) throw new ClosedError(`log "${this.dir}" is closed`);
  }

  private checkReadOffset(offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new RangeError(`offset must be a non-negative integer, got ${offset}`);
    }
    if (offset > this.assignedOffset) {
      throw new RangeError(`offset ${offset} is past the end of the log (${this.assignedOffset})`);
    }
  }

  private active(): Segment {
    return this.segments.at(-1)!;
  }

  private readLimit(segment: Segment): number {
    return segment === this.active() ? this.publishedPosition : segment.sizeBytes;
  }

  // What the read functions may see: published batches only.
  private readView(): ReadView {
    return {
      segments: this.segments,
      intervalBytes: this.intervalBytes,
      readLimit: (segment) => this.readLimit(segment),
    };
  }

  private startTimers(syncIntervalMs: number): void {
    if (this.durability === 'async') {
      const tick = (): void => {
        if (this.closed || this.failure !== null) return;
        if (this.writtenOffset > this.syncedOffset) {
          this.syncWaiters.push(() => undefined);
          this.schedulePump();
        }
        this.syncTimer = this.clock.setTimer(syncIntervalMs, tick, { background: true });
      };
      this.syncTimer = this.clock.setTimer(syncIntervalMs, tick, { background: true });
    }
    const maxAgeMs = this.retention.maxAgeMs;
    if (maxAgeMs !== undefined) {
      const periodMs = Math.min(60_000, Math.max(1_000, Math.floor(maxAgeMs / 2)));
      const tick = (): void => {
        if (this.closed || this.failure !== null) return;
        this.queueRetention();
        this.retentionTimer = this.clock.setTimer(periodMs, tick, { background: true });
      };
      this.retentionTimer = this.clock.setTimer(periodMs, tick, { background: true });
    }
  }
}

function concat(group: readonly PendingBatch[], size: number): Uint8Array {
  const buffer = new Uint8Array(size);
  let at = 0;
  for (const batch of group) {
    buffer.set(batch.bytes, at);
    at += batch.bytes.length;
  }
  return buffer;
}
