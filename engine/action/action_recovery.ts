// Open-time recovery of the action store: rebuilds the in-memory state from the LSM (actions,
// workers, the id reservation, run records) and the scheduling queues (one message per
// active run, recovered by the queue store from its journals). The queues are the truth of
// what is active and how far (ready/delayed = pending, leased = running, delivery count =
// attempts); a run's LSM record adds what the queue does not know (its task and worker, its
// first start) and tells a run that finished before its message was acked. The two logs
// sync separately, so after a crash either may be ahead of the other; every combination is
// reconciled here (docs/design/actions.md "Recovery" has the full table):
//   record final, message in any state → the message is removed (it may even be ready and
//                                         never delivered, its lease lost with the queue's
//                                         tail): the run stays finished
//   leased, record running, same attempt → running: the task survives with its lease
//   leased, no matching running record  → released (the attempt counts; timed_out if last)
//   ready or delayed, no final record   → pending
//   running record, no message          → lost with its ticket (input); shown as failed by
//                                         recordStatus() (run_state.ts), never offered
//   queue of a deleted action           → purged
// Time: one LSM get per active run plus scans of the actions and workers: O(active runs).

import { assert } from '../assert.ts';
import { CorruptionError } from '../errors.ts';
import { EntryKind } from '../lsm/internal_key.ts';
import type { LsmDb } from '../lsm/db.ts';
import type { QueueStore } from '../queue/queue_store.ts';
import type { HeldMessage, QueueDueEvent } from '../queue/queue_types.ts';
import { toHex } from '../codec/bytes.ts';
import {
  decodeActionRecord, decodeRunRecord, decodeTicket, decodeWorkerRecord, type RunRecord,
} from './action_codec.ts';
import { counterKey, KeyKind, kindPrefix, readValue, runKey, splitKey } from './action_keys.ts';
import { decodeCounter, IdCounter } from './run_ids.ts';
import type { RunScheduler } from './run_scheduler.ts';
import {
  isFinal, parseQueueName, type ActionDef, type ActiveRun, type RunQueue,
} from './run_state.ts';
import type { WorkerRegistry } from './worker_registry.ts';
import type { ActionWriter } from './action_writer.ts';
import { fromUtf8 } from '../codec/bytes.ts';

export interface RecoveryParts {
  db: LsmDb;
  writer: ActionWriter;
  queues: QueueStore;
  scheduler: RunScheduler;
  registry: WorkerRegistry;
  /** What the queue store's onDue hook heard while opening (expiries at open). */
  dueAtOpen: readonly QueueDueEvent[];
}

/** What recovery found, for tests and the design doc's bounds. */
export interface ActionRecoveryReport {
  actions: number;
  workers: number;
  activeRuns: number;
  /** Messages of finished runs removed now, leases released, queues of deleted actions. */
  acked: number;
  released: number;
  orphanQueues: number;
}

export async function recoverActionState(parts: RecoveryParts): Promise<ActionRecoveryReport> {
  const { db, scheduler, registry, queues } = parts;
  const byId = new Map<number, ActionDef>();
  scanKind(db, KeyKind.action, (namespace, rest, value) => {
    const record = decodeActionRecord(value);
    const def: ActionDef = { namespace, name: fromUtf8(rest), record, queues: new Map() };
    scheduler.namespace(namespace).actions.set(def.name, def);
    byId.set(record.actionId, def);
  });
  let workers = 0;
  scanKind(db, KeyKind.worker, (namespace, rest, value) => {
    registry.load(namespace, fromUtf8(rest), decodeWorkerRecord(value));
    workers += 1;
  });
  const counter = db.get(counterKey());
  const reservedId = counter?.kind === EntryKind.value ? decodeCounter(counter.value) : 0;
  const scan: RecoveryScan = {
    report: { actions: byId.size, workers, activeRuns: 0, acked: 0, released: 0,
      orphanQueues: 0 },
    maxId: Math.max(0, ...byId.keys()),
    released: [],
  };
  for (const { namespace, name } of queues.depths()) {
    const parsed = parseQueueName(name);
    const def = parsed === null ? undefined : byId.get(parsed.actionId);
    if (def === undefined || def.namespace !== namespace) {
      scan.report.orphanQueues += 1;
      await queues.purge(namespace, name);
      continue;
    }
    const queue = scheduler.queueFor(def, parsed!.labels);
    const held: HeldMessage[] = [];
    queues.forEachHeld(namespace, name, (message) => held.push(message));
    // The messages of finished runs go in one removal per queue (one sync, not one each).
    const finished: number[] = [];
    for (const message of held) {
      if (!await restoreRun(parts, queue, message, scan)) finished.push(message.seq);
    }
    if (finished.length > 0) {
      const removed = await queues.remove(namespace, name, finished);
      assert(removed === finished.length, `the messages of finished runs in "${name}" go`);
      scan.report.acked += removed;
    }
  }
  scheduler.ids = new IdCounter(db, parts.writer, scan.maxId + 1, reservedId);
  finishRecovery(parts, scan.released, scan.report);
  scan.report.activeRuns = scheduler.runs.size;
  return scan.report;
}

