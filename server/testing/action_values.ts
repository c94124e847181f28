// Builders and readers of the action and worker values of flo-wire.md §7.6 and §7.7, written
// from the spec for the conformance tests (server/handlers/action*.test.ts, worker.test.ts):
// they do not share code with the handlers they test, so a layout mistake cannot hide on both
// sides. Also the small request helpers those tests repeat. Only tests import this file.

import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { BodyReader } from '../wire/body_reader.ts';
import { BodyWriter } from '../wire/body_writer.ts';
import { Status } from '../wire/frame.ts';
import { OpCode } from '../wire/opcodes.ts';
import { OptionTag } from '../wire/option_tags.ts';
import { opts, text, type FloPeer } from './flo_peer.ts';
import { bodyText } from './raw_peer.ts';

/** ACTION_REGISTER's value; `trailer` bytes follow (the SDKs append five zeros). */
export function registerValue(settings: { type?: number; timeoutMs?: number;
  maxRetries?: number; description?: string; trailer?: number } = {}): Uint8Array {
  const writer = new BodyWriter().u8(settings.type ?? 0).u32(settings.timeoutMs ?? 0)
    .u32(settings.maxRetries ?? 3);
  if (settings.description === undefined) writer.u8(0);
  else writer.u8(1).utf8U16(settings.description);
  return writer.bytes(new Uint8Array(settings.trailer ?? 0)).toBytes();
}

/** The newest ACTION_INVOKE form: `[has_labels]([len:u16][labels])?[input]`. */
export function newestInvoke(input: string | Uint8Array, labels?: string): Uint8Array {
  const writer = new BodyWriter();
  if (labels === undefined) writer.u8(0);
  else writer.u8(1).utf8U16(labels);
  return writer.bytes(typeof input === 'string' ? Buffer.from(input) : input).toBytes();
}

/** The older ACTION_INVOKE form. */
export function olderInvoke(input: string | Uint8Array, fields: { priority?: number;
  delayMs?: number; idempotencyKey?: string; labels?: string; hasCaller?: number } = {}) {
  const writer = new BodyWriter().u8(fields.priority ?? 10).i64(fields.delayMs ?? 0)
    .u8(fields.hasCaller ?? 0);
  if (fields.idempotencyKey === undefined) writer.u8(0);
  else writer.u8(1).utf8U16(fields.idempotencyKey);
  if (fields.labels === undefined) writer.u8(0);
  else writer.u8(1).utf8U16(fields.labels);
  return writer.bytes(typeof input === 'string' ? Buffer.from(input) : input).toBytes();
}

/** ACTION_AWAIT's `[n:u32]([len:u16][name])*`. */
export function awaitValue(names: readonly string[]): Uint8Array {
  const writer = new BodyWriter().u32(names.length);
  for (const name of names) writer.utf8U16(name);
  return writer.toBytes();
}

/** `[action_len:u16][action][task_id_len:u16][task_id]`, the head of COMPLETE/FAIL/TOUCH. */
export function taskHead(action: string, taskId: string): BodyWriter {
  return new BodyWriter().utf8U16(action).utf8U16(taskId);
}

/** WORKER_REGISTER's value. */
export function workerValue(fields: { type?: number; maxConcurrency?: number;
  processes?: Array<[string, number]>; metadata?: string; machineId?: string } = {}) {
  const processes = fields.processes ?? [];
  const writer = new BodyWriter().u8(fields.type ?? 0).u32(fields.maxConcurrency ?? 0)
    .u16(processes.length);
  for (const [name, kind] of processes) writer.utf8U16(name).u8(kind);
  if (fields.metadata === undefined) writer.u8(0);
  else writer.u8(1).utf8U16(fields.metadata);
  if (fields.machineId === undefined) writer.u8(0);
  else writer.u8(1).utf8U16(fields.machineId);
  return writer.toBytes();
}

export interface WireRunStatus {
  runId: string;
  status: number;
  createdAtMs: number;
  startedAtMs: number | null;
  completedAtMs: number | null;
  output: string | null;
  error: string | null;
  retryCount: number;
}

/** Reads an ACTION_STATUS body; nothing may follow retry_count. */
export function readStatus(reader: BodyReader): WireRunStatus {
  const runId = text(reader.bytesU16());
  const status = reader.u8();
  const createdAtMs = reader.i64();
  const startedAtMs = reader.flag() ? reader.i64() : null;
  const completedAtMs = reader.flag() ? reader.i64() : null;
  const output = reader.flag() ? text(reader.bytesU32()) : null;
  const error = reader.flag() ? text(reader.bytesU32()) : null;
  const retryCount = reader.u32();
  assert.ok(reader.atEnd, 'nothing follows retry_count');
  return { runId, status, createdAtMs, startedAtMs, completedAtMs, output, error, retryCount };
}

export interface WireTask {
  taskId: string;
  action: string;
  createdAtMs: number;
  attempt: number;
  /** null for a version 2 reply (no has_caller byte). */
  hasCaller: number | null;
  payload: Uint8Array;
}

/** Reads a task assignment of §7.6.7 for a request of header `version`. */
export function readTask(body: Uint8Array, version: number): WireTask {
  const reader = new BodyReader(body);
  const taskId = text(reader.bytesU16());
  const action = text(reader.bytesU16());
  const createdAtMs = reader.i64();
  const attempt = reader.u32();
  const hasCaller = version === 1 ? reader.u8() : null;
  return { taskId, action, createdAtMs, attempt, hasCaller, payload: reader.rest() };
}

/** Registers `name` (OK asserted). */
export async function registerAction(peer: FloPeer, name: string,
  settings: Parameters<typeof registerValue>[0] = {}, namespace?: string): Promise<void> {
  const reply = await peer.ask(OpCode.ACTION_REGISTER, {
    key: name, value: registerValue(settings), ...(namespace ? { namespace } : {}),
  });
  assert.equal(reply.status, Status.OK, bodyText(reply));
  assert.equal(text(reply.body), name, 'the reply is the action name');
}

/** Invokes `action` with `value`; returns the run id (raw text). */
export async function invoke(peer: FloPeer, action: string,
  value: Uint8Array = newestInvoke('')): Promise<string> {
  const reply = await peer.ask(OpCode.ACTION_INVOKE, { key: action, value });
  assert.equal(reply.status, Status.OK, bodyText(reply));
  return text(reply.body);
}

export async function runStatus(peer: FloPeer, runId: string): Promise<WireRunStatus> {
  return readStatus(await peer.okBody(OpCode.ACTION_STATUS, { key: runId }));
}

/** One ACTION_AWAIT answered at once (`blockMs` 0 unless given): the task, or null. */
export async function takeTask(peer: FloPeer, worker: string, names: readonly string[],
  blockMs = 0, version = 1): Promise<WireTask | null> {
  const reply = await peer.ask(OpCode.ACTION_AWAIT, { key: worker, value: awaitValue(names),
    opts: opts().uint(OptionTag.block_ms, blockMs, 4), version });
  assert.equal(reply.status, Status.OK, bodyText(reply));
  return reply.body.length === 0 ? null : readTask(reply.body, version);
}

/** ACTION_COMPLETE's value. */
export function completeValue(action: string, taskId: string, result: string,
  outcome = ''): Uint8Array {
  return taskHead(action, taskId).utf8U16(outcome).utf8U16(result).toBytes();
}

/** ACTION_FAIL's value. */
export function failValue(action: string, taskId: string, retry: number, error: string) {
  return taskHead(action, taskId).u8(retry).utf8(error).toBytes();
}
