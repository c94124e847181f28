// The action family (flo-wire.md §7.6) over the engine's ActionStore (flo.action): register,
// invoke (both value forms), status, the paged action and run lists, delete (cancels the
// action's runs), and the worker side: await (the long poll; parks exactly when the engine
// waits, first parked first served), complete, fail and touch. Handlers decode the value
// (action_args.ts), call the store with the wire's semantics (a failed attempt with retry is
// offered again at once, `backoff: false`; touch's 0 means 30 000), and encode the reply.
//
// Replies: REGISTER the name; INVOKE the run id as raw text; STATUS
//   [run_id_len:u16][run_id][status:u8][created_at:i64][has_started:u8]([started_at:i64])?
//   [has_completed:u8]([completed_at:i64])?[has_output:u8]([output_len:u32][output])?
//   [has_error:u8]([error_len:u32][error])?[retry_count:u32]
// AWAIT a task assignment (§7.6.7; has_caller only to header version 1) or an empty body;
// the lists end with the page trailer of §8; the others are empty.

import { ok as assert } from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import {
  RunStatusCode, type ActionInfo, type ActionStore, type RunInfo, type Task,
} from '../../engine/mod.ts';
import { ok, type HandlerRequest, type Reply, type RequestContext } from '../handler.ts';
import type { HandlerTable } from '../handler_table.ts';
import { BodyReader } from '../wire/body_reader.ts';
import { BodyWriter } from '../wire/body_writer.ts';
import { Status } from '../wire/frame.ts';
import { nameBytesMax, waitMsMax } from '../wire/limits.ts';
import { OpCode } from '../wire/opcodes.ts';
import { OptionTag } from '../wire/option_tags.ts';
import { WireError } from '../wire/wire_error.ts';
import {
  awaitNamesOf, invokeValueOf, lenientText, maybeName, registerSettingsOf, taskRefOf,
  type TaskRef,
} from './action_args.ts';
import {
  boundedUint, fittedPage, nameOf, pageRequestOf, parkHooks, writePageTrailer,
} from './handler_args.ts';

/** ACTION_AWAIT's wait when block_ms is absent (§3.3), and ACTION_TOUCH's 0 (§7.6.8). */
const AWAIT_BLOCK_MS_DEFAULT = 30_000;
const TOUCH_EXTEND_MS_DEFAULT = 30_000;
/** Count and page trailer, with a cursor of 0x01 and a name (or 8 bytes and a run id). */
const PAGE_FIXED_BYTES = 4 + 3 + 1 + Math.max(nameBytesMax, 8 + 128);

type ActionHandler = (request: HandlerRequest, context: RequestContext) => Promise<Reply>;

/** Registers every op of §7.6 on `table`. */
export function registerActionHandlers(
  table: HandlerTable,
  store: ActionStore,
  replyBytesSoft: number,
): void {
  const ops = new ActionOps(store, replyBytesSoft);
  const handlers: Array<[number, ActionHandler]> = [
    [OpCode.ACTION_REGISTER, (request) => ops.register(request)],
    [OpCode.ACTION_INVOKE, (request) => ops.invoke(request)],
    [OpCode.ACTION_STATUS, (request) => ops.status(request)],
    [OpCode.ACTION_LIST, (request) => ops.list(request)],
    [OpCode.ACTION_LIST_RUNS, (request) => ops.listRuns(request)],
    [OpCode.ACTION_DELETE, (request) => ops.delete(request)],
    [OpCode.ACTION_AWAIT, (request, context) => ops.awaitTask(request, context)],
    [OpCode.ACTION_COMPLETE, (request) => ops.complete(request)],
    [OpCode.ACTION_FAIL, (request) => ops.fail(request)],
    [OpCode.ACTION_TOUCH, (request) => ops.touch(request)],
  ];
  for (const [opCode, handler] of handlers) table.register(opCode, handler);
}

class ActionOps {
  private readonly store: ActionStore;
  private readonly replyBytesSoft: number;