// What the pass over the queues gathers.
interface RecoveryScan {
  report: ActionRecoveryReport;
  /** The highest run or task id seen (in a ticket or a record): counting resumes above. */
  maxId: number;
  /** Running runs whose task nobody holds: released once every run is back. */
  released: ActiveRun[];
}

// One message: the run it carries is restored (true), or false when the run finished.
async function restoreRun(parts: RecoveryParts, queue: RunQueue, message: HeldMessage,
  scan: RecoveryScan): Promise<boolean> {
  const { namespace, name } = queue;
  let ticket;
  try {
    ticket = decodeTicket(message.payload);
  } catch (error) {
    throw new CorruptionError(name, message.seq,
      `Cannot recover action queue "${name}": message ${message.seq}: ${String(error)}`);
  }
  const record = runRecord(parts.db, namespace, ticket.runSeq);
  // A record's task id counts even when its attempt is not the queue's (the lease was lost).
  scan.maxId = Math.max(scan.maxId, ticket.runSeq, record?.taskSeq ?? 0);
  // The ack was lost, and maybe more of the queue's tail with it: the message can be in any
  // state, even ready and never delivered (an ack would not take it). The caller removes it.
  if (record !== null && isFinal(record.status)) return false;
  const scheduler = parts.scheduler;
  const run = scheduler.newRun(ticket.runSeq, queue, ticket.createdAtMs, message.priority,
    ticket.idempotencyKey, ticket.caller);
  run.attempts = message.deliveryCount;
  run.messageSeq = message.seq;
  run.startedAtMs = record?.startedAtMs ?? 0;
  if (message.state === 'dlq') {
    // The internal queues never dead-letter; a message there is offered again.
    await parts.queues.dlqRequeue(namespace, name, [message.seq], { strict: false });
    run.attempts = 0;
  } else if (message.state === 'delayed') {
    run.eligibleAtMs = message.dueMs;
  } else if (message.state === 'leased') {
    run.status = 'running';
    run.deadlineMs = message.dueMs;
    run.leaseMs = message.leaseMs;
    // The task survives only when the record names this very attempt; otherwise nobody was
    // told of it (a task is revealed once both logs hold it): taskSeq 0 marks it released.
    if (record?.status === 'running' && record.attempts === message.deliveryCount) {
      run.taskSeq = record.taskSeq;
      run.workerId = record.workerId;
    }
  }
  scheduler.track(run);
  if (run.status === 'running' && run.taskSeq === 0) scan.released.push(run);
  assert(scheduler.runs.get(run.seq) === run, 'a restored run is active');
  return true;
}

// After every run is back: leases nobody holds are released, and leases that expired while
// opening (the queue released them) count as attempts.
function finishRecovery(parts: RecoveryParts, released: ActiveRun[],
  report: ActionRecoveryReport): void {
  const { scheduler, queues } = parts;
  for (const run of released) {
    report.released += 1;
    scheduler.watch(queues.nack(run.queue.namespace, run.queue.name, [run.messageSeq],
      { strict: false }));
    scheduler.leaseLost(run);
  }
  for (const event of parts.dueAtOpen) {
    const queue = scheduler.namespaces.get(event.namespace)?.queuesByName.get(event.queue);
    if (queue === undefined) continue;
    const bySeq = new Map<number, ActiveRun>();
    for (const run of scheduler.namespace(event.namespace).runsByAction.get(queue.def.name) ??
      []) {
      if (run.queue === queue) bySeq.set(run.messageSeq, run);
    }
    for (const expired of event.expired) {
      const run = bySeq.get(expired.seq);
      if (run === undefined || run.end !== null || run.status !== 'pending') continue;
      if (run.attempts >= queue.def.record.maxRetries + 1) {
        scheduler.finish(run, { status: 'timed_out', output: null, outcome: null,
          error: 'timed out' }, true);
      }
    }
  }
}

function runRecord(db: LsmDb, namespace: string, seq: number): RunRecord | null {
  return readValue(db, runKey(namespace, seq), decodeRunRecord, 'run record');
}

// Every live key of one kind, with its namespace and the rest of its key.
function scanKind(db: LsmDb, kind: KeyKind,
  visit: (namespace: string, rest: Uint8Array, value: Uint8Array) => void): void {
  const prefix = kindPrefix(kind);
  const iterator = db.iterator();
  try {
    for (iterator.seek(prefix); iterator.valid(); iterator.next()) {
      const key = iterator.key();
      if (key[0] !== prefix[0] || key[1] !== prefix[1]) break;
      try {
        const { namespace, rest } = splitKey(key);
        visit(namespace, rest, iterator.value());
      } catch (error) {
        throw new CorruptionError(db.dir, 0, `Cannot recover action key ${toHex(key)}: ` +
          String(error));
      }
    }
  } finally {
    iterator.close();
  }
}
