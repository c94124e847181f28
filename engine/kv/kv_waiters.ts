// Blocking gets (wire spec §3.3, §7.2.3, §9.8): waiters parked on a key, woken by the write,
// deletion or expiry that answers them, never by polling. A `block` waiter wants the key to
// exist; a `wait` waiter wants a version above the one it saw on arrival, and is answered
// "missing" when the key it saw is deleted or expires. Waiters of a key are served in the
// order they parked. A timeout, an abort or a namespace drop answers "missing" (the timeout
// outcome) and takes nothing. An answer that reveals a write is delivered once that write
// is durable (engine model §1).
//
// Expiry: a `wait` waiter on a key with a TTL has a deadline at the key's expiry (re-armed
// when a touch moves it); all deadlines share the store's DeadlineQueue.

import { assert } from '../assert.ts';
import { copyBytes } from '../codec/copy_bytes.ts';
import type { DeadlineHandle, DeadlineQueue } from './deadline_queue.ts';

/** A value and its version, as a get returns it. */
export interface KvEntry {
  /** A copy owned by the caller (copy_bytes.ts: a small one is a view on a shared slab). */
  value: Uint8Array;
  version: number;
}

/** The state of a key as the waiters see it. */
export interface WatchedState {
  exists: boolean;
  version: number;
  value: Uint8Array;
  expiresAtMs: number;
}

interface Waiter {
  mode: 'block' | 'wait';
  baseVersion: number;
  existed: boolean;
  namespace: string;
  settle: (answer: Promise<KvEntry | null> | KvEntry | null) => void;
  timeout: DeadlineHandle;
  detach: () => void;
}

interface KeyWaiters {
  namespace: string;
  key: Uint8Array;
  waiters: Waiter[];
  expiry: DeadlineHandle | null;
}

/** Names a key in the waiter map: the namespace, NUL, the key's bytes as latin1. */
function keyId(namespace: string, key: Uint8Array): string {
  return `${namespace}\0${Buffer.from(key.buffer, key.byteOffset, key.length)
    .toString('latin1')}`;
}

export class KvWaiters {
  private readonly deadlines: DeadlineQueue;
  private readonly readState: (namespace: string, key: Uint8Array) => WatchedState;
  private readonly byKey = new Map<string, KeyWaiters>();
  private parked = 0;

  /** @param readState the key's committed state now (for expiry checks) */
  constructor(
    deadlines: DeadlineQueue, readState: (namespace: string, key: Uint8Array) => WatchedState,
  ) {
    this.deadlines = deadlines;
    this.readState = readState;
  }

  /** Waiters parked now. */
  get count(): number {
    return this.parked;
  }

  /** True when some waiter is parked (writes skip notify() otherwise). */
  get active(): boolean {
    return this.parked > 0;
  }

  /**
   * Parks a get on `key` of `namespace`, whose current state is `state`. Resolves with the
   * answering state, or null on timeout, abort, deletion or expiry (mode `wait`), or close.
   */
  park(
    namespace: string, key: Uint8Array, mode: 'block' | 'wait', state: WatchedState,
    timeoutMs: number, nowMs: number, signal: AbortSignal | undefined,
  ): Promise<KvEntry | null> {
    assert(mode === 'wait' || !state.exists, 'a block waiter parks only on a missing key');
    if (signal?.aborted) return Promise.resolve(null);
    const id = keyId(namespace, key);
    let entry = this.byKey.get(id);
    if (entry === undefined) {
      entry = { namespace, key: key.slice(), waiters: [], expiry: null };
      this.byKey.set(id, entry);
    }
    const list = entry;
    return new Promise<KvEntry | null>((resolve, reject) => {
      let done = false;
      const onAbort = (): void => waiter.settle(null);
      const waiter: Waiter = {
        mode, baseVersion: state.exists ? state.version : 0, existed: state.exists, namespace,
        settle: (answer) => {
          if (done) return;
          done = true;
          this.parked -= 1;
          waiter.timeout.cancel();
          waiter.detach();
          this.remove(id, list, waiter);
          Promise.resolve(answer).then(resolve, reject);
        },
        timeout: this.deadlines.schedule(nowMs + timeoutMs, () => waiter.settle(null)),
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      list.waiters.push(waiter);
      this.parked += 1;
      if (mode === 'wait' && state.exists) this.watchExpiry(id, list, state.expiresAtMs);
    });
  }

  /**
   * A write changed `key` of `namespace` to `state`; `durable` resolves once that write is
   * durable. Answers the waiters it satisfies, in parking order.
   */
  notify(namespace: string, key: Uint8Array, state: WatchedState, durable: Promise<void>): void {
    const id = keyId(namespace, key);
    const list = this.byKey.get(id);
    if (list === undefined) return;
    for (const waiter of [...list.waiters]) {
      if (state.exists && (waiter.mode === 'block' || state.version > waiter.baseVersion)) {
        const answer = { value: copyBytes(state.value), version: state.version };
        waiter.settle(durable.then(() => answer));
      } else if (!state.exists && waiter.mode === 'wait' && waiter.existed) {
        waiter.settle(durable.then(() => null));
      }
    }
    if (this.byKey.get(id) === list && state.exists) this.watchExpiry(id, list, state.expiresAtMs);
  }

  /** Gives every waiter in `namespace` its timeout outcome now. */
  dropNamespace(namespace: string): void {
    for (const list of [...this.byKey.values()]) {
      for (const waiter of [...list.waiters]) {
        if (waiter.namespace === namespace) waiter.settle(null);
      }
    }
  }

  /** Gives every waiter its timeout outcome (the store is closing). */
  close(): void {
    for (const list of [...this.byKey.values()]) {
      for (const waiter of [...list.waiters]) waiter.settle(null);
    }
    assert(this.parked === 0, 'every waiter was answered');
  }

  // Arms an expiry check for the `wait` waiters of a key that existed when they parked.
  private watchExpiry(id: string, list: KeyWaiters, expiresAtMs: number): void {
    list.expiry?.cancel();
    list.expiry = null;
    if (expiresAtMs === 0 || !list.waiters.some((w) => w.mode === 'wait' && w.existed)) return;
    list.expiry = this.deadlines.schedule(expiresAtMs, () => {
      list.expiry = null;
      const state = this.readState(list.namespace, list.key);
      if (state.exists) {
        this.watchExpiry(id, list, state.expiresAtMs);
        return;
      }
      for (const waiter of [...list.waiters]) {
        if (waiter.mode === 'wait' && waiter.existed) waiter.settle(null);
      }
    });
  }

  private remove(id: string, list: KeyWaiters, waiter: Waiter): void {
    const index = list.waiters.indexOf(waiter);
    assert(index >= 0, 'a settled waiter was parked');
    list.waiters.splice(index, 1);
    if (list.waiters.length === 0) {
      list.expiry?.cancel();
      if (this.byKey.get(id) === list) this.byKey.delete(id);
    }
  }
}
