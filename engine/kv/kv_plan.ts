// Planning a write's LSM entries: what one write or a transaction commit does to each key
// (its state before, after, and whether it set a value, changed only the TTL, or deleted
// on the way), and the entries that take the key there. Used by kv_store.ts for single
// writes and commits alike, so both write the same shapes (kv.md has the record layout).

import { assert } from '../assert.ts';
import { ConflictError } from '../errors.ts';
import type { WriteBatch } from '../lsm/write_batch.ts';
import { applyWrite, MISSING, type KeyState, type KvWrite } from './kv_apply.ts';
import { encodeRecordHeader } from './kv_record.ts';

/** A key's committed state and the seq of the LSM entry it comes from (0: none). */
export interface Stored extends KeyState {
  seq: number;
}

/** What a transaction commit or a single write does to one key. */
export interface KeyPlan {
  key: Uint8Array;
  /** Set once the namespace's prefix is known (a new namespace gets one in the batch). */
  lsmKey: Uint8Array;
  before: Stored;
  state: KeyState;
  set: boolean;
  ttl: boolean;
  deleted: boolean;
}

/**
 * Applies a transaction's writes in order to the keys' states (read once each through
 * `lookup`), all giving new values version `pendingVersion`. Returns the per-key plans, or
 * the first failing write's error with the plans read so far.
 */
export function planCommit(
  writes: readonly KvWrite[], lookup: (key: Uint8Array) => Stored, nowMs: number,
  pendingVersion: number,
): { plans: Map<string, KeyPlan>; error?: Error } {
  const plans = new Map<string, KeyPlan>();
  for (const write of writes) {
    const id = latin1(write.key);
    let plan = plans.get(id);
    if (plan === undefined) {
      const before = lookup(write.key);
      plan = { key: write.key, lsmKey: write.key, before, state: before, set: false,
        ttl: false, deleted: false };
      plans.set(id, plan);
    }
    // At commit a delete with cas_version needs the key to exist (§7.2.4).
    if (write.kind === 'delete' && write.casVersion !== undefined && !plan.state.exists) {
      return { plans, error: new ConflictError('cas version mismatch: the key is missing') };
    }
    const applied = applyWrite(plan.state, write, nowMs, pendingVersion);
    if (applied.error !== undefined) return { plans, error: applied.error };
    plan.state = applied.state;
    if (applied.change === 'set') plan.set = true;
    if (applied.change === 'ttl') plan.ttl = true;
    if (applied.change === 'delete') plan.deleted = true;
  }
  return { plans };
}

/** Adds the entries that take one key from plan.before to plan.state. */
export function stagePlan(
  batch: WriteBatch, plan: KeyPlan, nowMs: number, scratch: Uint8Array,
): void {
  const { state, before } = plan;
  assert(plan.lsmKey.length > plan.key.length, 'the plan has its LSM key');
  if (!state.exists) {
    if (before.exists) batch.delete(plan.lsmKey);
    return;
  }
  if (plan.set) {
    // Deleted and set again in one transaction: the tombstone ends the old history.
    if (plan.deleted && before.exists) batch.delete(plan.lsmKey);
    stageValue(batch, plan.lsmKey, EMPTY, state.version, nowMs, state.expiresAtMs, false,
      state.value, scratch);
  } else if (plan.ttl) {
    stageValue(batch, plan.lsmKey, EMPTY, state.version, nowMs, state.expiresAtMs, true,
      state.value, scratch);
  }
}

/** Adds a value entry: key `keyHead` + `keyTail`, a record header built in `scratch`. */
export function stageValue(
  batch: WriteBatch, keyHead: Uint8Array, keyTail: Uint8Array, version: number,
  nowMs: number, expiresAtMs: number, ttlOnly: boolean, value: Uint8Array, scratch: Uint8Array,
): void {
  const length = encodeRecordHeader(scratch, version, nowMs, expiresAtMs, ttlOnly);
  batch.putParts(keyHead, keyTail, scratch.subarray(0, length), value);
}

const EMPTY = new Uint8Array(0);

/** A missing key as of the LSM entry `seq` (0: no entry). */
export function missingAt(seq: number): Stored {
  return { exists: false, version: 0, value: MISSING.value, expiresAtMs: 0, seq };
}

/** a + b. */
export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}
