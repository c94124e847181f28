// Journal: a state machine's durable history — a segmented log of events plus checkpoints
// (ARCHITECTURE: "indexes rebuilt from a checkpoint plus the log tail"). The owner (a queue,
// a stream's consumer groups) keeps its state in memory, appends one event per state change,
// and now and then hands the journal a snapshot of its state; recovery restores the last
// snapshot and replays the events after it, so recovery time is bounded by the checkpoint
// interval, not by the history.
//
//   <dir>/log/…         the events (SegmentedLog; payloads may live here too)
//   <dir>/CHECKPOINT    one CRC frame: magic, version, offset, snapshot
//                       (docs/format/checkpoint.md)
//
// A checkpoint at offset X holds the state after every event below X. It is written only once
// every event below X is durable (else a crash could leave a checkpoint ahead of its log), and
// atomically (temp file, fsync, rename, fsync dir). Segments wholly below min(X, keepFrom) are
// then dropped; the owner passes keepFrom to keep older records it still needs (live payloads).

import { assert } from '../assert.ts';
import { CorruptionError } from '../errors.ts';
import type { FileSystem } from '../io/file_system.ts';
import { joinPath, writeFileAtomic } from '../io/file_system.ts';
import { readU32, readU64, writeU32, writeU64 } from '../codec/bytes.ts';
import { encodeFrame, scanFrames } from '../codec/record_frame.ts';
import type { LogRecord } from './batch.ts';
import type { StorageOptions } from './log_options.ts';
import { SegmentedLog, type LogOptions } from './segmented_log.ts';

// Part of the on-disk format; do not change.
export const CHECKPOINT_MAGIC = 0x4b43_4c46; // "FLCK" read as u32 LE
export const CHECKPOINT_VERSION = 1;
const CHECKPOINT_HEADER_BYTES = 16; // magic:u32 | version:u8 | reserved:3 | offset:u64
const CHECKPOINT_BYTES_MAX = 2 ** 32 - 1;

export interface JournalOptions extends StorageOptions {
  segmentBytes?: number;
  compression?: 'none' | 'lz4';
  repair?: boolean;
}

/** How the owner rebuilds its state at open. */
export interface JournalReplay {
  /** Restores a snapshot (called at most once, before any event). */
  restore(snapshot: Uint8Array): void;
  /** Applies one event, in offset order. */
  apply(record: LogRecord): void;
}

/** What recovery did, for the owner's report. */
export interface JournalRecovery {
  checkpointOffset: number;
  replayedEvents: number;
  log: SegmentedLog['recovery'];
}

export class Journal {
  readonly log: SegmentedLog;
  readonly recovery: JournalRecovery;
  private readonly fs: FileSystem;
  private readonly checkpointPath: string;
  private checkpointOffsetValue: number;
  private checkpointing: Promise<void> | null = null;

  private constructor(
    fs: FileSystem,
    dir: string,
    log: SegmentedLog,
    recovery: JournalRecovery,
  ) {
    this.fs = fs;
    this.checkpointPath = joinPath(dir, 'CHECKPOINT');
    this.log = log;
    this.recovery = recovery;
    this.checkpointOffsetValue = recovery.checkpointOffset;
  }

  /**
   * Opens the journal in `options.dir`: restores the checkpoint (if any), then replays every
   * event after it through `replay`.
   * @throws CorruptionError when the checkpoint is damaged or the log lacks events after it
   */
  static async open(options: JournalOptions, replay: JournalReplay): Promise<Journal> {
    const { fs, dir } = options;
    fs.mkdirp(dir);
    const checkpointPath = joinPath(dir, 'CHECKPOINT');
    // A temporary file is what a crash in the middle of writeFileAtomic leaves: never used.
    if (fs.stat(`${checkpointPath}.tmp`) !== null) fs.remove(`${checkpointPath}.tmp`);
    const checkpoint = readCheckpoint(fs, checkpointPath);
    const logOptions: LogOptions = {
      fs, clock: options.clock, dir: joinPath(dir, 'log'), durability: options.durability,
      syncIntervalMs: options.syncIntervalMs, segmentBytes: options.segmentBytes,
      compression: options.compression, repair: options.repair,
      startOffset: checkpoint?.offset ?? 0,
    };
    const log = await SegmentedLog.open(logOptions);
    const from = checkpoint?.offset ?? log.firstOffset;
    if (log.firstOffset > from || log.nextOffset < from) {
      await log.close();
      throw new CorruptionError(checkpointPath, 0, `checkpoint at offset ${from} does not ` +
        `fit the log [${log.firstOffset}, ${log.nextOffset})`);
    }
    if (checkpoint !== null) replay.restore(checkpoint.snapshot);
    let replayed = 0;
    for (let offset = from; offset < log.nextOffset;) {
      const records = log.readAvailable(offset, { maxRecords: 10_000, maxBytes: 1 << 24 });
      assert(records.length > 0, 'recovered records are readable');
      for (const record of records) replay.apply(record);
      replayed += records.length;
      offset = records.at(-1)!.offset + 1;
    }
    return new Journal(fs, dir, log, {
      checkpointOffset: from, replayedEvents: replayed, log: log.recovery,
    });
  }

