// Run ids, task ids and the counter behind them. One store-wide sequence numbers runs (their
// creation order: list keys and cursors use it) and tasks (a new number per attempt). Ids
// are never reused, also after a crash in async mode (engine model §2, wire §9.1): the
// counter persists a reservation ahead of use in the LSM (action_keys.ts counter), taken
// half a block early in the turn's batch (async mode also fsyncs it), and an id above the
// last reservation on disk is revealed only once the new one is there. Recovery starts
// above both the reservation and every id found in the scheduling queues.
//
//   runId  := "run-" base36(runSeq)                  e.g. run-2s
//   taskId := "task-" base36(runSeq) "-" base36(taskSeq)
//
// Both are 3-128 characters of [A-Za-z0-9.:_-] starting with a letter (wire §7.6.1).

import { assert } from '../assert.ts';
import { actionIdReserveBlock } from '../limits.ts';
import type { LsmDb } from '../lsm/db.ts';
import type { ActionWriter } from './action_writer.ts';
import { counterKey } from './action_keys.ts';
import { ByteWriter, readVarint } from '../codec/byte_writer.ts';

const RUN_ID = /^run-([0-9a-z]{1,11})$/;
const TASK_ID = /^task-([0-9a-z]{1,11})-([0-9a-z]{1,11})$/;

export function formatRunId(runSeq: number): string {
  assert(Number.isSafeInteger(runSeq) && runSeq > 0, `bad run sequence ${runSeq}`);
  return `run-${runSeq.toString(36)}`;
}

export function formatTaskId(runSeq: number, taskSeq: number): string {
  assert(Number.isSafeInteger(taskSeq) && taskSeq > 0, `bad task sequence ${taskSeq}`);
  return `task-${runSeq.toString(36)}-${taskSeq.toString(36)}`;
}

/** The run sequence of a run id this store made, or null for any other string. */
export function parseRunId(runId: string): number | null {
  const match = RUN_ID.exec(runId);
  return match === null ? null : canonicalSeq(match[1]!);
}

/** The run and task sequences of a task id this store made, or null. */
export function parseTaskId(taskId: string): { runSeq: number; taskSeq: number } | null {
  const match = TASK_ID.exec(taskId);
  if (match === null) return null;
  const runSeq = canonicalSeq(match[1]!);
  const taskSeq = canonicalSeq(match[2]!);
  return runSeq === null || taskSeq === null ? null : { runSeq, taskSeq };
}

// A base-36 number without leading zeros (one spelling per id), safe and positive.
function canonicalSeq(digits: string): number | null {
  const seq = Number.parseInt(digits, 36);
  if (!Number.isSafeInteger(seq) || seq <= 0 || seq.toString(36) !== digits) return null;
  return seq;
}

export function encodeCounter(reservedId: number): Uint8Array {
  return new ByteWriter(10).varint(reservedId).finish();
}

export function decodeCounter(bytes: Uint8Array): number {
  const cursor = { buffer: bytes, position: 0 };
  const reserved = readVarint(cursor);
  if (cursor.position !== bytes.length) throw new RangeError('counter has extra bytes');
  return reserved;
}

/** The id sequence with its durable reservation. */
export class IdCounter {
  private nextId: number;
  private reservedId: number;
  private durableReservedId: number;
  private reservationSync: Promise<void> | null = null;
  private readonly db: LsmDb;
  private readonly writer: ActionWriter;

  /** @param firstId above every id used before (recovery) */
  constructor(db: LsmDb, writer: ActionWriter, firstId: number, reservedId: number) {
    assert(Number.isSafeInteger(firstId) && firstId >= 1, `bad first id ${firstId}`);
    assert(Number.isSafeInteger(reservedId) && reservedId >= 0, `bad reservation ${reservedId}`);
    this.db = db;
    this.writer = writer;
    this.nextId = Math.max(firstId, reservedId + 1);
    this.reservedId = reservedId;
    this.durableReservedId = reservedId;
  }

  /** The next id; reserves a block ahead when the reservation runs low. */
  take(): number {
    const id = this.nextId++;
    if (id > this.reservedId - actionIdReserveBlock / 2) this.reserve(id);
    assert(id <= this.reservedId, 'every id taken is reserved');
    return id;
  }

  /** Resolves when `id` may be revealed (its reservation is on disk); null: at once. */
  whenRevealable(id: number): Promise<void> | null {
    if (id <= this.durableReservedId) return null;
    assert(this.reservationSync !== null, 'a reservation covers every id taken');
    return this.reservationSync;
  }

  /** The reservation a clean close writes: exactly the ids used (nothing skipped). */
  get usedId(): number {
    return this.nextId - 1;
  }

  /** Records the exact counter (clean close: every id handed out is durable by then). */
  async closeExact(): Promise<void> {
    const written = this.writer.put(counterKey(), encodeCounter(this.usedId));
    this.writer.flush();
    await written;
    if (this.db.durability === 'async') await this.db.sync();
  }

  private reserve(id: number): void {
    this.reservedId = Math.max(this.reservedId, id) + actionIdReserveBlock;
    const reservedId = this.reservedId;
    const durable = this.writer.put(counterKey(), encodeCounter(reservedId));
    if (this.db.durability === 'memory') {
      this.durableReservedId = reservedId;
      return;
    }
    // Sync: the reservation rides the turn's fsync; async: it is fsynced on purpose.
    const onDisk = this.db.durability === 'async' ? durable.then(() => this.db.sync()) : durable;
    const sync = onDisk.then(() => {
      this.durableReservedId = Math.max(this.durableReservedId, reservedId);
      if (this.reservationSync === sync) this.reservationSync = null;
    });
    sync.catch(() => undefined);
    this.reservationSync = sync;
  }
}
