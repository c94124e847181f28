// Coalesces a queue's journal events into one log batch per event-loop turn: every
// operation of a turn (50 consumers woken by one fsync, say) becomes one batch — one header,
// one CRC, one durability promise — instead of one batch each. Offsets are known at once
// (the queue is its log's only appender: nextOffset counts the buffered records), so the
// queue applies its events at submit as before; the batch is handed to the log in a
// setImmediate callback, after the turn's microtasks, and an operation resolves when its
// batch is durable. A batch is also flushed early when it grows large, and on demand
// (checkpoints, close). If the log refuses a batch (failed, closed), `onFailure` runs: the
// applied state is then ahead of the journal, and the owner must fail.

import { assert } from '../assert.ts';
import { durableWait, type DurableWait } from '../log/durable_wait.ts';
import type { LogRecordInput } from '../log/batch.ts';
import type { SegmentedLog } from '../log/segmented_log.ts';

/** Flush early past these (well inside the log's batch limits). */
const BATCH_RECORDS_MAX = 10_000;
const BATCH_BYTES_MAX = 8 * 1024 * 1024;

interface OpenBatch extends DurableWait {
  records: LogRecordInput[];
  bytes: number;
  baseOffset: number;
}

export class EventBatcher {
  private readonly log: SegmentedLog;
  private readonly onFailure: (error: unknown) => void;
  private open: OpenBatch | null = null;
  /** The latest batch handed to the log, until it is durable. */
  private inFlight: Promise<void> | null = null;

  constructor(log: SegmentedLog, onFailure: (error: unknown) => void) {
    this.log = log;
    this.onFailure = onFailure;
  }

  /** The offset the next added record will get. */
  get nextOffset(): number {
    return this.log.nextOffset + (this.open?.records.length ?? 0);
  }

  /** Adds records (in order); resolves when the batch holding them is durable. */
  add(records: readonly LogRecordInput[], bytes: number): Promise<void> {
    assert(records.length > 0 && records.length <= BATCH_RECORDS_MAX, 'records per add');
    let open = this.open;
    if (open !== null && (open.records.length + records.length > BATCH_RECORDS_MAX ||
      open.bytes + bytes > BATCH_BYTES_MAX)) {
      this.flush();
      open = null;
    }
    if (open === null) open = this.start();
    for (const record of records) open.records.push(record);
    open.bytes += bytes;
    return open.durable;
  }

  /** Hands the open batch to the log now (`writeNow`: AppendOptions.writeNow). */
  flush(writeNow = false): void {
    const open = this.open;
    if (open === null) return;
    this.open = null;
    try {
      const result = this.log.appendNow(open.records, { writeNow });
      assert(result.baseOffset === open.baseOffset, 'the queue is its log\'s only appender');
      result.durable.then(open.resolve, open.reject);
    } catch (error) {
      open.reject(error);
    }
    this.inFlight = open.durable;
  }

  /** Resolves once everything added so far is durable (at once when nothing is pending). */
  settled(): Promise<void> {
    return this.open?.durable ?? this.inFlight ?? Promise.resolve();
  }

  private start(): OpenBatch {
    const open: OpenBatch = {
      records: [], bytes: 0, baseOffset: this.log.nextOffset, ...durableWait(),
    };
    this.open = open;
    // One watcher per batch: clears the in-flight mark, and reports a failure even when no
    // caller awaits this batch (expiry events of a timer tick).
    open.durable.then(() => {
      if (this.inFlight === open.durable) this.inFlight = null;
    }, this.onFailure);
    // At the end of the turn the log may write at once: nothing else will join this batch.
    setImmediate(() => {
      if (this.open === open) this.flush(true);
    });
    return open;
  }
}