  /** Offset of the last durable checkpoint (0 when none). */
  get checkpointOffset(): number {
    return this.checkpointOffsetValue;
  }

  /** Events appended since the last checkpoint (how far recovery would replay). */
  get eventsSinceCheckpoint(): number {
    return this.log.nextOffset - this.checkpointOffsetValue;
  }

  /** True while a checkpoint is being written. */
  get checkpointInProgress(): boolean {
    return this.checkpointing !== null;
  }

  /**
   * Records `snapshot` as the state after every event below `offset` (normally the log's
   * nextOffset when the snapshot was taken, synchronously), then drops log segments wholly
   * below min(offset, keepFrom). One checkpoint at a time: a call while one is running
   * waits for it first.
   */
  async checkpoint(snapshot: Uint8Array, offset: number, keepFrom = offset): Promise<void> {
    assert(offset <= this.log.nextOffset, 'a checkpoint cannot be ahead of the log');
    assert(offset >= this.checkpointOffsetValue, 'checkpoints move forward');
    while (this.checkpointing !== null) await this.checkpointing;
    const work = this.writeCheckpoint(snapshot, offset, Math.min(offset, keepFrom));
    this.checkpointing = work;
    try {
      await work;
    } finally {
      this.checkpointing = null;
    }
  }

  private async writeCheckpoint(snapshot: Uint8Array, offset: number, dropBelow: number) {
    // Every event the snapshot reflects must be durable before the snapshot is.
    await this.log.sync();
    const payload = new Uint8Array(CHECKPOINT_HEADER_BYTES + snapshot.length);
    writeU32(payload, 0, CHECKPOINT_MAGIC);
    payload[4] = CHECKPOINT_VERSION;
    writeU64(payload, 8, offset);
    payload.set(snapshot, CHECKPOINT_HEADER_BYTES);
    await writeFileAtomic(this.fs, this.checkpointPath, encodeFrame(payload));
    this.checkpointOffsetValue = offset;
    await this.log.dropBefore(dropBelow);
  }

  /** Closes the log (after any checkpoint in progress). */
  async close(): Promise<void> {
    while (this.checkpointing !== null) await this.checkpointing.catch(() => undefined);
    await this.log.close();
  }
}

/**
 * Reads and checks a CHECKPOINT file (null when there is none); read-only, for recovery and
 * the inspectors. @throws CorruptionError
 */
export function readCheckpoint(
  fs: FileSystem,
  path: string,
): { offset: number; snapshot: Uint8Array } | null {
  if (fs.stat(path) === null) return null;
  const data = fs.readFile(path);
  const scan = scanFrames(data, CHECKPOINT_BYTES_MAX);
  const payload = scan.payloads[0];
  if (scan.stop !== 'end' || scan.payloads.length !== 1 || payload === undefined) {
    throw new CorruptionError(path, scan.validBytes, `Cannot open checkpoint: ${scan.stop}`);
  }
  if (payload.length < CHECKPOINT_HEADER_BYTES || readU32(payload, 0) !== CHECKPOINT_MAGIC) {
    throw new CorruptionError(path, 8, 'Cannot open checkpoint: bad magic');
  }
  if (payload[4] !== CHECKPOINT_VERSION) {
    throw new CorruptionError(path, 12, `Cannot open checkpoint: unknown version ${payload[4]}`);
  }
  return { offset: readU64(payload, 8), snapshot: payload.subarray(CHECKPOINT_HEADER_BYTES) };
}
