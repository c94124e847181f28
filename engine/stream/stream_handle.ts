// One open stream: its partitions (one SegmentedLog each), its journal (reservations, trims,
// consumer groups) and the append path. Appends are applied at submit: the sequence,
// timestamp and partition are chosen and the batch queued on the partition's log at once.
// A batch is revealed — readable, counted, resolved to its caller — once its partition log
// made it durable, every lower sequence is revealed too (partitions sync independently; a
// reader must never see sequence 6 and later miss 5), and its sequences are covered by a
// durable reservation (numbers are never reused after a crash, docs/design/streams.md).
// The store (stream_store.ts) validates arguments and owns waiters and timers.

import { assert, invariantsEnabled } from '../assert.ts';
import { ClosedError } from '../errors.ts';
import type { CatalogEntry } from '../catalog/catalog.ts';
import type { Clock } from '../io/clock.ts';
import type { FileSystem } from '../io/file_system.ts';
import { joinPath } from '../io/file_system.ts';
import { SegmentedLog, type Durability } from '../log/segmented_log.ts';
import { streamSequenceBlock } from '../limits.ts';
import { Partition } from './partition.ts';
import { RECORD_KEY_BYTES, recordSizeBytes, writeRecordKey } from './record_key.ts';
import { EventKind } from './stream_events.ts';
import { StreamJournal } from './stream_journal.ts';
import type { AppendOptions, AppendResult, StreamRecordInput } from './stream_types.ts';

/** A stream's settings, kept in its catalog META. */
export interface StreamSettings {
  partitionCount: number;
  /** 0 = unlimited. */
  retention: { maxRecords: number; maxAgeMs: number; maxBytes: number };
}

/** What every stream of a store shares. */
export interface StreamContext {
  fs: FileSystem;
  clock: Clock;
  durability: Durability;
  syncIntervalMs: number | undefined;
  segmentBytes: number | undefined;
  indexIntervalBytes: number | undefined;
  checkpointBytes: number | undefined;
  compression: 'none' | 'lz4' | undefined;
  /** Called after records were revealed (wake readers, apply retention). */
  revealed(handle: StreamHandle): void;
  /** Called once when the stream fails (I/O error). */
  failed(handle: StreamHandle, error: Error): void;
}

interface Flight {
  partition: Partition;
  lastSequence: number;
  endOffset: number;
  endBytes: number;
  timestampMs: number;
  logDone: boolean;
  result: AppendResult;
  promise: Promise<AppendResult>;
  resolve: (result: AppendResult) => void;
  reject: (error: Error) => void;
}

export function partitionDirName(index: number): string {
  return `partition-${String(index).padStart(4, '0')}`;
}

export class StreamHandle {
  readonly entry: CatalogEntry<StreamSettings>;
  readonly journal: StreamJournal;
  readonly partitions: Partition[];
  /** Sequence the next appended record gets. */
  nextSequence = 1;
  /** Timestamp of the newest appended record (0 when none). */
  lastTimestampMs = 0;
  /** Every sequence at or below this is revealed (or never will exist). */
  revealedSequence = 0;
  failure: Error | null = null;
  closed = false;
  private readonly context: StreamContext;
  private roundRobin = 0;
  private flights: Flight[] = [];
  private flightHead = 0;
  private requestedReserve = 0;
  private durableReserve = 0;

  private constructor(
    context: StreamContext,
    entry: CatalogEntry<StreamSettings>,
    journal: StreamJournal,
    partitions: Partition[],
  ) {
    this.context = context;
    this.entry = entry;
    this.journal = journal;
    this.partitions = partitions;
    journal.onFailure = (error) => this.fail(error);
  }

  /** Opens (recovering) the stream in `entry.dir`. */
  static async open(
    context: StreamContext,
    entry: CatalogEntry<StreamSettings>,
  ): Promise<StreamHandle> {
    const journal = await StreamJournal.open({
      fs: context.fs, clock: context.clock, dir: joinPath(entry.dir, 'journal'),
      durability: context.durability, syncIntervalMs: context.syncIntervalMs,
      checkpointBytes: context.checkpointBytes,
    });
    const partitions: Partition[] = [];
    try {
      for (let index = 0; index < entry.settings.partitionCount; index++) {
        partitions.push(await openPartition(context, entry.dir, index));
      }
    } catch (error) {
      await Promise.all(partitions.map((partition) => partition.log.close()));
      await journal.close();
      throw error;
    }
    const handle = new StreamHandle(context, entry, journal, partitions);
    handle.recover();
    return handle;
  }

  get namespace(): string {
    return this.entry.namespace;
  }

  get name(): string {
    return this.entry.name;
  }

  get settings(): StreamSettings {
    return this.entry.settings;
  }

