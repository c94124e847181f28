// The encodings of the action store's records: LSM values (action, run, list entry,
// idempotency entry, worker) and the run ticket (the payload of a run's queue message).
// Pure functions, no I/O. Numbers are unsigned LEB128 varints, strings and byte strings a
// varint length and the bytes; decoders check each length against its limit before
// slicing and reject unknown versions, flags and trailing bytes (RangeError; the caller
// names the key). Format: docs/format/action.md. Part of the on-disk format.
//
//   ticket  := 1 flags:u8 runSeq createdAtMs [idem] [callerRun callerWorkflow] input:rest
//   run     := 1 status:u8 flags:u8 priority:u8 completedAtMs createdAtMs startedAtMs
//              attempts taskSeq deadlineMs action labels worker
//              [outcome] [output] [error] [idem] [callerRun callerWorkflow]
//   list    := 1 status:u8 completedAtMs          idem := 1 runSeq createdAtMs completedAtMs
//   action  := 1 type:u8 flags:u8 actionId timeoutMs maxRetries createdAtMs updatedAtMs [desc]
//   worker  := 1 type:u8 flags:u8 maxConcurrency currentLoad lastSeenMs registeredAtMs
//              processCount (name kind:u8)* [metadata] [machineId]

import { assert } from '../assert.ts';
import { ByteWriter, readU8, readVarint } from '../codec/byte_writer.ts';
import { fromUtf8 } from '../codec/bytes.ts';
import type { Cursor } from '../codec/varint.ts';
import {
  actionDescriptionBytesMax, actionErrorBytesMax, actionIdBytesMax,
  actionIdempotencyKeyBytesMax, actionLabelsBytesMax, actionNameBytesMax, actionOutcomeBytesMax,
  actionOutputBytesMax, workerIdBytesMax, workerMetadataBytesMax, workerProcessesMax,
} from '../limits.ts';
import {
  RunStatusCode, type RunCaller, type RunStatus, type WorkerProcess,
} from './action_types.ts';

// Part of the on-disk format; do not change.
export const RECORD_VERSION = 1;
const Flag = {
  idem: 0x01, caller: 0x02, outcome: 0x04, output: 0x08, error: 0x10, description: 0x01,
  metadata: 0x01, machineId: 0x02, draining: 0x04,
} as const;
const TICKET_FLAGS = Flag.idem | Flag.caller;
const RUN_FLAGS = Flag.idem | Flag.caller | Flag.outcome | Flag.output | Flag.error;
const WORKER_FLAGS = Flag.metadata | Flag.machineId | Flag.draining;
const SHORT_TEXT_BYTES = 64;
const statusByCode = Object.keys(RunStatusCode) as RunStatus[];

// Every encoder writes into one scratch buffer (encoding is synchronous and never nests) and
// finish() copies the record out: one exact-size allocation per record, not two.
const scratchWriter = new ByteWriter(4096);
const SCRATCH_KEEP_BYTES = 256 * 1024;

function scratch(): ByteWriter {
  return scratchWriter.reset(SCRATCH_KEEP_BYTES);
}

/** The immutable part of a run, carried by its queue message while the run is active. */
export interface RunTicket {
  runSeq: number;
  createdAtMs: number;
  idempotencyKey: string | null;
  caller: RunCaller | null;
  input: Uint8Array;
}

/** A run as the LSM keeps it: at each assignment (running) and when it finishes. */
export interface RunRecord {
  status: RunStatus;
  priority: number;
  createdAtMs: number;
  /** 0: never assigned. */
  startedAtMs: number;
  /** 0: not finished. */
  completedAtMs: number;
  attempts: number;
  /** The id sequence of the latest task (0: none). */
  taskSeq: number;
  /** The latest lease deadline (0: none). */
  deadlineMs: number;
  action: string;
  /** Canonical labels JSON. */
  labels: string;
  /** The worker of the latest task ('' when none). */
  workerId: string;
  outcome: string | null;
  output: Uint8Array | null;
  error: string | null;
  idempotencyKey: string | null;
  caller: RunCaller | null;
}

/** A finished run in its action's list: enough to filter by status and to expire. */
export interface ListEntry {
  status: RunStatus;
  completedAtMs: number;
}

