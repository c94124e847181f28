// A stream's journal: the durable history of its mutable state (sequence reservations, trims,
// consumer groups), on the engine's Journal (a segmented log of events plus checkpoints).
// emit() applies events to the in-memory state at once and appends them as one batch; its
// promise resolves when they are durable (apply at submit, reveal at durable). Replay at open
// runs the same apply(), so recovered state equals what the events produced. A checkpoint is
// taken once the events since the last one outweigh max(4 MiB, 2 x the last snapshot), which
// bounds recovery's replay by the state's size rather than by the history's.

import { assert } from '../assert.ts';
import { CorruptionError } from '../errors.ts';
import type { Clock } from '../io/clock.ts';
import type { FileSystem } from '../io/file_system.ts';
import { Journal } from '../log/journal.ts';
import type { LogRecord } from '../log/batch.ts';
import type { Durability } from '../log/segmented_log.ts';
import { streamCheckpointBytesMin, streamJournalSegmentBytes } from '../limits.ts';
import { ConsumerGroup } from './consumer_group.ts';
import { decodeEvent, encodeEvent, EventKind, type StreamEvent } from './stream_events.ts';
import { decodeSnapshot, encodeSnapshot, type StreamJournalState } from './stream_snapshot.ts';

export interface StreamJournalOptions {
  fs: FileSystem;
  clock: Clock;
  dir: string;
  durability: Durability;
  syncIntervalMs?: number | undefined;
  /** Event bytes after which a checkpoint is taken (or 2x the last snapshot, if larger). */
  checkpointBytes?: number | undefined;
}

export class StreamJournal implements StreamJournalState {
  reservedSequence = 0;
  reservedTimestampMs = 0;
  trimSequence = 1;
  groups = new Map<string, ConsumerGroup>();
  /** Called when a checkpoint fails (the owner fails the stream). */
  onFailure: (error: Error) => void = () => undefined;
  private journal!: Journal;
  private readonly dir: string;
  private bytesSinceCheckpoint = 0;
  private lastSnapshotBytes = 0;
  private lastDurable: Promise<void> = Promise.resolve();
  private pendingEvents = 0;
  private readonly checkpointBytes: number;

  private constructor(dir: string, checkpointBytes: number) {
    this.dir = dir;
    this.checkpointBytes = checkpointBytes;
  }

  static async open(options: StreamJournalOptions): Promise<StreamJournal> {
    const state = new StreamJournal(options.dir,
      options.checkpointBytes ?? streamCheckpointBytesMin);
    state.journal = await Journal.open({
      fs: options.fs, clock: options.clock, dir: options.dir, durability: options.durability,
      syncIntervalMs: options.syncIntervalMs, segmentBytes: streamJournalSegmentBytes,
    }, {
      restore: (snapshot) => state.restore(snapshot),
      apply: (record) => state.replay(record),
    });
    return state;
  }

  /** Events since the last checkpoint, and where recovery started. */
  get recovery(): Journal['recovery'] {
    return this.journal.recovery;
  }

  /**
   * Applies `events` now and appends them as one batch. Resolves when they are durable.
   * @throws StorageIoError, ClosedError (synchronously) when the journal cannot take them
   */
  emit(events: readonly StreamEvent[]): Promise<void> {
    assert(events.length > 0, 'emit at least one event');
    const records = events.map((event) => ({ value: encodeEvent(event) }));
    const appended = this.journal.log.appendNow(records);
    for (const event of events) this.apply(event);
    for (const record of records) this.bytesSinceCheckpoint += record.value.length;
    this.pendingEvents += 1;
    const durable = appended.durable.then(() => {
      this.pendingEvents -= 1;
    });
    this.lastDurable = durable;
    this.maybeCheckpoint();
    return durable;
  }

  /** Resolves when every event emitted so far is durable (for reads of group state). */
  settled(): Promise<void> {
    return this.pendingEvents === 0 ? Promise.resolve() : this.lastDurable;
  }

  /** Makes every event durable, also in async mode (reservations need it). */
  sync(): Promise<void> {
    return this.journal.log.sync();
  }

  group(name: string): ConsumerGroup | undefined {
    return this.groups.get(name);
  }

  async close(): Promise<void> {
    await this.journal.close();
  }

  /** Applies one event to the state (see applyStreamEvent). */
  apply(event: StreamEvent): void {
    applyStreamEvent(this, event);
  }

  private replay(record: LogRecord): void {
    let event: StreamEvent;
    try {
      event = decodeEvent(record.value);
    } catch (error) {
      throw new CorruptionError(this.dir, record.offset,
        `Cannot replay stream event: ${(error as Error).message}`);
    }
    const problem = replayProblem(this, event);
    if (problem !== null) {
      throw new CorruptionError(this.dir, record.offset, `Cannot replay stream event: ${problem}`);
    }
    this.apply(event);
  }