  constructor(store: ActionStore, replyBytesSoft: number) {
    this.store = store;
    this.replyBytesSoft = replyBytesSoft;
  }

  async register(request: HandlerRequest): Promise<Reply> {
    const name = actionName(request);
    await this.store.register(request.namespace, name, registerSettingsOf(request.value));
    return ok(Buffer.from(name, 'utf8'));
  }

  async invoke(request: HandlerRequest): Promise<Reply> {
    const name = actionName(request);
    const { input, options } = invokeValueOf(request.value);
    // The store copies the input before it keeps it (the request's bytes are a view).
    const runId = await this.store.invoke(request.namespace, name, input, options);
    return ok(Buffer.from(runId, 'utf8'));
  }

  async status(request: HandlerRequest): Promise<Reply> {
    const runId = maybeName(request.key);
    if (runId === null) throw new WireError(Status.NOT_FOUND, 'run not found');
    return ok(statusBody(await this.store.status(request.namespace, runId)));
  }

  async list(request: HandlerRequest): Promise<Reply> {
    const prefix = nameOf(request.key, 'action', true);
    const paging = pageRequestOf(request.value);
    const ask = (limit: number) =>
      this.store.list(request.namespace, { prefix, limit, cursor: paging.cursor });
    const page = await fittedPage(paging, ask, (listed) => listed.actions,
      this.fit(actionEntryBytes));
    const body = new BodyWriter(64 + page.actions.length * 32).u32(page.actions.length);
    for (const action of page.actions) writeActionEntry(body, action);
    return ok(writePageTrailer(body, page.hasMore ? page.cursor : null).toBytes());
  }

  async listRuns(request: HandlerRequest): Promise<Reply> {
    const action = nameOf(request.key, 'action', true);
    const paging = pageRequestOf(request.value);
    const ask = (limit: number) =>
      this.store.listRuns(request.namespace, action, { limit, cursor: paging.cursor });
    const page = await fittedPage(paging, ask, (listed) => listed.runs,
      this.fit(runEntryBytes));
    const body = new BodyWriter(64 + page.runs.length * 48).u32(page.runs.length);
    for (const run of page.runs) {
      body.utf8U16(run.runId).utf8U16(run.action).u8(RunStatusCode[run.status])
        .i64(run.createdAtMs);
    }
    return ok(writePageTrailer(body, page.hasMore ? page.cursor : null).toBytes());
  }

  async delete(request: HandlerRequest): Promise<Reply> {
    await this.store.delete(request.namespace, actionName(request));
    return ok();
  }

  async awaitTask(request: HandlerRequest, context: RequestContext): Promise<Reply> {
    const workerId = nameOf(request.key, 'worker');
    const names = awaitNamesOf(request.value);
    // Absent means 30 000 (§3.3); option 0x50 (timeout_ms) of older SDKs is ignored.
    const blockMs = boundedUint(request.options, OptionTag.block_ms, waitMsMax) ??
      AWAIT_BLOCK_MS_DEFAULT;
    const task = await this.store.awaitTask(request.namespace, workerId, names,
      Object.assign(parkHooks(context, blockMs > 0), { blockMs }));
    return ok(task === null ? undefined : taskBody(task, request.version));
  }

  async complete(request: HandlerRequest): Promise<Reply> {
    const reader = new BodyReader(request.value);
    const ref = taskRefOf(reader);
    const outcome = nameOf(reader.bytesU16('outcome'), 'outcome', true);
    const result = reader.bytesU16('result');
    const { action, taskId } = knownTask(ref);
    await this.store.complete(request.namespace, taskId, result,
      { action, outcome, ...contact(request) });
    return ok();
  }

  async fail(request: HandlerRequest): Promise<Reply> {
    const reader = new BodyReader(request.value);
    const ref = taskRefOf(reader);
    const retry = reader.flag('retry');
    const error = lenientText(reader.rest());
    const { action, taskId } = knownTask(ref);
    // The wire offers a retried run again at once (§7.6.1), without the engine's backoff.
    await this.store.fail(request.namespace, taskId, error,
      { action, retry, backoff: false, ...contact(request) });
    return ok();
  }