export interface IdemEntry {
  runSeq: number;
  createdAtMs: number;
  completedAtMs: number;
}

export interface ActionRecord {
  type: number;
  /** Never reused: names the action's internal queues, so a deleted action's leftovers and a
   * re-created action's runs never share a queue. */
  actionId: number;
  timeoutMs: number;
  maxRetries: number;
  createdAtMs: number;
  updatedAtMs: number;
  description: string | null;
}

export interface WorkerRecord {
  type: number;
  maxConcurrency: number;
  currentLoad: number;
  lastSeenMs: number;
  registeredAtMs: number;
  draining: boolean;
  processes: WorkerProcess[];
  /** JSON object text. */
  metadata: string | null;
  machineId: string | null;
}

// ---- ticket ----

export function encodeTicket(ticket: RunTicket): Uint8Array {
  const flags = (ticket.idempotencyKey !== null ? Flag.idem : 0) |
    (ticket.caller !== null ? Flag.caller : 0);
  const out = scratch().u8(RECORD_VERSION).u8(flags)
    .varint(ticket.runSeq).varint(ticket.createdAtMs);
  if (ticket.idempotencyKey !== null) out.text(ticket.idempotencyKey);
  if (ticket.caller !== null) out.text(ticket.caller.runId).text(ticket.caller.workflow);
  return out.bytes(ticket.input).finish();
}

/** Decodes a ticket; `input` is a view of `bytes`. */
export function decodeTicket(bytes: Uint8Array): RunTicket {
  const cursor: Cursor = { buffer: bytes, position: 0 };
  readVersion(cursor, 'ticket');
  const flags = readFlags(cursor, TICKET_FLAGS, 'ticket');
  const runSeq = readVarint(cursor);
  if (runSeq === 0) throw new RangeError('ticket of run 0');
  const createdAtMs = readVarint(cursor);
  const idempotencyKey = (flags & Flag.idem) !== 0
    ? readText(cursor, actionIdempotencyKeyBytesMax, 'idempotency key') : null;
  const caller = (flags & Flag.caller) !== 0 ? readCaller(cursor) : null;
  return { runSeq, createdAtMs, idempotencyKey, caller, input: bytes.subarray(cursor.position) };
}

// ---- run record ----

export function encodeRunRecord(run: RunRecord): Uint8Array {
  assert(run.createdAtMs > 0 && run.attempts >= 0, 'a run record has its times and attempts');
  const flags = (run.outcome !== null ? Flag.outcome : 0) |
    (run.output !== null ? Flag.output : 0) | (run.error !== null ? Flag.error : 0) |
    (run.idempotencyKey !== null ? Flag.idem : 0) |
    (run.caller !== null ? Flag.caller : 0);
  const out = scratch().u8(RECORD_VERSION)
    .u8(RunStatusCode[run.status]).u8(flags).u8(run.priority).varint(run.completedAtMs)
    .varint(run.createdAtMs).varint(run.startedAtMs).varint(run.attempts).varint(run.taskSeq)
    .varint(run.deadlineMs);
  out.text(run.action).text(run.labels).text(run.workerId);
  if (run.outcome !== null) out.text(run.outcome);
  if (run.output !== null) out.varint(run.output.length).bytes(run.output);
  if (run.error !== null) out.text(run.error);
  if (run.idempotencyKey !== null) out.text(run.idempotencyKey);
  if (run.caller !== null) out.text(run.caller.runId).text(run.caller.workflow);
  return out.finish();
}

