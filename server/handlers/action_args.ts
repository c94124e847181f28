// How the action and worker handlers read the values of flo-wire.md §7.6 and §7.7: the
// ACTION_REGISTER settings, both ACTION_INVOKE forms with the §7.6.3 detection rule, the
// name list of ACTION_AWAIT, the (action, task id) head of COMPLETE/FAIL/TOUCH, and the
// WORKER_REGISTER value. Names inside values obey the 255-byte limit of §2.7; JSON members
// (labels, metadata) must be JSON objects. Every failure is a WireError (BAD_REQUEST) raised
// before the engine is called; ranges the engine owns (timeouts, retries, delays) are its
// RangeErrors, which the dispatcher answers BAD_REQUEST too. Used by action.ts and worker.ts.

import { readsAsOlderInvoke } from '../wire/invoke_form.ts';
import type {
  ActionSettings, InvokeOptions, Labels, WorkerRegistration,
} from '../../engine/mod.ts';
import { BodyReader } from '../wire/body_reader.ts';
import { nameBytesMax } from '../wire/limits.ts';
import { badRequest, malformedValue } from '../wire/wire_error.ts';
import { nameOf } from './handler_args.ts';

const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Lenient = new TextDecoder('utf-8', { ignoreBOM: true });

/** Bytes of the older ACTION_INVOKE form before its idempotency key (§7.6.3). */

/** A name carried inside a value: 1 to 255 bytes of UTF-8 without NUL (§2.7). */
function valueName(bytes: Uint8Array, what: string): string {
  if (bytes.length > nameBytesMax) {
    throw badRequest(`${what} name is ${bytes.length} bytes; the maximum is ${nameBytesMax}`);
  }
  return nameOf(bytes, what);
}

/** Text that is not a name (an error message): invalid UTF-8 is replaced, never refused. */
export function lenientText(bytes: Uint8Array): string {
  return utf8Lenient.decode(bytes);
}