  private restore(snapshot: Uint8Array): void {
    let state: StreamJournalState;
    try {
      state = decodeSnapshot(snapshot);
    } catch (error) {
      throw new CorruptionError(this.dir, 0,
        `Cannot restore stream snapshot: ${(error as Error).message}`);
    }
    this.reservedSequence = state.reservedSequence;
    this.reservedTimestampMs = state.reservedTimestampMs;
    this.trimSequence = state.trimSequence;
    this.groups = state.groups;
  }

  private maybeCheckpoint(): void {
    const threshold = Math.max(this.checkpointBytes, 2 * this.lastSnapshotBytes);
    if (this.bytesSinceCheckpoint < threshold || this.journal.checkpointInProgress) return;
    const snapshot = encodeSnapshot(this);
    this.lastSnapshotBytes = snapshot.length;
    this.bytesSinceCheckpoint = 0;
    this.journal.checkpoint(snapshot, this.journal.log.nextOffset).catch((error: unknown) => {
      this.onFailure(error instanceof Error ? error : new Error(String(error)));
    });
  }

  /** Writes a checkpoint now (tests, and close so reopening replays nothing). */
  async checkpoint(): Promise<void> {
    const snapshot = encodeSnapshot(this);
    this.lastSnapshotBytes = snapshot.length;
    this.bytesSinceCheckpoint = 0;
    await this.journal.checkpoint(snapshot, this.journal.log.nextOffset);
  }
}

/** Why `event` cannot follow `state` (a damaged history), or null. */
export function replayProblem(state: StreamJournalState, event: StreamEvent): string | null {
  if (event.kind === EventKind.reserve || event.kind === EventKind.trim) return null;
  const exists = state.groups.has(event.group);
  if (event.kind === EventKind.groupCreate) {
    return exists ? `group "${event.group}" is created twice` : null;
  }
  if (!exists) return `group "${event.group}" is missing`;
  if (event.kind === EventKind.deliver) {
    const group = state.groups.get(event.group)!;
    if (event.redelivered.some((sequence) => group.pel.get(sequence) === undefined)) {
      return 'a redelivered entry is not pending';
    }
    if ((event.fresh[0]?.sequence ?? Infinity) <= group.cursorSequence) {
      return 'a new delivery is not past the cursor';
    }
  }
  return null;
}

/**
 * Applies one event to a stream's journal state: the only place events take effect, live,
 * at replay, and in the inspector. REQUIRES: group events name an existing group.
 */
export function applyStreamEvent(state: StreamJournalState, event: StreamEvent): void {
  if (event.kind === EventKind.reserve) {
    state.reservedSequence = event.sequence;
    state.reservedTimestampMs = Math.max(state.reservedTimestampMs, event.timestampMs);
    return;
  }
  if (event.kind === EventKind.trim) {
    state.trimSequence = Math.max(state.trimSequence, event.sequence);
    for (const group of state.groups.values()) group.applyTrim(state.trimSequence);
    return;
  }
  if (event.kind === EventKind.groupCreate) {
    assert(!state.groups.has(event.group), `group "${event.group}" is created once`);
    state.groups.set(event.group, new ConsumerGroup(event.group, event.ackTimeoutMs,
      event.maxDeliver, event.cursorSequence, event.cursorTimestampMs));
    return;
  }
  const group = state.groups.get(event.group);
  assert(group !== undefined, `event ${event.kind} for a missing group "${event.group}"`);
  applyGroupEvent(group, event);
  if (event.kind === EventKind.groupDelete) state.groups.delete(event.group);
}

function applyGroupEvent(group: ConsumerGroup, event: StreamEvent): void {
  switch (event.kind) {
    case EventKind.groupConfig:
      return group.applyConfig(event.ackTimeoutMs, event.maxDeliver);
    case EventKind.groupDelete:
      return;
    case EventKind.join:
      return group.applyJoin(event.consumer, event.nowMs);
    case EventKind.leave:
      return group.applyLeave(event.consumer, event.nowMs);
    case EventKind.deliver:
      return group.applyDeliver(event.consumer, event.nowMs, event.noAck, event.redelivered,
        event.fresh);
    case EventKind.ack:
      group.applySeen(event.consumer, event.nowMs);
      group.applyRemove(event.sequences);
      return;
    case EventKind.nack:
      group.applySeen(event.consumer, event.nowMs);
      return group.applyNack(event.sequences, event.nowMs, event.durationMs);
    case EventKind.touch:
      group.applySeen(event.consumer, event.nowMs);
      return group.applyTouch(event.sequences, event.nowMs, event.durationMs);
    case EventKind.deadLetter:
      return group.applyDeadLetter(event.sequences, event.nowMs);
    case EventKind.drop:
      group.applyRemove(event.sequences);
      return;
    case EventKind.deadLetterDelete:
      return group.applyDeadLetterDelete(event.sequences);
    default:
      assert(false, `event kind ${event.kind} is not a group event`);
  }
}
