// The meaning of each KV write (wire spec §7.2), as one pure function from a key's state
// to its next state: a single op, a transaction's read view and a transaction's commit all
// run it, so the three can never disagree. It checks conditions and types and reports the
// failure as the error the caller raises (CONFLICT, NOT_FOUND, BAD_REQUEST); it takes no
// version itself: a state that gets a new value carries `pendingVersion`.

import { EngineError, ErrorCode, ConflictError, NotFoundError } from '../errors.ts';
import { utf8 } from '../codec/bytes.ts';
import {
  compactJson, jsonDelete, jsonSet, parseJson, type JsonValue, type PathSegment,
} from './json_path.ts';

/** A key's state: the committed one, or one being built by a transaction. */
export interface KeyState {
  exists: boolean;
  /** 0 when missing. */
  version: number;
  value: Uint8Array;
  /** 0: no TTL. */
  expiresAtMs: number;
}

/** A buffered or immediate write. Keys are user keys (the namespace is the caller's). */
export type KvWrite =
  | { kind: 'put'; key: Uint8Array; value: Uint8Array; ttlMs: number;
    casVersion: number | undefined; ifNotExists: boolean; ifExists: boolean }
  | { kind: 'delete'; key: Uint8Array; casVersion: number | undefined }
  | { kind: 'touch'; key: Uint8Array; ttlMs: number; casVersion: number | undefined }
  | { kind: 'persist'; key: Uint8Array; casVersion: number | undefined }
  | { kind: 'incr'; key: Uint8Array; delta: bigint }
  | { kind: 'jsonSet'; key: Uint8Array; path: PathSegment[]; json: string }
  | { kind: 'jsonDel'; key: Uint8Array; path: PathSegment[] };

/** What a write does to its key: nothing, a new value, a new TTL only, or a deletion. */
export type Change = 'none' | 'set' | 'ttl' | 'delete';

export interface Applied {
  state: KeyState;
  change: Change;
  /** KV_INCR: the counter after the write. */
  counter?: bigint;
  /** The condition or check that failed; the state is then unchanged. */
  error?: Error;
}

export const MISSING: KeyState = Object.freeze({
  exists: false, version: 0, value: new Uint8Array(0), expiresAtMs: 0,
});

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** Applies `write` to `state` at `nowMs`. Never throws for a failed condition. */
export function applyWrite(
  state: KeyState, write: KvWrite, nowMs: number, pendingVersion: number,
): Applied {
  const fail = (error: Error): Applied => ({ state, change: 'none', error });
  switch (write.kind) {
    case 'put': {
      const problem = putConflict(state, write);
      if (problem !== null) return fail(new ConflictError(problem));
      return set(write.value, pendingVersion, expiry(write.ttlMs, nowMs));
    }
    case 'delete':
      // A missing key is not a conflict here: a single delete answers NOT_FOUND (§7.2.4);
      // a commit fails a conditional delete of a missing key itself (planCommit).
      if (!state.exists) return { state, change: 'none' };
      if (write.casVersion !== undefined && write.casVersion !== state.version) {
        return fail(new ConflictError('cas version mismatch'));
      }
      return { state: MISSING, change: 'delete' };
    case 'touch':
    case 'persist': {
      if (!state.exists) return fail(new NotFoundError('key not found'));
      if (write.casVersion !== undefined && write.casVersion !== state.version) {
        return fail(new ConflictError('cas version mismatch'));
      }
      const expiresAtMs = write.kind === 'touch' ? expiry(write.ttlMs, nowMs) : 0;
      return { state: { ...state, expiresAtMs }, change: 'ttl' };
    }
    case 'incr':
      return applyIncr(state, write.delta, pendingVersion, fail);
    case 'jsonSet':
      return applyJsonSet(state, write, pendingVersion, fail);
    case 'jsonDel':
      return applyJsonDel(state, write, pendingVersion, fail);
  }
}

function putConflict(state: KeyState, write: Extract<KvWrite, { kind: 'put' }>): string | null {
  if (write.casVersion === 0 && state.exists) return 'cas version mismatch: the key exists';
  if (write.casVersion !== undefined && write.casVersion > 0 &&
    (!state.exists || state.version !== write.casVersion)) return 'cas version mismatch';
  if (write.ifNotExists && state.exists) return 'the key exists';
  if (write.ifExists && !state.exists) return 'the key does not exist';
  return null;
}

function expiry(ttlMs: number, nowMs: number): number {
  return ttlMs > 0 ? nowMs + ttlMs : 0;
}

function set(value: Uint8Array, version: number, expiresAtMs: number): Applied {
  return { state: { exists: true, version, value, expiresAtMs }, change: 'set' };
}

function applyIncr(
  state: KeyState, delta: bigint, version: number, fail: (error: Error) => Applied,
): Applied {
  let current = 0n;
  if (state.exists) {
    if (state.value.length !== 8) {
      return fail(new EngineError(ErrorCode.invalidArgument, 'value is not a counter'));
    }
    current = new DataView(state.value.buffer, state.value.byteOffset, 8).getBigInt64(0, true);
  }
  const sum = current + delta;
  if (sum < I64_MIN || sum > I64_MAX) {
    return fail(new EngineError(ErrorCode.invalidArgument, 'counter overflow'));
  }
  const value = new Uint8Array(8);
  new DataView(value.buffer).setBigInt64(0, sum, true);
  const applied = set(value, version, state.exists ? state.expiresAtMs : 0);
  applied.counter = sum;
  return applied;
}

/** The stored value as a JSON document, or undefined when it is not JSON. */
export function readJson(value: Uint8Array): JsonValue | undefined {
  let text: string;
  try {
    text = textDecoder.decode(value);
  } catch {
    return undefined;
  }
  return parseJson(text);
}

function notJson(): Error {
  return new EngineError(ErrorCode.invalidArgument, 'the stored value is not JSON');
}

function applyJsonSet(
  state: KeyState, write: Extract<KvWrite, { kind: 'jsonSet' }>, version: number,
  fail: (error: Error) => Applied,
): Applied {
  const node = parseJson(write.json);
  if (node === undefined) return fail(new RangeError('invalid JSON'));
  if (write.path.length === 0) {
    return set(utf8(compactJson(node)), version, state.exists ? state.expiresAtMs : 0);
  }
  if (!state.exists) return fail(new NotFoundError('key not found'));
  const doc = readJson(state.value);
  if (doc === undefined) return fail(notJson());
  const problem = jsonSet(doc, write.path, node);
  if (problem === 'not-found') return fail(new NotFoundError('path not found'));
  if (problem === 'wrong-type') {
    return fail(new EngineError(ErrorCode.invalidArgument, 'the parent has the wrong JSON type'));
  }
  return set(utf8(compactJson(doc)), version, state.expiresAtMs);
}

function applyJsonDel(
  state: KeyState, write: Extract<KvWrite, { kind: 'jsonDel' }>, version: number,
  fail: (error: Error) => Applied,
): Applied {
  if (!state.exists) return fail(new NotFoundError('key not found'));
  if (write.path.length === 0) return { state: MISSING, change: 'delete' };
  const doc = readJson(state.value);
  if (doc === undefined) return fail(notJson());
  if (!jsonDelete(doc, write.path)) return fail(new NotFoundError('path not found'));
  return set(utf8(compactJson(doc)), version, state.expiresAtMs);
}
