// The transaction registry (wire spec §7.2.10): open transactions by id, each bound to a
// namespace (not to a connection), buffering its writes in order until commit or rollback.
// A transaction with no op for `idleMs` is rolled back on the store's clock. Ids come from
// the store's durable counter (kv_counters.ts), so they are never reused.
//
// The registry only keeps buffers and checks who may use them; reading a transaction's view
// and committing it are the store's (kv_store.ts), through kv_apply.ts.

import { assert } from '../assert.ts';
import { EngineError, ErrorCode } from '../errors.ts';
import { kvTxnBytesMax, kvTxnOpsMax } from '../limits.ts';
import type { Clock } from '../io/clock.ts';
import type { KvWrite } from './kv_apply.ts';
import type { DeadlineHandle, DeadlineQueue } from './deadline_queue.ts';

export interface Transaction {
  readonly id: number;
  readonly namespace: string;
  readonly writes: KvWrite[];
  bytes: number;
  idle: DeadlineHandle;
}

export class TxnRegistry {
  private readonly open = new Map<number, Transaction>();
  private readonly deadlines: DeadlineQueue;
  private readonly clock: Clock;
  private readonly idleMs: number;

  constructor(deadlines: DeadlineQueue, clock: Clock, idleMs: number) {
    this.deadlines = deadlines;
    this.clock = clock;
    this.idleMs = idleMs;
  }

  /** Open transactions. */
  get count(): number {
    return this.open.size;
  }

  /** Registers a new transaction `id` in `namespace`. */
  begin(id: number, namespace: string): Transaction {
    assert(!this.open.has(id), `transaction ${id} is open`);
    const txn: Transaction = { id, namespace, writes: [], bytes: 0, idle: this.idleDeadline(id) };
    this.open.set(id, txn);
    return txn;
  }

  /**
   * The open transaction `id`, used from `namespace`; restarts its idle clock.
   * @throws EngineError NO_ACTIVE_TRANSACTION (unknown, finished or expired id) or
   * CROSS_NAMESPACE_TRANSACTION (it belongs to another namespace)
   */
  use(id: number, namespace: string): Transaction {
    const txn = this.open.get(id);
    if (txn === undefined) {
      throw new EngineError(ErrorCode.noActiveTransaction, 'unknown transaction');
    }
    if (txn.namespace !== namespace) {
      throw new EngineError(ErrorCode.crossNamespaceTransaction,
        'transaction belongs to another namespace');
    }
    txn.idle.cancel();
    txn.idle = this.idleDeadline(id);
    return txn;
  }

  /**
   * Buffers `write`. The write that goes over the op or byte limit discards the transaction.
   * @throws RangeError naming the limit
   */
  add(txn: Transaction, write: KvWrite): void {
    const bytes = write.key.length + (write.kind === 'put' ? write.value.length : 0) +
      (write.kind === 'jsonSet' ? write.json.length * 3 : 0);
    if (txn.writes.length + 1 > kvTxnOpsMax || txn.bytes + bytes > kvTxnBytesMax) {
      this.end(txn.id);
      throw new RangeError(`a transaction holds at most ${kvTxnOpsMax} writes and ` +
        `${kvTxnBytesMax} bytes; it was discarded`);
    }
    txn.writes.push(write);
    txn.bytes += bytes;
  }

  /** Ends transaction `id` (commit or rollback); later uses get NO_ACTIVE_TRANSACTION. */
  end(id: number): void {
    const txn = this.open.get(id);
    if (txn === undefined) return;
    txn.idle.cancel();
    this.open.delete(id);
  }

  /** Ends every transaction of `namespace` (a forced namespace delete). */
  dropNamespace(namespace: string): void {
    for (const txn of [...this.open.values()]) {
      if (txn.namespace === namespace) this.end(txn.id);
    }
  }

  /** Ends every transaction (the store is closing). */
  close(): void {
    for (const id of [...this.open.keys()]) this.end(id);
  }

  private idleDeadline(id: number): DeadlineHandle {
    return this.deadlines.schedule(this.clock.nowMs() + this.idleMs, () => this.end(id));
  }
}