export function decodeRunRecord(bytes: Uint8Array): RunRecord {
  const cursor: Cursor = { buffer: bytes, position: 0 };
  readVersion(cursor, 'run record');
  const status = readStatus(cursor);
  const flags = readFlags(cursor, RUN_FLAGS, 'run record');
  const priority = readU8(cursor);
  const completedAtMs = readVarint(cursor);
  const createdAtMs = readVarint(cursor);
  const startedAtMs = readVarint(cursor);
  const attempts = readVarint(cursor);
  const taskSeq = readVarint(cursor);
  const deadlineMs = readVarint(cursor);
  const action = readText(cursor, actionNameBytesMax, 'action name');
  const labels = readText(cursor, actionLabelsBytesMax, 'labels');
  const workerId = readText(cursor, workerIdBytesMax, 'worker id');
  const outcome = (flags & Flag.outcome) !== 0
    ? readText(cursor, actionOutcomeBytesMax, 'outcome') : null;
  const output = (flags & Flag.output) !== 0
    ? readBytes(cursor, actionOutputBytesMax, 'output') : null;
  const error = (flags & Flag.error) !== 0
    ? readText(cursor, actionErrorBytesMax, 'error') : null;
  const idempotencyKey = (flags & Flag.idem) !== 0
    ? readText(cursor, actionIdempotencyKeyBytesMax, 'idempotency key') : null;
  const caller = (flags & Flag.caller) !== 0 ? readCaller(cursor) : null;
  end(cursor, 'run record');
  return {
    status, priority, createdAtMs, startedAtMs, completedAtMs, attempts, taskSeq, deadlineMs,
    action, labels, workerId, outcome, output, error, idempotencyKey, caller,
  };
}

/** Status and completion time of a run record, read without decoding the rest. */
export function peekRunRecord(bytes: Uint8Array): ListEntry {
  const cursor: Cursor = { buffer: bytes, position: 0 };
  readVersion(cursor, 'run record');
  const status = readStatus(cursor);
  cursor.position += 2;
  return { status, completedAtMs: readVarint(cursor) };
}

// ---- list and idempotency entries ----

export function encodeListEntry(entry: ListEntry): Uint8Array {
  return scratch().u8(RECORD_VERSION).u8(RunStatusCode[entry.status])
    .varint(entry.completedAtMs).finish();
}

export function decodeListEntry(bytes: Uint8Array): ListEntry {
  const cursor: Cursor = { buffer: bytes, position: 0 };
  readVersion(cursor, 'list entry');
  const entry = { status: readStatus(cursor), completedAtMs: readVarint(cursor) };
  end(cursor, 'list entry');
  return entry;
}

export function encodeIdemEntry(entry: IdemEntry): Uint8Array {
  return scratch().u8(RECORD_VERSION).varint(entry.runSeq).varint(entry.createdAtMs)
    .varint(entry.completedAtMs).finish();
}

export function decodeIdemEntry(bytes: Uint8Array): IdemEntry {
  const cursor: Cursor = { buffer: bytes, position: 0 };
  readVersion(cursor, 'idempotency entry');
  const entry = {
    runSeq: readVarint(cursor), createdAtMs: readVarint(cursor), completedAtMs: readVarint(cursor),
  };
  end(cursor, 'idempotency entry');
  return entry;
}

// ---- action ----

export function encodeActionRecord(action: ActionRecord): Uint8Array {
  const out = scratch().u8(RECORD_VERSION).u8(action.type)
    .u8(action.description !== null ? Flag.description : 0).varint(action.actionId)
    .varint(action.timeoutMs).varint(action.maxRetries).varint(action.createdAtMs)
    .varint(action.updatedAtMs);
  if (action.description !== null) out.text(action.description);
  return out.finish();
}

export function decodeActionRecord(bytes: Uint8Array): ActionRecord {
  const cursor: Cursor = { buffer: bytes, position: 0 };
  readVersion(cursor, 'action record');
  const type = readU8(cursor);
  const flags = readFlags(cursor, Flag.description, 'action');
  const action: ActionRecord = {
    type, actionId: readVarint(cursor), timeoutMs: readVarint(cursor),
    maxRetries: readVarint(cursor), createdAtMs: readVarint(cursor),
    updatedAtMs: readVarint(cursor),
    description: flags !== 0 ? readText(cursor, actionDescriptionBytesMax, 'description') : null,
  };
  end(cursor, 'action record');
  return action;
}

// ---- worker ----

