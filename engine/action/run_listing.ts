// Run listings (ACTION_LIST_RUNS, wire §7.6.5 and §8): the runs of a namespace, or of one
// action, newest first (reverse creation order), a page at a time. Active runs come from
// memory (run_state.ts), finished ones from the LSM: the namespace's run records (keyed by
// inverted sequence, so a forward scan is newest first) or the action's list entries. The
// two are merged by sequence; an LSM entry of a run still in memory is skipped (memory is
// newer). The cursor is 0x01, the sequence of the last run examined and its run id; a page
// resumes strictly below it. With a status filter a page examines at most 10 000 finished
// runs, and may then come back short (or empty) with hasMore set.

import { CorruptionError } from '../errors.ts';
import { startsWith, toHex } from '../codec/bytes.ts';
import type { LsmDb } from '../lsm/db.ts';
import type { DbIterator } from '../lsm/db_iterator.ts';
import { EntryKind } from '../lsm/internal_key.ts';
import { actionListScanMax } from '../limits.ts';
import { decodeListEntry, decodeRunRecord, peekRunRecord } from './action_codec.ts';
import {
  KeyKind, listKey, listPrefix, namespacePrefix, readInvertedSeq, runKey,
} from './action_keys.ts';
import type { RunInfo, RunStatus } from './action_types.ts';
import type { RunScheduler } from './run_scheduler.ts';
import {
  activeRunInfo, recordRunInfo, recordStatus, statusOf, type ActiveRun,
} from './run_state.ts';

export interface RunListRequest {
  namespace: string;
  /** '' for every action of the namespace. */
  action: string;
  status: RunStatus | null;
  limit: number;
  /** Only runs with a smaller sequence (Infinity: from the newest). */
  belowSeq: number;
}

export interface RunListResult {
  runs: RunInfo[];
  /** The sequence of the last run examined (the cursor), when more may follow. */
  nextBelowSeq: number | null;
  /** What the caller waits for before revealing the page. */
  durable: Promise<unknown>;
}

export function listRuns(db: LsmDb, scheduler: RunScheduler, request: RunListRequest) {
  const active = activeRuns(scheduler, request);
  const finished = new FinishedRuns(db, scheduler, request);
  try {
    const runs: RunInfo[] = [];
    const waits: Array<Promise<void>> = [];
    let next = 0;
    let lastSeq = 0;
    while (runs.length < request.limit) {
      const fromMemory = active[next];
      const fromDisk = finished.peek();
      // A filtered scan that reached its budget stops at the last run it examined: nothing
      // below it may be returned before the rest of the disk is examined.
      const memoryOk = fromMemory !== undefined && !(fromDisk === null && finished.blocked &&
        fromMemory.seq < finished.lastSeq);
      if (!memoryOk && fromDisk === null) {
        const nextBelowSeq = finished.blocked ? finished.lastSeq : null;
        return { runs, nextBelowSeq, durable: Promise.all(waits) };
      }
      if (fromDisk === null || (memoryOk && fromMemory!.seq > fromDisk.seq)) {
        runs.push(activeRunInfo(fromMemory!));
        waits.push(fromMemory!.lastChange);
        lastSeq = fromMemory!.seq;
        next += 1;
      } else {
        runs.push(fromDisk.info);
        lastSeq = fromDisk.seq;
        finished.take();
      }
    }
    const more = active[next] !== undefined || finished.peek() !== null || finished.blocked;
    return { runs, nextBelowSeq: more ? lastSeq : null, durable: Promise.all(waits) };
  } finally {
    finished.close();
  }
}

// The active runs the request covers, newest first.
function activeRuns(scheduler: RunScheduler, request: RunListRequest): ActiveRun[] {
  const state = scheduler.namespaces.get(request.namespace);
  const out: ActiveRun[] = [];
  for (const [name, runs] of state?.runsByAction ?? []) {
    if (request.action !== '' && name !== request.action) continue;
    for (const run of runs) {
      if (run.seq >= request.belowSeq) continue;
      if (request.status !== null && statusOf(run) !== request.status) continue;
      out.push(run);
    }
  }
  return out.sort((a, b) => b.seq - a.seq);
}

// Finished runs from the LSM in sequence order (newest first), filtered, one ahead.
class FinishedRuns {
  private readonly iterator: DbIterator;
  private readonly prefix: Uint8Array;
  private readonly db: LsmDb;
  private readonly scheduler: RunScheduler;
  private readonly request: RunListRequest;
  private readonly byAction: boolean;
  private head: { seq: number; info: RunInfo } | null = null;
  private examined = 0;
  /** The scan budget ran out before the end (more may follow below lastSeq). */
  blocked = false;
  lastSeq = 0;

  constructor(db: LsmDb, scheduler: RunScheduler, request: RunListRequest) {
    this.db = db;
    this.scheduler = scheduler;
    this.request = request;
    this.byAction = request.action !== '';
    this.prefix = this.byAction ? listPrefix(request.namespace, request.action)
      : namespacePrefix(KeyKind.run, request.namespace);
    this.iterator = db.iterator();
    const below = request.belowSeq;
    if (below === Infinity) this.iterator.seek(this.prefix);
    else if (this.byAction) this.iterator.seek(listKey(request.namespace, request.action, below));
    else this.iterator.seek(runKey(request.namespace, below));
    this.advance(below);
  }

  peek(): { seq: number; info: RunInfo } | null {
    return this.head;
  }

  take(): void {
    this.iterator.next();
    this.advance(Infinity);
  }

  close(): void {
    this.iterator.close();
  }

  // Moves to the next entry the request wants (below `skipFrom`), or marks the end.
  private advance(skipFrom: number): void {
    this.head = null;
    for (; this.iterator.valid(); this.iterator.next()) {
      const key = this.iterator.key();
      if (!startsWith(key, this.prefix)) break;
      if (this.examined >= actionListScanMax && this.request.status !== null) {
        this.blocked = true;
        return;
      }
      const seq = readInvertedSeq(key, this.prefix.length);
      if (seq >= skipFrom) continue;
      this.examined += 1;
      this.lastSeq = seq;
      if (this.scheduler.runs.get(seq)?.queue.namespace === this.request.namespace) continue;
      const info = this.entry(key, seq, this.iterator.value());
      if (info === null) continue;
      this.head = { seq, info };
      return;
    }
  }

  private entry(key: Uint8Array, seq: number, value: Uint8Array): RunInfo | null {
    const status = this.request.status;
    try {
      if (!this.byAction) {
        if (status !== null && recordStatus(peekRunRecord(value).status) !== status) return null;
        return recordRunInfo(seq, decodeRunRecord(value));
      }
      if (status !== null && decodeListEntry(value).status !== status) return null;
      // The record and its list entry expire separately: a list entry may outlive it.
      const record = this.db.get(runKey(this.request.namespace, seq));
      if (record === undefined || record.kind !== EntryKind.value) return null;
      return recordRunInfo(seq, decodeRunRecord(record.value));
    } catch (error) {
      throw new CorruptionError(this.db.dir, 0, `Cannot list run entry ${toHex(key)}: ` +
        String(error));
    }
  }
}