  /** Revealed records not trimmed. */
  get recordCount(): number {
    return this.partitions.reduce((total, partition) => total + partition.recordCount, 0);
  }

  get sizeBytes(): number {
    return this.partitions.reduce((total, partition) => total + partition.sizeBytes, 0);
  }

  /** True while appends wait to be revealed. */
  get appending(): boolean {
    return this.flightHead < this.flights.length;
  }

  private recover(): void {
    const trimSequence = this.journal.trimSequence;
    let lastSequence = Math.max(this.journal.reservedSequence, trimSequence - 1);
    let lastTimestampMs = this.journal.reservedTimestampMs;
    for (const partition of this.partitions) {
      partition.recover(trimSequence);
      lastSequence = Math.max(lastSequence, partition.lastSequence);
      lastTimestampMs = Math.max(lastTimestampMs, partition.log.lastTimestamp);
    }
    this.nextSequence = lastSequence + 1;
    this.revealedSequence = lastSequence;
    this.lastTimestampMs = lastTimestampMs;
    this.durableReserve = this.context.durability === 'memory'
      ? Number.MAX_SAFE_INTEGER
      : this.journal.reservedSequence;
    this.requestedReserve = this.durableReserve;
  }

  /**
   * Appends `records` as one batch to one partition. Applied now (sequences, timestamp and
   * partition are fixed when this returns); the promise resolves once the batch is revealed.
   * REQUIRES: arguments checked by the store.
   */
  append(records: readonly StreamRecordInput[], options: AppendOptions): Promise<AppendResult> {
    this.checkUsable();
    const partition = this.partitions[this.route(options)]!;
    const requestedMs = options.timestampMs !== undefined && options.timestampMs > 0
      ? options.timestampMs
      : this.context.clock.nowMs();
    const timestampMs = Math.max(this.lastTimestampMs, requestedMs);
    const firstSequence = this.nextSequence;
    const keys = new Uint8Array(RECORD_KEY_BYTES * records.length);
    let bytes = partition.assignedBytes;
    const logRecords = records.map((record, index) => {
      const key = keys.subarray(index * RECORD_KEY_BYTES, (index + 1) * RECORD_KEY_BYTES);
      writeRecordKey(key, 0, firstSequence + index, bytes, index);
      const headers = record.headers ?? [];
      bytes += recordSizeBytes(record.payload, headers);
      return { key, value: record.payload, headers };
    });
    const appended = partition.log.appendNow(logRecords, { timestampMs });
    assert(appended.timestampMs === timestampMs, 'the stream timestamp is the batch timestamp');
    partition.assignedBytes = bytes;
    this.nextSequence = firstSequence + records.length;
    this.lastTimestampMs = timestampMs;
    const result: AppendResult = {
      sequence: firstSequence, timestampMs, partition: partition.index, count: records.length,
    };
    const flight = this.track(partition, result, appended.baseOffset + records.length, bytes);
    appended.durable.then(() => {
      flight.logDone = true;
      this.advance();
    }, (error: unknown) => this.fail(error));
    this.reserveAhead();
    return flight.promise;
  }

  /** Resolves once every append submitted so far is revealed. */
  settled(): Promise<unknown> {
    const last = this.flights.at(-1);
    return this.flightHead < this.flights.length && last !== undefined
      ? last.promise
      : Promise.resolve();
  }

  /** Makes every append and event so far durable (also in async mode). */
  async sync(): Promise<void> {
    await this.settled();
    this.checkUsable();
    await Promise.all(this.partitions.map((partition) => partition.log.sync()));
    await this.journal.sync();
  }

  /** Adds partitions up to `count` (REQUIRES: count > the current count; META updated). */
  async addPartitions(count: number): Promise<void> {
    assert(count > this.partitions.length, 'partitions only grow');
    while (this.partitions.length < count) {
      const partition = await openPartition(this.context, this.entry.dir, this.partitions.length);
      partition.recover(this.journal.trimSequence);
      this.partitions.push(partition);
    }
  }

  /** Checks partitions, the reveal order and every group (tests, INVARIANTS=1). */
  checkInvariants(): void {
    if (!invariantsEnabled) return;
    let revealed = 0;
    for (const partition of this.partitions) {
      assert(partition.startOffset <= partition.revealedEnd, 'start within the revealed part');
      assert(partition.revealedEnd <= partition.log.nextOffset, 'revealed records exist');
      assert(partition.lastSequence <= this.revealedSequence, 'revealed sequences in order');
      revealed += partition.recordCount;
    }
    assert(revealed >= 0 && this.revealedSequence < this.nextSequence, 'sequences ahead');
    for (const group of this.journal.groups.values()) group.checkInvariants();
  }