  async touch(request: HandlerRequest): Promise<Reply> {
    const reader = new BodyReader(request.value);
    const ref = taskRefOf(reader);
    const extendMs = reader.u32('extend_ms');
    const { action, taskId } = knownTask(ref);
    await this.store.touch(request.namespace, taskId, {
      action, extendMs: extendMs === 0 ? TOUCH_EXTEND_MS_DEFAULT : extendMs, ...contact(request),
    });
    return ok();
  }

  /** How list entries are measured against the soft limit. */
  private fit<T>(sizeOf: (item: T) => number) {
    return { sizeOf, fixedBytes: PAGE_FIXED_BYTES, bytesMax: this.replyBytesSoft };
  }
}

function actionName(request: HandlerRequest): string {
  return nameOf(request.key, 'action');
}

/** A task reference whose bytes name something; NOT_FOUND `unknown task` otherwise. */
function knownTask(ref: TaskRef): { action: string; taskId: string } {
  if (ref.action === null || ref.taskId === null) {
    throw new WireError(Status.NOT_FOUND, 'unknown task');
  }
  return { action: ref.action, taskId: ref.taskId };
}

/**
 * The worker id of COMPLETE, FAIL and TOUCH: it counts as contact but is not otherwise
 * checked (§7.6.8), so a key that cannot name a worker is simply no contact.
 */
function contact(request: HandlerRequest): { workerId?: string } {
  const workerId = request.key.length > nameBytesMax ? null : maybeName(request.key);
  return workerId === null ? {} : { workerId };
}

/** ACTION_STATUS's body. */
function statusBody(run: RunInfo): Uint8Array {
  assert(run.retryCount === Math.max(run.attempts - 1, 0), 'retry_count = attempts - 1');
  assert((run.output !== null) === (run.status === 'completed'), 'output exactly when done');
  const body = new BodyWriter(64 + (run.output?.length ?? 0) + (run.error?.length ?? 0) * 3)
    .utf8U16(run.runId).u8(RunStatusCode[run.status]).i64(run.createdAtMs);
  if (run.startedAtMs === null) body.u8(0);
  else body.u8(1).i64(run.startedAtMs);
  if (run.completedAtMs === null) body.u8(0);
  else body.u8(1).i64(run.completedAtMs);
  if (run.output === null) body.u8(0);
  else body.u8(1).bytesU32(run.output);
  if (run.error === null) body.u8(0);
  else body.u8(1).utf8U32(run.error);
  return body.u32(run.retryCount).toBytes();
}

/** A task assignment (§7.6.7): version 1 carries has_caller, version 2 does not. */
function taskBody(task: Task, version: number): Uint8Array {
  assert(task.attempt >= 1, 'attempts count from 1');
  const body = new BodyWriter(64 + task.input.length).utf8U16(task.taskId).utf8U16(task.action)
    .i64(task.createdAtMs).u32(task.attempt);
  if (version === 1) {
    if (task.caller === null) body.u8(0);
    else body.u8(1).utf8U16(task.caller.runId).utf8U16(task.caller.workflow);
  }
  return body.bytes(task.input).toBytes();
}

function writeActionEntry(body: BodyWriter, action: ActionInfo): void {
  body.utf8U16(action.name).u8(action.type).u32(action.timeoutMs).u32(action.maxRetries);
  if (action.description === null) body.u8(0);
  else body.u8(1).utf8U16(action.description);
}

function actionEntryBytes(action: ActionInfo): number {
  return 2 + Buffer.byteLength(action.name) + 1 + 4 + 4 + 1 +
    (action.description === null ? 0 : 2 + Buffer.byteLength(action.description));
}

function runEntryBytes(run: RunInfo): number {
  return 2 + run.runId.length + 2 + Buffer.byteLength(run.action) + 1 + 8;
}
