// The KV store's option and result types (the public shapes of engine/kv/kv_store.ts,
// exported through engine/mod.ts).

import type { Clock } from '../io/clock.ts';
import type { FileSystem } from '../io/file_system.ts';
import type { LsmOptions } from '../lsm/db_options.ts';
import type { Durability } from '../log/segmented_log.ts';

export type { KvEntry } from './kv_waiters.ts';

export interface KvOptions {
  fs: FileSystem;
  clock: Clock;
  /** The LSM directory. */
  dir: string;
  /** Default 'sync'. */
  durability?: Durability;
  syncIntervalMs?: number;
  /** History entries kept per key (default 8, spec minimum). */
  historyDepth?: number;
  /** Idle time after which an open transaction is rolled back (default 30 000 ms). */
  txnIdleMs?: number;
  /** LSM tuning (memtable size, compaction, caches). */
  lsm?: Omit<LsmOptions, 'fs' | 'clock' | 'dir' | 'durability' | 'syncIntervalMs'>;
}

export interface KvPutOptions {
  /** Expiry after this many ms (0 or absent: none). Every put replaces the TTL. */
  ttlMs?: number;
  /** 0: the key must be missing; N: the key must exist with version N. */
  casVersion?: number;
  ifNotExists?: boolean;
  ifExists?: boolean;
  txnId?: number;
}

export interface KvGetOptions {
  /** Wait up to this long for a missing key to be created. */
  blockMs?: number;
  /** Wait up to this long for a version newer than the current one (wins over blockMs). */
  waitMs?: number;
  signal?: AbortSignal;
  /**
   * Called synchronously at the moment the get starts to wait (never when it answers at
   * once); returning false refuses the wait: the get then resolves null having parked
   * nothing (the server's parked limit, spec §3.3).
   */
  onPark?: () => boolean;
  txnId?: number;
}

export interface KvScanOptions {
  /** Page size: default 100, clamped to 1 000. */
  limit?: number;
  /** From the previous page; resumes strictly after its last key. */
  cursor?: Uint8Array | null;
  keysOnly?: boolean;
  /** User-key prefixes to leave out (the server's reserved prefixes). */
  excludePrefixes?: readonly Uint8Array[];
}

export interface KvExists {
  present: boolean;
  /** 0 when missing, and for a value buffered in the transaction. */
  version: number;
}

export interface KvCommit {
  /** The version every key the commit set now has; 0 for an empty transaction. */
  version: number;
  opCount: number;
}