  /** Marks the stream failed: every pending and later call gets `error`. */
  fail(error: unknown): void {
    if (this.failure !== null) return;
    this.failure = error instanceof Error ? error : new Error(String(error));
    for (let i = this.flightHead; i < this.flights.length; i++) {
      this.flights[i]!.reject(this.failure);
    }
    this.flights = [];
    this.flightHead = 0;
    this.context.failed(this, this.failure);
  }

  checkUsable(): void {
    if (this.failure !== null) throw this.failure;
    if (this.closed) throw new ClosedError(`stream "${this.name}" is closed`);
  }

  /**
   * Closes the stream: waits for appends, releases the unused part of the sequence
   * reservation (so a clean restart continues densely), checkpoints and closes every file.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.settled().catch(() => undefined);
    this.closed = true;
    const closing = this.partitions.map((partition) => partition.log.close());
    await Promise.allSettled(closing);
    if (this.failure === null && this.context.durability !== 'memory') {
      try {
        await this.journal.emit([{ kind: EventKind.reserve, sequence: this.nextSequence - 1,
          timestampMs: this.lastTimestampMs }]);
        await this.journal.checkpoint();
      } catch {
        // The stream failed while closing: that error already reached every caller.
      }
    }
    await this.journal.close();
    for (const flight of this.flights.slice(this.flightHead)) {
      flight.reject(new ClosedError(`stream "${this.name}" is closed`));
    }
    await Promise.all(closing);
  }

  // ---- the append pipeline ----

  private route(options: AppendOptions): number {
    const count = this.partitions.length;
    if (options.partition !== undefined) return options.partition;
    const key = options.partitionKey;
    if (key !== undefined && key.length > 0) return fnv1a32(key) % count;
    const partition = this.roundRobin % count;
    this.roundRobin = (partition + 1) % count;
    return partition;
  }

  private track(
    partition: Partition,
    result: AppendResult,
    endOffset: number,
    endBytes: number,
  ): Flight {
    let resolve!: (result: AppendResult) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<AppendResult>((onResolve, onReject) => {
      resolve = onResolve;
      reject = onReject;
    });
    const flight: Flight = {
      partition, lastSequence: result.sequence + result.count - 1, endOffset, endBytes,
      timestampMs: result.timestampMs, logDone: false, result, promise, resolve, reject,
    };
    this.flights.push(flight);
    return flight;
  }

  // Reveals the longest prefix (in sequence order) of durable, reserved batches.
  private advance(): void {
    let advanced = false;
    while (this.flightHead < this.flights.length) {
      const flight = this.flights[this.flightHead]!;
      if (!flight.logDone || flight.lastSequence > this.durableReserve) break;
      this.flightHead += 1;
      flight.partition.reveal(flight.endOffset, flight.endBytes, flight.lastSequence,
        flight.timestampMs);
      assert(flight.lastSequence > this.revealedSequence, 'reveals go forward');
      this.revealedSequence = flight.lastSequence;
      flight.resolve(flight.result);
      advanced = true;
    }
    if (this.flightHead === this.flights.length) {
      this.flights = [];
      this.flightHead = 0;
    } else if (this.flightHead > 1024) {
      this.flights = this.flights.slice(this.flightHead);
      this.flightHead = 0;
    }
    if (advanced && this.failure === null) this.context.revealed(this);
  }

  // Keeps a durable reservation ahead of the sequences handed out (spec §9.1): a new block
  // is requested once half of the current one is used, so appends rarely wait for it.
  private reserveAhead(): void {
    const last = this.nextSequence - 1;
    if (last + streamSequenceBlock / 2 <= this.requestedReserve) return;
    const target = last + streamSequenceBlock;
    this.requestedReserve = target;
    let durable: Promise<void>;
    try {
      durable = this.journal.emit([{ kind: EventKind.reserve, sequence: target,
        timestampMs: this.lastTimestampMs }]);
    } catch (error) {
      this.fail(error); // the journal failed or closed: nothing past the reservation shows
      return;
    }
    const synced = this.context.durability === 'async'
      ? durable.then(() => this.journal.sync())
      : durable;
    synced.then(() => {
      this.durableReserve = Math.max(this.durableReserve, target);
      this.advance();
    }, (error: unknown) => this.fail(error));
  }
}

async function openPartition(
  context: StreamContext,
  dir: string,
  index: number,
): Promise<Partition> {
  const log = await SegmentedLog.open({
    fs: context.fs, clock: context.clock, dir: joinPath(dir, partitionDirName(index)),
    durability: context.durability, syncIntervalMs: context.syncIntervalMs,
    segmentBytes: context.segmentBytes, indexIntervalBytes: context.indexIntervalBytes,
    compression: context.compression,
  });
  return new Partition(index, log);
}

/** 32-bit FNV-1a (offset basis 0x811C9DC5, prime 0x01000193): the wire's partition hash. */
export function fnv1a32(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    hash ^= bytes[i]!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}
