// Argument checks of the action and worker API (the public boundary): bad arguments throw
// TypeError or RangeError naming the argument and its bound (engine/args.ts); page limits
// above their maximum are clamped, as the wire does (§8). Also the opaque page cursors.

import {
  checkBytes, checkInt, checkIntOr, checkName, checkTextBytes, decodeCursorKey, PAGE_CURSOR_TAG,
} from '../args.ts';
import { fromUtf8, utf8 } from '../codec/bytes.ts';
import {
  actionAwaitBlockMsDefault, actionDescriptionBytesMax, actionErrorBytesMax, actionIdBytesMax,
  actionIdBytesMin, actionIdempotencyKeyBytesMax, actionInputBytesMax, actionMaxRetriesDefault,
  actionMaxRetriesMax, actionNameBytesMax, actionOutcomeBytesMax, actionOutputBytesMax,
  actionPriorityDefault, actionTimeoutMsDefault,
  actionTimeoutMsMax, queueDelayMsMax, waitMsMax, workerIdBytesMax, workerMaxConcurrencyDefault,
  workerMetadataBytesMax, workerProcessesMax,
} from '../limits.ts';
import { checkNamespace } from '../queue/queue_args.ts';
import {
  RunStatusCode, type ActionSettings, type InvokeOptions, type RunCaller, type RunStatus,
  type WorkerProcess, type WorkerRegistration,
} from './action_types.ts';
import { checkJsonValue, LabelSet } from './labels.ts';

export { checkNamespace };

const ID_PATTERN = /^[A-Za-z][A-Za-z0-9._:-]*$/;

export function checkActionName(name: unknown, what = 'action'): string {
  return checkName(name, what, actionNameBytesMax);
}

export function checkWorkerId(workerId: unknown): string {
  return checkName(workerId, 'workerId', workerIdBytesMax);
}

/** Checks a string id argument (run id, task id); its format is checked by parsing it. */
export function checkIdArgument(id: unknown, what: string): string {
  if (typeof id !== 'string') throw new TypeError(`${what} must be a string`);
  return id;
}

export function checkU32(value: unknown, what: string): number {
  return checkInt(value, what, 0, 0xffffffff);
}

/** ACTION_REGISTER settings with defaults applied. */
export function checkActionSettings(settings: ActionSettings) {
  if (typeof settings !== 'object' || settings === null) {
    throw new TypeError('settings must be an object');
  }
  const type = checkIntOr(settings.type, 'type', 0, 255, 0);
  if (type !== 0) throw new RangeError(`not supported: action type ${type}`);
  const description = settings.description;
  if (description !== undefined && typeof description !== 'string') {
    throw new TypeError('description must be a string');
  }
  return {
    type,
    timeoutMs: checkIntOr(settings.timeoutMs, 'timeoutMs', 1, actionTimeoutMsMax,
      actionTimeoutMsDefault),
    maxRetries: checkIntOr(settings.maxRetries, 'maxRetries', 0, actionMaxRetriesMax,
      actionMaxRetriesDefault),
    description: description === undefined
      ? null : checkTextBytes(description, 'description', actionDescriptionBytesMax),
  };
}

/** An invoke's options, checked, with defaults applied. */
export interface InvokeSpec {
  idempotencyKey: string | null;
  labels: LabelSet;
  priority: number;
  delayMs: number;
  caller: RunCaller | null;
}

export function checkInvokeOptions(options: InvokeOptions): InvokeSpec {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('options must be an object');
  }
  const key = options.idempotencyKey;
  if (key !== undefined && typeof key !== 'string') {
    throw new TypeError('idempotencyKey must be a string');
  }
  return {
    // An empty key is the same as none (the wire may carry an empty one).
    idempotencyKey: key === undefined || key === ''
      ? null : checkTextBytes(key, 'idempotencyKey', actionIdempotencyKeyBytesMax),
    labels: LabelSet.from(options.labels),
    priority: checkIntOr(options.priority, 'priority', 0, 255, actionPriorityDefault),
    delayMs: checkIntOr(options.delayMs, 'delayMs', 0, queueDelayMsMax, 0),
    caller: options.caller === undefined ? null : checkCaller(options.caller),
  };
}

function checkCaller(caller: RunCaller): RunCaller {
  if (typeof caller !== 'object' || caller === null) {
    throw new TypeError('caller must be an object');
  }
  return {
    runId: checkRunIdFormat(caller.runId, 'caller.runId'),
    workflow: checkName(caller.workflow, 'caller.workflow', actionNameBytesMax),
  };
}

