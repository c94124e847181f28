// The action family (flo-wire.md §7.6): register, invoke, status, list, listRuns, delete,
// and the worker side: await (the long poll; its task layout depends on the header version
// of the request), complete, fail and touch. client/action_worker.ts builds the worker loop
// on these. invoke() sends the newest value form unless priority, delay or an idempotency
// key need the older one, or the input would be misread as the older form (§7.6.3's
// detection rule is applied here first, so binary input cannot be misparsed).

import { BodyWriter } from '../server/wire/body_writer.ts';
import type { BodyReader } from '../server/wire/body_reader.ts';
import { OpCode } from '../server/wire/opcodes.ts';
import { OptionTag } from '../server/wire/option_tags.ts';
import { readsAsOlderInvoke } from '../server/wire/invoke_form.ts';
import { bytesOf, textOf, type Bytes } from './bytes.ts';
import { badReply, decodeBody, FamilyBase, type CallBase } from './family_base.ts';
import { pageValue, readPage, type Page, type PageOptions } from './paging.ts';
import { RequestOptions } from './request_options.ts';

export interface RegisterOptions extends CallBase {
  /** Lease of one attempt (ms); 0 or absent: 30 000. */
  readonly timeoutMs?: number;
  /** Retries after the first attempt (default 3). */
  readonly maxRetries?: number;
  readonly description?: string;
}

export interface InvokeOptions extends CallBase {
  /** Only workers whose labels hold every member (equal scalar values) may run it. */
  readonly labels?: Readonly<Record<string, string | number | boolean | null>>;
  /** 0-255, lower first (default 10). */
  readonly priority?: number;
  /** Eligible only after this many ms. */
  readonly delayMs?: number;
  /** A retained run of this action created with the same key is returned instead. */
  readonly idempotencyKey?: Bytes;
}

export const RunStatus = ['pending', 'running', 'completed', 'failed', 'cancelled',
  'timed_out'] as const;
export type RunStatusName = (typeof RunStatus)[number];

export interface RunInfo {
  readonly runId: string;
  readonly status: RunStatusName;
  readonly createdAtMs: number;
  readonly startedAtMs: number | null;
  readonly completedAtMs: number | null;
  /** The result, exactly when completed. */
  readonly output: Uint8Array | null;
  /** Why, when failed, timed out or cancelled. */
  readonly error: string | null;
  readonly retryCount: number;
}

export interface ActionInfo {
  readonly name: string;
  readonly actionType: number;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly description: string | null;
}

export interface RunSummary {
  readonly runId: string;
  readonly action: string;
  readonly status: RunStatusName;
  readonly createdAtMs: number;
}

/** One attempt of a run, handed to a worker. */
export interface Task {
  readonly taskId: string;
  /** The action's name. */
  readonly action: string;
  readonly createdAtMs: number;
  /** From 1. */
  readonly attempt: number;
  /** The workflow run that started it (header version 1 replies only), or null. */
  readonly caller: { readonly runId: string; readonly workflow: string } | null;
  readonly input: Uint8Array;
}

const DELAY_MS_MAX = 0xffff_ffff;

function statusOf(opCode: number, code: number): RunStatusName {
  const name = RunStatus[code];
  if (name === undefined) throw badReply(opCode, `run status ${code}`);
  return name;
}

/** The ACTION_INVOKE value for `input` and `options` (§7.6.3). */
export function invokeValue(input: Uint8Array, options: InvokeOptions = {}): Uint8Array {
  const labels = options.labels === undefined ? null : bytesOf(JSON.stringify(options.labels));
  const writeLabels = (writer: BodyWriter): BodyWriter =>
    labels === null ? writer.u8(0) : writer.u8(1).bytesU16(labels);
  const newest = writeLabels(new BodyWriter(input.length + 16)).bytes(input).toBytes();
  const needsOlder = options.priority !== undefined || options.delayMs !== undefined ||
    options.idempotencyKey !== undefined;
  if (!needsOlder && !readsAsOlderInvoke(newest)) return newest;
  const delayMs = Math.max(0, options.delayMs ?? 0);
  if (!Number.isSafeInteger(delayMs) || delayMs > DELAY_MS_MAX) {
    throw new RangeError(`delayMs must be an integer up to ${DELAY_MS_MAX}, got ${delayMs}`);
  }
  // The newest form's defaults are priority 10, no delay, no key: the same run either way.
  const writer = new BodyWriter(input.length + 32).u8(options.priority ?? 10).i64(delayMs).u8(0);
  if (options.idempotencyKey === undefined) writer.u8(0);
  else writer.u8(1).bytesU16(bytesOf(options.idempotencyKey));
  const older = writeLabels(writer).bytes(input).toBytes();
  if (!readsAsOlderInvoke(older)) throw new Error('invokeValue: the older form misreads');
  return older;
}