/** A JSON object from bytes (labels, metadata); anything else is `malformed value`. */
function jsonObjectOf(bytes: Uint8Array, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8Strict.decode(bytes));
  } catch {
    throw malformedValue(`${what} are not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw malformedValue(`${what} are not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * ACTION_REGISTER's value (§7.6.2): empty for every default, else
 * `[action_type:u8][timeout_ms:u32][max_retries:u32][has_desc:u8]([desc_len:u16][desc])?`;
 * trailing bytes (the SDKs' five zero bytes) are ignored. timeout_ms 0 means the default.
 */
export function registerSettingsOf(value: Uint8Array): ActionSettings {
  if (value.length === 0) return {};
  const reader = new BodyReader(value);
  const type = reader.u8('action_type');
  const timeoutMs = reader.u32('timeout_ms');
  const maxRetries = reader.u32('max_retries');
  const description = reader.flag('has_desc') ? reader.bytesU16('desc') : null;
  if (type !== 0) throw badRequest(`not supported: action type ${type}`);
  return {
    type, maxRetries,
    ...(timeoutMs === 0 ? {} : { timeoutMs }),
    ...(description === null ? {} : { description: textOf(description, 'description') }),
  };
}

/** An ACTION_INVOKE value read: the input (a view) and the engine's options. */
export interface InvokeValue {
  readonly input: Uint8Array;
  readonly options: InvokeOptions;
}

/** ACTION_INVOKE's value in whichever form §7.6.3's detection rule picks, parsed strictly. */
export function invokeValueOf(value: Uint8Array): InvokeValue {
  if (value.length === 0) return { input: value, options: {} };
  return readsAsOlderInvoke(value) ? olderInvoke(value) : newestInvoke(value);
}

function newestInvoke(value: Uint8Array): InvokeValue {
  const reader = new BodyReader(value);
  const labels = labelsOf(reader);
  return { input: reader.rest(), options: labels === undefined ? {} : { labels } };
}

function olderInvoke(value: Uint8Array): InvokeValue {
  const reader = new BodyReader(value);
  const priority = reader.u8('priority');
  // Negative delays count as 0 (§7.6.3); the engine refuses one above 30 days.
  const delayMs = Math.max(0, reader.i64('delay_ms'));
  if (reader.u8('has_caller') !== 0) throw malformedValue('has_caller must be 0');
  const idempotencyKey = reader.flag('has_idem')
    ? textOf(reader.bytesU16('idempotency_key'), 'idempotency key') : undefined;
  const labels = labelsOf(reader);
  const options: InvokeOptions = {
    priority, delayMs,
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    ...(labels === undefined ? {} : { labels }),
  };
  return { input: reader.rest(), options };
}

function labelsOf(reader: BodyReader): Labels | undefined {
  if (!reader.flag('has_labels')) return undefined;
  return jsonObjectOf(reader.bytesU16('labels'), 'labels');
}

/** ACTION_AWAIT's `[n:u32]([name_len:u16][action_name])*` (n = 0: the worker's actions). */
export function awaitNamesOf(value: Uint8Array): string[] {
  const reader = new BodyReader(value);
  const count = reader.u32('n');
  // Each name takes at least 3 bytes: a count the value cannot hold is refused before looping.
  if (count * 3 > reader.remaining) {
    throw malformedValue(`${count} action names need at least ${count * 3} bytes, ` +
      `${reader.remaining} follow`);
  }
  const names: string[] = [];
  for (let index = 0; index < count; index++) {
    names.push(valueName(reader.bytesU16('action_name'), 'action'));
  }
  return names;
}

/** The head of COMPLETE, FAIL and TOUCH: `[action_len:u16][action][task_id_len:u16][task_id]`. */
export interface TaskRef {
  /** The action, or null when the bytes cannot name one (the task is then unknown). */
  readonly action: string | null;
  readonly taskId: string | null;
}

export function taskRefOf(reader: BodyReader): TaskRef {
  const action = reader.bytesU16('action');
  const taskId = reader.bytesU16('task_id');
  for (const [bytes, what] of [[action, 'action'], [taskId, 'task id']] as const) {
    if (bytes.length > nameBytesMax) {
      throw badRequest(`${what} is ${bytes.length} bytes; the maximum is ${nameBytesMax}`);
    }
  }
  return { action: maybeName(action), taskId: maybeName(taskId) };
}

/** A name, or null when the bytes cannot be one (empty, not UTF-8, NUL). */
export function maybeName(bytes: Uint8Array): string | null {
  if (bytes.length === 0) return null;
  let text: string;
  try {
    text = utf8Strict.decode(bytes);
  } catch {
    return null;
  }
  return text.includes('\u0000') ? null : text;
}

/** WORKER_REGISTER's value (§7.7); kinds and the type must be 0 or 1. */
export function workerRegistrationOf(value: Uint8Array): WorkerRegistration {
  const reader = new BodyReader(value);
  const type = reader.u8('worker_type');
  const maxConcurrency = reader.u32('max_concurrency');
  const count = reader.u16('n');
  if (count * 3 > reader.remaining) {
    throw malformedValue(`${count} processes need at least ${count * 3} bytes, ` +
      `${reader.remaining} follow`);
  }
  const processes: Array<{ name: string; kind: number }> = [];
  for (let index = 0; index < count; index++) {
    const name = valueName(reader.bytesU16('process name'), 'process');
    processes.push({ name, kind: kindOf(reader.u8('kind'), 'kind') });
  }
  const metadata = reader.flag('has_metadata')
    ? jsonObjectOf(reader.bytesU16('metadata'), 'metadata') : undefined;
  const machineIdBytes = reader.flag('has_machine_id') ? reader.bytesU16('machine_id') : null;
  // An empty machine id is the same as none.
  const machineId = machineIdBytes === null || machineIdBytes.length === 0
    ? undefined : textOf(machineIdBytes, 'machine id');
  return {
    type: kindOf(type, 'worker_type'), maxConcurrency, processes,
    ...(metadata === undefined ? {} : { metadata }),
    ...(machineId === undefined ? {} : { machineId }),
  };
}

function kindOf(value: number, what: string): number {
  if (value > 1) throw badRequest(`${what} must be 0 (action) or 1 (stream), got ${value}`);
  return value;
}

function textOf(bytes: Uint8Array, what: string): string {
  try {
    return utf8Strict.decode(bytes);
  } catch {
    throw badRequest(`invalid ${what}: not UTF-8`);
  }
}
