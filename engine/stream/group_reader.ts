// A group read (spec §7.5.2 READ): redeliverable entries first, in StreamID order
// (dead-lettering those at max_deliver, dropping those whose record is gone), then new
// records past the cursor, up to `count` and within an optional size budget (the server's
// reply limit: a record left out is not delivered). One code path serves a concrete stream
// and a pattern read over several streams, whose candidates are merged by (timestamp, stream
// name, sequence). Decisions are synchronous and take effect through journal events (emitted
// per stream); the returned promise resolves once those events are durable, so a delivery is
// never revealed before a crash could no longer forget it.

import { assert } from '../assert.ts';
import { compareBytes } from '../codec/bytes.ts';
import type { ConsumerGroup } from './consumer_group.ts';
import type { StoredRecord } from './partition.ts';
import type { PendingEntry } from './pending_list.ts';
import { EventKind, type FreshDelivery, type StreamEvent } from './stream_events.ts';
import type { StreamHandle } from './stream_handle.ts';
import { fetchPending, readNew } from './stream_reads.ts';
import type { GroupRecord, RecordBudget, StreamRecord } from './stream_types.ts';

/** One stream's group taking part in a read. */
export interface GroupTarget {
  handle: StreamHandle;
  group: ConsumerGroup;
  /** UTF-8 bytes of the stream name (the pattern merge order). */
  nameBytes: Uint8Array;
}

interface Candidate {
  target: GroupTarget;
  record: StoredRecord;
  entry: PendingEntry | null;
}

interface TargetWork {
  dead: number[];
  dropped: number[];
  redelivered: PendingEntry[];
  fresh: FreshDelivery[];
}

export interface GroupReadResult {
  records: GroupRecord[];
  /** Resolves when every event of the read is durable. */
  durable: Promise<void>;
  /** The targets whose group changed (for the expiry timer). */
  changed: GroupTarget[];
}

/** What one group read asks for. */
export interface GroupReadRequest {
  readonly consumer: string;
  readonly count: number;
  readonly noAck: boolean;
  readonly budget: RecordBudget | null;
}

/**
 * Delivers up to `count` records of `targets` (within `budget`) to `consumer` now. Returns
 * no records when nothing could be delivered (events such as dead letters may still have
 * been emitted).
 */
export function groupReadNow(
  targets: readonly GroupTarget[],
  request: GroupReadRequest,
  nowMs: number,
): GroupReadResult {
  const { consumer, count, noAck } = request;
  assert(count >= 1 && targets.length >= 1, 'a group read wants records from a stream');
  const work = new Map<GroupTarget, TargetWork>();
  for (const target of targets) {
    work.set(target, { dead: [], dropped: [], redelivered: [], fresh: [] });
  }
  const redeliveries: Candidate[] = [];
  for (const target of targets) {
    redeliveries.push(...takeRedeliveries(target, work.get(target)!, count, nowMs));
  }
  const chosen = choose(redeliveries, count, targets.length);
  for (const candidate of redeliveries.slice(chosen.length)) {
    candidate.target.group.requeue(candidate.entry!);
  }
  const remaining = count - chosen.length;
  if (remaining > 0) {
    const fresh: Candidate[] = [];
    for (const target of targets) {
      for (const record of readNew(target.handle, target.group, remaining)) {
        fresh.push({ target, record, entry: null });
      }
    }
    chosen.push(...choose(fresh, remaining, targets.length));
  }
  const records: GroupRecord[] = [];
  const budget = new BudgetCounter(request.budget);
  for (const [index, candidate] of chosen.entries()) {
    const { record } = candidate;
    const delivered: GroupRecord = {
      stream: candidate.target.handle.name, sequence: record.sequence,
      timestampMs: record.timestampMs, partition: record.partition, payload: record.payload,
      headers: record.headers,
      deliveryCount: candidate.entry === null ? 1 : candidate.entry.deliveryCount + 1,
    };
    if (!budget.admits(delivered)) {
      // Over the budget: redeliveries go back in line, new records stay new.
      for (const left of chosen.slice(index)) {
        if (left.entry !== null) left.target.group.requeue(left.entry);
      }
      break;
    }
    const job = work.get(candidate.target)!;
    if (candidate.entry === null) {
      const { sequence, timestampMs, partition, offset } = candidate.record;
      job.fresh.push({ sequence, timestampMs, partition, offset });
    } else {
      job.redelivered.push(candidate.entry);
    }
    records.push(delivered);
  }
  assert(records.length > 0 || chosen.length === 0, 'the first record always fits');
  return { records, ...emitWork(work, consumer, noAck, nowMs) };
}