export function encodeWorkerRecord(worker: WorkerRecord): Uint8Array {
  const flags = (worker.metadata !== null ? Flag.metadata : 0) |
    (worker.machineId !== null ? Flag.machineId : 0) | (worker.draining ? Flag.draining : 0);
  const out = scratch().u8(RECORD_VERSION).u8(worker.type).u8(flags)
    .varint(worker.maxConcurrency).varint(worker.currentLoad).varint(worker.lastSeenMs)
    .varint(worker.registeredAtMs).varint(worker.processes.length);
  for (const process of worker.processes) out.text(process.name).u8(process.kind);
  if (worker.metadata !== null) out.text(worker.metadata);
  if (worker.machineId !== null) out.text(worker.machineId);
  return out.finish();
}

export function decodeWorkerRecord(bytes: Uint8Array): WorkerRecord {
  const cursor: Cursor = { buffer: bytes, position: 0 };
  readVersion(cursor, 'worker record');
  const type = readU8(cursor);
  const flags = readFlags(cursor, WORKER_FLAGS, 'worker');
  const maxConcurrency = readVarint(cursor);
  const currentLoad = readVarint(cursor);
  const lastSeenMs = readVarint(cursor);
  const registeredAtMs = readVarint(cursor);
  const count = readVarint(cursor);
  if (count > workerProcessesMax) throw new RangeError(`worker with ${count} processes`);
  const processes: WorkerProcess[] = [];
  for (let i = 0; i < count; i++) {
    processes.push({ name: readText(cursor, actionNameBytesMax, 'process name'),
      kind: readU8(cursor) });
  }
  const metadata = (flags & Flag.metadata) !== 0
    ? readText(cursor, workerMetadataBytesMax, 'metadata') : null;
  const machineId = (flags & Flag.machineId) !== 0
    ? readText(cursor, workerIdBytesMax, 'machine id') : null;
  end(cursor, 'worker record');
  return {
    type, maxConcurrency, currentLoad, lastSeenMs, registeredAtMs,
    draining: (flags & Flag.draining) !== 0, processes, metadata, machineId,
  };
}

// ---- helpers ----

// Reads a value's version byte (only version 1 is known).
function readVersion(cursor: Cursor, what: string): void {
  const version = readU8(cursor);
  if (version !== RECORD_VERSION) throw new RangeError(`${what} of unknown version ${version}`);
}

// Reads a flags byte; a bit outside `known` is an error.
function readFlags(cursor: Cursor, known: number, what: string): number {
  const flags = readU8(cursor);
  if ((flags & ~known) !== 0) throw new RangeError(`unknown ${what} flags ${flags}`);
  return flags;
}

function readStatus(cursor: Cursor): RunStatus {
  const code = readU8(cursor);
  const status = statusByCode[code];
  if (status === undefined) throw new RangeError(`unknown run status ${code}`);
  return status;
}

// A varint length (checked against `max`) and a view of that many bytes.
function readSpan(cursor: Cursor, max: number, what: string): Uint8Array {
  const length = readVarint(cursor);
  if (length > max) throw new RangeError(`${what} of ${length} bytes; the limit is ${max}`);
  const start = cursor.position;
  if (start + length > cursor.buffer.length) throw new RangeError(`truncated ${what}`);
  cursor.position = start + length;
  return cursor.buffer.subarray(start, start + length);
}

function readBytes(cursor: Cursor, max: number, what: string): Uint8Array {
  return readSpan(cursor, max, what).slice();
}

// Decoded from a view (the string is a copy already). Short ASCII strings (names, labels,
// worker ids: several per record read) skip the decoder's per-call cost.
function readText(cursor: Cursor, max: number, what: string): string {
  const span = readSpan(cursor, max, what);
  if (span.length > SHORT_TEXT_BYTES) return fromUtf8(span);
  let ascii = true;
  for (let i = 0; i < span.length && ascii; i++) ascii = span[i]! < 0x80;
  return ascii ? String.fromCharCode.apply(null, span as unknown as number[]) : fromUtf8(span);
}

function readCaller(cursor: Cursor): RunCaller {
  return {
    runId: readText(cursor, actionIdBytesMax, 'caller run id'),
    workflow: readText(cursor, actionNameBytesMax, 'caller workflow'),
  };
}

function end(cursor: Cursor, what: string): void {
  const extra = cursor.buffer.length - cursor.position;
  if (extra !== 0) throw new RangeError(`${what} has ${extra} extra bytes`);
}
