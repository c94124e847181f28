// Recovery of one queue: open its journal (the log's own recovery cuts a torn tail), restore
// the checkpoint's snapshot, replay every event after it into a QueueState with indexing
// off, then build the indexes once and set the seq counter above the durable reservation.
// Used by Queue.open and by the read-only inspector (on an in-memory copy).

import { CorruptionError } from '../errors.ts';
import { joinPath } from '../io/file_system.ts';
import { Journal, type JournalOptions } from '../log/journal.ts';
import type { LogRecord } from '../log/batch.ts';
import { EventKind, decodeEvent, type QueueEvent } from './queue_events.ts';
import { decodeQueueSnapshot } from './queue_snapshot.ts';
import { QueueState } from './queue_state.ts';
import type { PayloadBudget } from './payload_reader.ts';

/**
 * Opens a queue's journal and rebuilds its state: the checkpoint's snapshot, then every
 * event after it; indexes are built once at the end. Used by Queue.open and the inspector.
 */
export async function recoverQueueState(options: JournalOptions, budget: PayloadBudget) {
  const state = new QueueState(budget);
  state.indexing = false;
  const journal = await Journal.open(options, {
    restore: (snapshot) => {
      try {
        state.restore(decodeQueueSnapshot(snapshot));
      } catch (error) {
        throw replayError(options.dir, -1, error);
      }
    },
    apply: (record) => replayRecord(state, record, budget, options.dir),
  });
  state.rebuildIndexes();
  // Numbers handed out before a crash may be lost with the tail; the reservation is not.
  state.nextSeq = Math.max(state.nextSeq, state.reservedSeq + 1);
  state.checkInvariants();
  return { journal, state };
}

function replayRecord(state: QueueState, record: LogRecord, budget: PayloadBudget,
  dir: string): void {
  let event: QueueEvent;
  try {
    event = decodeEvent(record.key, record.value);
  } catch (error) {
    throw replayError(dir, record.offset, error);
  }
  let payload: Uint8Array | null = null;
  const carries = event.kind === EventKind.enqueue || event.kind === EventKind.relocate;
  if (carries && budget.bytes + record.value.length <= budget.limitBytes) {
    payload = record.value.slice();
  }
  state.apply(event, payload, carries ? record.value.length : 0, record.offset);
}

function replayError(dir: string, offset: number, error: unknown): CorruptionError {
  const reason = error instanceof Error ? error.message : String(error);
  const where = offset < 0 ? 'the checkpoint snapshot' : `the event at journal offset ${offset}`;
  return new CorruptionError(joinPath(dir, offset < 0 ? 'CHECKPOINT' : 'log'), 0,
    `Cannot replay ${where}: ${reason}`, { cause: error });
}