/** Counts sizes against a RecordBudget (none: everything fits); the first always fits. */
export class BudgetCounter {
  private readonly budget: RecordBudget | null;
  private bytes = 0;
  private admitted = 0;

  constructor(budget: RecordBudget | null) {
    this.budget = budget;
  }

  /** True when `record` fits after those admitted before it (then it counts). */
  admits(record: StreamRecord): boolean {
    if (this.budget !== null) {
      const bytes = this.bytes + this.budget.sizeOf(record);
      if (this.admitted > 0 && bytes > this.budget.bytesMax) return false;
      this.bytes = bytes;
    }
    this.admitted++;
    return true;
  }
}

// Promotes due entries and takes up to `count` ready ones whose records still exist.
function takeRedeliveries(
  target: GroupTarget,
  job: TargetWork,
  count: number,
  nowMs: number,
): Candidate[] {
  const group = target.group;
  job.dead.push(...group.promote(nowMs));
  const out: Candidate[] = [];
  while (out.length < count) {
    const { taken, dead } = group.takeReady(count - out.length);
    job.dead.push(...dead);
    if (taken.length === 0) break;
    const records = fetchPending(target.handle, taken);
    taken.forEach((entry, index) => {
      const record = records[index];
      if (record === null || record === undefined) job.dropped.push(entry.sequence);
      else out.push({ target, record, entry });
    });
  }
  return out;
}

// The first `count` candidates in (timestamp, stream name, sequence) order. Each target's
// candidates are already in that order, so one target needs no sort.
function choose(candidates: Candidate[], count: number, targets: number): Candidate[] {
  if (targets > 1) {
    candidates.sort((a, b) => a.record.timestampMs - b.record.timestampMs ||
      compareBytes(a.target.nameBytes, b.target.nameBytes) ||
      a.record.sequence - b.record.sequence);
  }
  return candidates.slice(0, count);
}

function emitWork(
  work: Map<GroupTarget, TargetWork>,
  consumer: string,
  noAck: boolean,
  nowMs: number,
): Omit<GroupReadResult, 'records'> {
  const durables: Array<Promise<void>> = [];
  const changed: GroupTarget[] = [];
  for (const [target, job] of work) {
    const group = target.group.name;
    const events: StreamEvent[] = [];
    if (job.dead.length > 0) {
      events.push({ kind: EventKind.deadLetter, group, nowMs, sequences: job.dead });
    }
    if (job.dropped.length > 0) {
      events.push({ kind: EventKind.drop, group, sequences: job.dropped });
    }
    if (job.redelivered.length > 0 || job.fresh.length > 0) {
      events.push({ kind: EventKind.deliver, group, consumer, nowMs, noAck,
        redelivered: job.redelivered.map((entry) => entry.sequence), fresh: job.fresh });
    } else if (!target.group.consumers.has(consumer)) {
      events.push({ kind: EventKind.join, group, consumer, nowMs });
    } else {
      // An empty read still counts as activity (idle time); not worth an event of its own.
      target.group.applySeen(consumer, nowMs);
    }
    if (events.length === 0) continue;
    durables.push(target.handle.journal.emit(events));
    changed.push(target);
  }
  return { durable: Promise.all(durables).then(() => undefined), changed };
}