/** The task assignment of §7.6.7 for a request of header `version`. */
export function readTask(reader: BodyReader, version: 1 | 2): Task {
  const taskId = textOf(reader.bytesU16('task_id'));
  const action = textOf(reader.bytesU16('task_type'));
  const createdAtMs = reader.i64('created_at');
  const attempt = reader.u32('attempt');
  let caller: Task['caller'] = null;
  if (version === 1 && reader.flag('has_caller')) {
    const runId = textOf(reader.bytesU16('caller_run_id'));
    caller = { runId, workflow: textOf(reader.bytesU16('caller_workflow_name')) };
  }
  return { taskId, action, createdAtMs, attempt, caller, input: reader.rest() };
}

function taskValue(action: string, taskId: string, extraBytes: number): BodyWriter {
  return new BodyWriter(8 + action.length + taskId.length + extraBytes)
    .utf8U16(action).utf8U16(taskId);
}

export class ActionApi extends FamilyBase {
  /** Registers (or re-registers, replacing the settings) a worker-hosted action. */
  async register(name: string, options: RegisterOptions = {}): Promise<void> {
    const value = new BodyWriter(32).u8(0).u32(options.timeoutMs ?? 0)
      .u32(options.maxRetries ?? 3);
    if (options.description === undefined) value.u8(0);
    else value.u8(1).utf8U16(options.description);
    // The reply echoes the name; the official SDKs ignore it, and so does this client.
    await this.call(OpCode.ACTION_REGISTER, { ...options, key: name, value: value.toBytes() });
  }

  /** Starts a run of `action`; resolves with its run id. FloNotFoundError: no such action. */
  async invoke(action: string, input: Bytes = '', options: InvokeOptions = {}): Promise<string> {
    const value = invokeValue(bytesOf(input), options);
    const body = await this.call(OpCode.ACTION_INVOKE, { ...options, key: action, value });
    if (body.length === 0) throw badReply(OpCode.ACTION_INVOKE, 'empty run id');
    return textOf(body);
  }

  /** The run's state; FloNotFoundError when there is no such run. */
  async status(runId: string, options: CallBase = {}): Promise<RunInfo> {
    const body = await this.call(OpCode.ACTION_STATUS, { ...options, key: runId });
    return decodeBody(OpCode.ACTION_STATUS, body, (reader) => {
      const id = textOf(reader.bytesU16('run_id'));
      const status = statusOf(OpCode.ACTION_STATUS, reader.u8('status'));
      const createdAtMs = reader.i64('created_at');
      const startedAtMs = reader.flag('has_started') ? reader.i64('started_at') : null;
      const completedAtMs = reader.flag('has_completed') ? reader.i64('completed_at') : null;
      const output = reader.flag('has_output') ? reader.bytesU32('output') : null;
      const error = reader.flag('has_error') ? textOf(reader.bytesU32('error')) : null;
      return {
        runId: id, status, createdAtMs, startedAtMs, completedAtMs, output, error,
        retryCount: reader.u32('retry_count'),
      };
    });
  }

