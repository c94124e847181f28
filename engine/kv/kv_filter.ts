// The KV store's compaction filter: what flushes and compactions keep of a key's versions.
// Entries of one key arrive newest first. Per key it keeps:
// - the newest entry (the key's current state), unless it is expired and no newer version
//   exists elsewhere: then the key's life is over and the entry becomes a tombstone (or
//   nothing, at the bottom);
// - the newest `historyDepth` value-setting entries of the current life, and the touch or
//   persist entries between them (they carry the TTL that says where a life ends);
// - nothing older than a life boundary: a tombstone (kept itself where older versions may
//   lie below, so it goes on hiding them), or an entry whose expiry is at or before the
//   next newer entry's write time, which is turned into a tombstone for the same reason.
// History reads (kv_history.ts) walk the same rules, so what this drops is never read.

import { EntryKind } from '../lsm/internal_key.ts';
import {
  FilterDecision, type CompactionFilter, type CompactionFilterRun, type FilterContext,
} from '../lsm/compaction_filter.ts';
import {
  isExpired, lifeEndedBefore, readRecordHeader, type RecordHeader,
} from './kv_record.ts';

export class KvCompactionFilter implements CompactionFilter {
  private readonly historyDepth: number;

  constructor(historyDepth: number) {
    this.historyDepth = historyDepth;
  }

  start(context: FilterContext): CompactionFilterRun {
    return new KvFilterRun(context, this.historyDepth);
  }
}

class KvFilterRun implements CompactionFilterRun {
  private readonly context: FilterContext;
  private readonly historyDepth: number;
  private lifeOver = false;
  private valuesKept = 0;
  private newerWriteTimeMs = -1;
  private readonly record: RecordHeader = { version: 0, writeTimeMs: 0, expiresAtMs: 0,
    ttlOnly: false };

  constructor(context: FilterContext, historyDepth: number) {
    this.context = context;
    this.historyDepth = historyDepth;
  }

  decide(key: Uint8Array, _seq: number, kind: number, value: Uint8Array, first: boolean):
    FilterDecision {
    if (first) {
      this.lifeOver = false;
      this.valuesKept = 0;
      this.newerWriteTimeMs = -1;
    }
    if (this.lifeOver) return FilterDecision.drop;
    if (kind === EntryKind.tombstone) {
      this.lifeOver = true;
      if (first) return FilterDecision.default;
      return this.context.isBottom(key) ? FilterDecision.drop : FilterDecision.keep;
    }
    const record = this.record;
    readRecordHeader(value, record);
    const newerWriteTimeMs = this.newerWriteTimeMs;
    this.newerWriteTimeMs = record.writeTimeMs;
    if (first) {
      if (isExpired(record.expiresAtMs, this.context.nowMs) && !this.context.newerExists(key)) {
        this.lifeOver = true;
        return FilterDecision.expire;
      }
      if (!record.ttlOnly) this.valuesKept += 1;
      return FilterDecision.keep;
    }
    if (newerWriteTimeMs >= 0 && lifeEndedBefore(record.expiresAtMs, newerWriteTimeMs)) {
      this.lifeOver = true;
      return FilterDecision.expire;
    }
    if (this.valuesKept >= this.historyDepth) {
      this.lifeOver = true;
      return FilterDecision.drop;
    }
    if (!record.ttlOnly) this.valuesKept += 1;
    return FilterDecision.keep;
  }
}
