// The action store's compaction filter (KeySpace.action): how finished runs are dropped once
// retained long enough (wire §7.6.1: "kept for at least 24 hours"). A finished run's record
// and list entry end their life when `completedAt + runRetentionMs` has passed; its
// idempotency entry when, besides, `createdAt + idempotencyWindowMs` has passed. Each is
// turned into a tombstone (or nothing at the bottom), so an older version of the key below
// (a run's running record) never shows through. Everything else (actions, workers, the id
// reservation, records of active runs) is left to the LSM's own rule. Dropping happens when
// compaction reaches the entry, so a run may be listed a while past its retention: the
// guarantee is a lower bound, as the wire asks.

import { EntryKind } from '../lsm/internal_key.ts';
import {
  FilterDecision, type CompactionFilter, type CompactionFilterRun, type FilterContext,
} from '../lsm/compaction_filter.ts';
import { decodeIdemEntry, decodeListEntry, peekRunRecord } from './action_codec.ts';
import { KeyKind } from './action_keys.ts';
import { isFinal } from './run_state.ts';


export class ActionCompactionFilter implements CompactionFilter {
  private readonly retentionMs: number;
  private readonly windowMs: number;

  constructor(runRetentionMs: number, idempotencyWindowMs: number) {
    this.retentionMs = runRetentionMs;
    this.windowMs = idempotencyWindowMs;
  }

  start(context: FilterContext): CompactionFilterRun {
    return {
      decide: (key, _seq, kind, value, first) => {
        if (!first || kind !== EntryKind.value || !this.expired(key[1]!, value, context.nowMs)) {
          return FilterDecision.default;
        }
        return context.newerExists(key) ? FilterDecision.default : FilterDecision.expire;
      },
    };
  }

  /** True when the entry (the newest of its key) has outlived its retention. */
  expired(kind: number, value: Uint8Array, nowMs: number): boolean {
    // A value the filter cannot read is kept: the store's own reads will report it.
    try {
      if (kind === KeyKind.run) {
        const { status, completedAtMs } = peekRunRecord(value);
        return isFinal(status) && completedAtMs + this.retentionMs <= nowMs;
      }
      if (kind === KeyKind.list) {
        return decodeListEntry(value).completedAtMs + this.retentionMs <= nowMs;
      }
      if (kind === KeyKind.idem) {
        const entry = decodeIdemEntry(value);
        return entry.completedAtMs + this.retentionMs <= nowMs &&
          entry.createdAtMs + this.windowMs <= nowMs;
      }
    } catch {
      return false;
    }
    return false;
  }
}