/** Checks the wire's id format: 3-128 of [A-Za-z0-9._:-], starting with a letter. */
export function checkRunIdFormat(id: unknown, what: string): string {
  if (typeof id !== 'string') throw new TypeError(`${what} must be a string`);
  if (id.length < actionIdBytesMin || id.length > actionIdBytesMax || !ID_PATTERN.test(id)) {
    throw new RangeError(`${what} must be ${actionIdBytesMin}-${actionIdBytesMax} characters ` +
      'of A-Z a-z 0-9 . _ : - starting with a letter');
  }
  return id;
}

export function checkInput(input: unknown): Uint8Array {
  return checkBytes(input, 'input', actionInputBytesMax);
}

export function checkOutput(output: unknown): Uint8Array {
  return checkBytes(output, 'output', actionOutputBytesMax);
}

export function checkOutcome(outcome: unknown): string {
  if (outcome === undefined || outcome === '') return 'success';
  if (typeof outcome !== 'string') throw new TypeError('outcome must be a string');
  return checkTextBytes(outcome, 'outcome', actionOutcomeBytesMax);
}

export function checkErrorMessage(error: unknown): string {
  if (typeof error !== 'string') throw new TypeError('error must be a string');
  return checkTextBytes(error, 'error', actionErrorBytesMax);
}

/** A wait: 0 … 300 000 ms; absent means 30 000 (ACTION_AWAIT's default). */
export function checkBlockMs(blockMs: unknown): number {
  return checkIntOr(blockMs, 'blockMs', 0, waitMsMax, actionAwaitBlockMsDefault);
}

export function checkRunStatus(status: unknown): RunStatus | null {
  if (status === undefined) return null;
  if (typeof status !== 'string' || !(status in RunStatusCode)) {
    throw new RangeError(`status must be one of ${Object.keys(RunStatusCode).join(', ')}`);
  }
  return status as RunStatus;
}

/** A worker registration, checked, with defaults applied. */
export function checkWorkerRegistration(registration: WorkerRegistration) {
  if (typeof registration !== 'object' || registration === null) {
    throw new TypeError('registration must be an object');
  }
  const type = checkIntOr(registration.type, 'type', 0, 1, 0);
  const concurrency = checkIntOr(registration.maxConcurrency, 'maxConcurrency', 0, 0xffffffff, 0);
  const processes: WorkerProcess[] = [];
  for (const [i, name] of (registration.actions ?? []).entries()) {
    processes.push({ name: checkActionName(name, `actions[${i}]`), kind: 0 });
  }
  for (const [i, process] of (registration.processes ?? []).entries()) {
    processes.push({ name: checkActionName(process?.name, `processes[${i}].name`),
      kind: checkInt(process.kind, `processes[${i}].kind`, 0, 1) });
  }
  if (processes.length > workerProcessesMax) {
    throw new RangeError(`a worker has at most ${workerProcessesMax} processes`);
  }
  return {
    type, maxConcurrency: concurrency === 0 ? workerMaxConcurrencyDefault : concurrency, processes,
    metadata: checkMetadata(registration.metadata),
    machineId: registration.machineId === undefined
      ? null : checkName(registration.machineId, 'machineId', workerIdBytesMax),
  };
}

function checkMetadata(metadata: unknown): string | null {
  if (metadata === undefined || metadata === null) return null;
  if (typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new TypeError('metadata must be a JSON object');
  }
  checkJsonValue(metadata, 'metadata');
  const json = JSON.stringify(metadata);
  return checkTextBytes(json, 'metadata', workerMetadataBytesMax);
}

// ---- cursors (wire §8: 0x01 and the sort key of the last item) ----

/** Cursor of a run list: 0x01, the creation sequence (u64 big-endian), the run id. */
export function encodeRunCursor(seq: number, runId: string): Uint8Array {
  const id = utf8(runId);
  const cursor = new Uint8Array(9 + id.length);
  cursor[0] = PAGE_CURSOR_TAG;
  const view = new DataView(cursor.buffer);
  view.setUint32(1, Math.floor(seq / 2 ** 32));
  view.setUint32(5, seq % 2 ** 32);
  cursor.set(id, 9);
  return cursor;
}

/** The sequence a run list resumes below, or null for the first page. */
export function decodeRunCursor(cursor: unknown): number | null {
  const key = decodeCursorKey(cursor, 9);
  if (key === null) return null;
  const view = new DataView(key.buffer, key.byteOffset, key.length);
  const seq = view.getUint32(0) * 2 ** 32 + view.getUint32(4);
  if (!Number.isSafeInteger(seq) || seq === 0) throw new RangeError('invalid cursor');
  if (!ID_PATTERN.test(fromUtf8(key.subarray(8)))) throw new RangeError('invalid cursor');
  return seq;
}