  /** Actions whose name starts with `prefix`, by name, one page at a time. */
  async list(prefix = '', options: CallBase & PageOptions = {}): Promise<Page<ActionInfo>> {
    const body = await this.call(OpCode.ACTION_LIST, {
      ...options, key: prefix, value: pageValue(options),
    });
    return decodeBody(OpCode.ACTION_LIST, body, (reader) => readPage(reader, () => {
      const name = textOf(reader.bytesU16('name'));
      const actionType = reader.u8('action_type');
      const timeoutMs = reader.u32('timeout_ms');
      const maxRetries = reader.u32('max_retries');
      const description = reader.flag('has_desc') ? textOf(reader.bytesU16('desc')) : null;
      return { name, actionType, timeoutMs, maxRetries, description };
    }));
  }

  /** Runs of `action` (empty: every action), newest first, one page at a time. */
  async listRuns(action = '', options: CallBase & PageOptions = {}): Promise<Page<RunSummary>> {
    const body = await this.call(OpCode.ACTION_LIST_RUNS, {
      ...options, key: action, value: pageValue(options),
    });
    return decodeBody(OpCode.ACTION_LIST_RUNS, body, (reader) => readPage(reader, () => {
      const runId = textOf(reader.bytesU16('run_id'));
      const name = textOf(reader.bytesU16('action'));
      const status = statusOf(OpCode.ACTION_LIST_RUNS, reader.u8('status'));
      return { runId, action: name, status, createdAtMs: reader.i64('created_at') };
    }));
  }

  /** Deletes the action; its pending and running runs become cancelled. */
  async delete(name: string, options: CallBase = {}): Promise<void> {
    const body = await this.call(OpCode.ACTION_DELETE, { ...options, key: name });
    decodeBody(OpCode.ACTION_DELETE, body, () => undefined);
  }

  /**
   * The worker long poll: the next task of `actions` (empty: the worker's registered ones)
   * within blockMs (default 30 000), or null.
   */
  async awaitTask(
    workerId: string,
    actions: readonly string[],
    options: CallBase & { blockMs?: number } = {},
  ): Promise<Task | null> {
    const blockMs = options.blockMs ?? 30_000;
    const value = new BodyWriter().u32(actions.length);
    for (const name of actions) value.utf8U16(name);
    const opts = new RequestOptions().u32(OptionTag.block_ms, blockMs);
    const body = await this.call(OpCode.ACTION_AWAIT, {
      ...options, key: workerId, value: value.toBytes(), options: opts, blockMs,
    });
    if (body.length === 0) return null;
    const version = this.transport.headerVersion;
    return decodeBody(OpCode.ACTION_AWAIT, body, (reader) => readTask(reader, version));
  }

  /** Completes the task's run with `result` (at most 65 535 bytes) and `outcome`. */
  async complete(workerId: string, action: string, taskId: string, result: Bytes = '',
    options: CallBase & { outcome?: string } = {}): Promise<void> {
    const resultBytes = bytesOf(result);
    if (resultBytes.length > 0xffff) {
      throw new RangeError(`result is ${resultBytes.length} bytes; max 65535 (a u16 length)`);
    }
    const value = taskValue(action, taskId, resultBytes.length + 8)
      .utf8U16(options.outcome ?? '').bytesU16(resultBytes);
    await this.taskOp(OpCode.ACTION_COMPLETE, workerId, value, options);
  }

  /** Fails the attempt; with retry (the default) the run is retried while attempts remain. */
  async fail(workerId: string, action: string, taskId: string, error: string,
    options: CallBase & { retry?: boolean } = {}): Promise<void> {
    const value = taskValue(action, taskId, error.length * 3 + 1)
      .u8(options.retry === false ? 0 : 1).utf8(error);
    await this.taskOp(OpCode.ACTION_FAIL, workerId, value, options);
  }

  /** Moves the task's lease deadline to now + extendMs (0: 30 000). */
  async touch(workerId: string, action: string, taskId: string, extendMs: number,
    options: CallBase = {}): Promise<void> {
    await this.taskOp(OpCode.ACTION_TOUCH, workerId,
      taskValue(action, taskId, 4).u32(extendMs), options);
  }

  private async taskOp(
    opCode: number,
    workerId: string,
    value: BodyWriter,
    options: CallBase,
  ): Promise<void> {
    const body = await this.call(opCode, { ...options, key: workerId, value: value.toBytes() });
    decodeBody(opCode, body, () => undefined);
  }
}
