// openFlo: one engine over one data directory — the KV store, queues, streams, actions and
// workers an embedded user (or the server) works with, sharing one durability mode, one
// FileSystem and one Clock. It owns the directory lock (one process per data directory),
// the namespace registry, and the order of opening and closing.
//
//   <dir>/LOCK          held while open (pid inside; a stale lock of a dead process is taken)
//   <dir>/NAMESPACES    explicitly created namespaces (CRC frame, JSON list, atomic writes)
//   <dir>/kv/           the KV store's LSM (engine/kv, engine/lsm)
//   <dir>/queues/       the queue store (engine/queue)
//   <dir>/streams/      the stream store (engine/stream)
//   <dir>/actions/      the action store's scheduling queues (engine/action; its records are
//                       in the KV store's LSM under their own key tag)
//
// Durability 'memory' uses an in-memory FileSystem: nothing touches the disk.

import { assert } from './assert.ts';
import { ConflictError, CorruptionError, NotFoundError } from './errors.ts';
import type { FileLock, FileSystem } from './io/file_system.ts';
import { joinPath, writeFileAtomic } from './io/file_system.ts';
import { NodeFs } from './io/node_fs.ts';
import { MemFs } from './io/mem_fs.ts';
import { RealClock, type Clock } from './io/clock.ts';
import { fromUtf8, utf8 } from './codec/bytes.ts';
import { encodeFrame, scanFrames } from './codec/record_frame.ts';
import type { Durability } from './log/segmented_log.ts';
import { KvStore, type KvOptions } from './kv/kv_store.ts';
import { QueueStore } from './queue/queue_store.ts';
import type { QueueStoreOptions } from './queue/queue_types.ts';
import { StreamStore } from './stream/stream_store.ts';
import type { StreamStoreOptions } from './stream/stream_types.ts';
import { ActionStore } from './action/action_store.ts';
import type { ActionStoreOptions } from './action/action_types.ts';
import type { WorkerRegistry } from './action/worker_registry.ts';

export interface FloOptions {
  /** Data directory (created if missing). Ignored for durability 'memory'. */
  dir: string;
  /** Default 'sync': every acknowledged write is fsynced (group commit). */
  durability?: Durability;
  /** fsync period of the async mode (default 100 ms). */
  syncIntervalMs?: number;
  /** Defaults to the real disk (or memory for durability 'memory'). */
  fs?: FileSystem;
  /** Defaults to the machine's clock. */
  clock?: Clock;
  /** KV settings beyond the shared ones (history depth, transaction idle time, LSM sizes). */
  kv?: Pick<KvOptions, 'historyDepth' | 'txnIdleMs' | 'lsm'>;
  /** Queue settings beyond the shared ones (defaults per queue, caches, parked limit). */
  queue?: Omit<QueueStoreOptions, 'fs' | 'clock' | 'dir' | 'durability' | 'syncIntervalMs'>;
  /** Stream settings beyond the shared ones (segment sizes, default partitions). */
  stream?: Omit<StreamStoreOptions, 'fs' | 'clock' | 'dir' | 'durability' | 'syncIntervalMs'>;
  /** Action settings beyond the shared ones (retention, worker timeout, backoff, limits). */
  action?: Omit<ActionStoreOptions, 'fs' | 'clock' | 'db' | 'dir' | 'durability' |
    'syncIntervalMs'>;
}

/** A part of the engine with data per namespace (KV, queues, streams, actions, workers). */
export interface NamespacedStore {
  /** True when the namespace holds any of this store's data. */
  namespaceHoldsData(namespace: string): boolean;
  /** Every namespace this store holds data in. */
  namespacesWithData(): string[];
  /** Removes all of the namespace's data (forced namespace delete). */
  dropNamespace(namespace: string): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_NAMESPACE = 'default';
const NAMESPACE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
const RESERVED_NAMESPACE = /^(_sys|_internal|_flo)([:.].*)?$/;

/** The namespace part of the API (spec §7.1.3). */
export class Namespaces {
  private readonly explicit: Set<string>;
  private readonly fs: FileSystem;
  private readonly path: string;
  private readonly stores: () => NamespacedStore[];
  /** The NAMESPACES write not yet started: later changes join it (one write for many). */
  private persistQueued: Promise<void> | null = null;
  private failure: Error | null = null;
  /** The last write queued; each write starts after the one before has finished. */
  private persistTail: Promise<void> = Promise.resolve();

  constructor(
    fs: FileSystem,
    path: string,
    explicit: Set<string>,
    stores: () => NamespacedStore[],
  ) {
    this.fs = fs;
    this.path = path;
    this.explicit = explicit;
    this.stores = stores;
  }

  /**
   * True when the namespace was created, holds data, or is "default". Waits for a pending
   * registry write first, so it never reveals a creation or deletion that is not durable.
   */
  async exists(namespace: string): Promise<boolean> {
    await this.settled();
    return this.existsNow(namespace);
  }

  /** Every existing namespace, sorted bytewise, always including "default" (durable view). */
  async list(): Promise<string[]> {
    await this.settled();
    const names = new Set<string>([DEFAULT_NAMESPACE, ...this.explicit]);
    for (const store of this.stores()) {
      for (const name of store.namespacesWithData()) names.add(name);
    }
    return [...names].sort((a, b) => Buffer.compare(utf8(a), utf8(b)));
  }

  // The applied view: conditions of later changes see earlier ones at once.
  private existsNow(namespace: string): boolean {
    return namespace === DEFAULT_NAMESPACE || this.explicit.has(namespace) ||
      this.stores().some((store) => store.namespaceHoldsData(namespace));
  }

  // Resolves once every registry write started so far is durable; throws the failure of a
  // write that failed (the registry then refuses everything until reopened).
  private async settled(): Promise<void> {
    await this.persistTail;
    if (this.failure !== null) throw this.failure;
  }

  /**
   * Creates a namespace. @throws RangeError for an invalid or reserved name, ConflictError
   * when it exists (including "default").
   */
  async create(namespace: string): Promise<void> {
    checkNamespaceName(namespace);
    if (this.failure !== null) throw this.failure;
    if (this.existsNow(namespace)) throw new ConflictError(`namespace "${namespace}" exists`);
    this.explicit.add(namespace);
    await this.persist();
  }

  /**
   * Deletes a namespace; with `force`, all of its data too.
   * @throws RangeError for "default" or a reserved name, NotFoundError, ConflictError when it
   * holds data and `force` is not set
   */
  async delete(namespace: string, options: { force?: boolean } = {}): Promise<void> {
    if (namespace === DEFAULT_NAMESPACE || RESERVED_NAMESPACE.test(namespace)) {
      throw new RangeError(`namespace "${namespace}" cannot be deleted`);
    }
    if (this.failure !== null) throw this.failure;
    if (!this.existsNow(namespace)) throw new NotFoundError(`namespace "${namespace}" not found`);
    const stores = this.stores().filter((store) => store.namespaceHoldsData(namespace));
    if (stores.length > 0 && !options.force) {
      throw new ConflictError('namespace is not empty');
    }
    for (const store of stores) await store.dropNamespace(namespace);
    if (this.explicit.delete(namespace)) await this.persist();
  }

  /**
   * Writes the registry. Writes never overlap (two writeFileAtomic calls would share one
   * temporary file, and the second rename would fail), and each writes the set as it is when
   * it starts, so a change joins the queued write when there is one.
   */
  private persist(): Promise<void> {
    if (this.persistQueued !== null) return this.persistQueued;
    const write = this.persistTail.then(() => {
      this.persistQueued = null;
      const list = [...this.explicit].sort();
      return writeFileAtomic(this.fs, this.path, encodeFrame(utf8(JSON.stringify(list))));
    });
    this.persistQueued = write;
    // A failed write fails its callers and the registry (NATS mb.werr): memory may now be
    // ahead of the disk, so nothing more is written or revealed until a reopen.
    this.persistTail = write.catch((error: unknown) => {
      this.failure ??= error instanceof Error ? error : new Error(String(error));
    });
    return write;
  }
}

/** Throws RangeError unless `namespace` is a valid, non-reserved name for creation. */
export function checkNamespaceName(namespace: string): void {
  if (!NAMESPACE_NAME.test(namespace)) {
    throw new RangeError(`invalid namespace name "${namespace}": 1-128 of A-Z a-z 0-9 _ - . ` +
      'starting with a letter or _');
  }
  if (RESERVED_NAMESPACE.test(namespace)) {
    throw new RangeError(`namespace name "${namespace}" is reserved`);
  }
}

function readNamespaces(fs: FileSystem, path: string): Set<string> {
  if (fs.stat(path) === null) return new Set();
  const scan = scanFrames(fs.readFile(path), 1 << 24);
  if (scan.stop !== 'end' || scan.payloads.length !== 1) {
    throw new CorruptionError(path, scan.validBytes, `Cannot read namespaces: ${scan.stop}`);
  }
  const list = JSON.parse(fromUtf8(scan.payloads[0]!)) as unknown;
  if (!Array.isArray(list) || !list.every((name) => typeof name === 'string')) {
    throw new CorruptionError(path, 8, 'Cannot read namespaces: not a list of names');
  }
  return new Set(list as string[]);
}

/** An open engine. */
export class Flo {
  /** The KV store: versions, TTLs, history, blocking gets, scans, JSON, transactions. */
  readonly kv: KvStore;
  /** Work queues with leases, retries and a dead-letter queue. */
  readonly queue: QueueStore;
  /** Append-only, partitioned streams with consumer groups. */
  readonly stream: StreamStore;
  /** Actions: registered tasks, invoked as runs that workers take, retry and complete. */
  readonly action: ActionStore;
  /** The workers of the actions (registration, heartbeats, drain). */
  readonly worker: WorkerRegistry;
  readonly dir: string;
  readonly durability: Durability;
  readonly fs: FileSystem;
  readonly clock: Clock;
  readonly namespaces: Namespaces;
  private readonly stores: NamespacedStore[] = [];
  private readonly lock: FileLock;
  private closed = false;

  private constructor(base: FloBase, kv: KvStore, queue: QueueStore, stream: StreamStore,
    action: ActionStore) {
    this.kv = kv;
    this.queue = queue;
    this.stream = stream;
    this.action = action;
    this.worker = action.workers;
    this.dir = base.dir;
    this.durability = base.durability;
    this.fs = base.fs;
    this.clock = base.clock;
    this.lock = base.lock;
    this.stores.push(kv, queue, stream, action);
    this.namespaces = new Namespaces(this.fs, joinPath(this.dir, 'NAMESPACES'),
      readNamespaces(this.fs, joinPath(this.dir, 'NAMESPACES')), () => this.stores);
  }

  /** @internal Opens every store under the directory lock; see openFlo. */
  static async open(options: FloOptions): Promise<Flo> {
    const durability = options.durability ?? 'sync';
    const fs = options.fs ?? (durability === 'memory' ? new MemFs({ trackCrashes: false })
      : new NodeFs());
    const clock = options.clock ?? new RealClock();
    fs.mkdirp(options.dir);
    const base: FloBase = {
      dir: options.dir, durability, fs, clock, lock: fs.lock(joinPath(options.dir, 'LOCK')),
    };
    const shared = { fs, clock, durability, syncIntervalMs: options.syncIntervalMs };
    const opened: NamespacedStore[] = [];
    const track = <T extends NamespacedStore>(store: T): T => {
      opened.push(store);
      return store;
    };
    try {
      const kv = track(await KvStore.open({
        ...options.kv, ...shared, dir: joinPath(options.dir, 'kv'),
      }));
      const queue = track(await QueueStore.open({
        ...options.queue, ...shared, dir: joinPath(options.dir, 'queues'),
      }));
      const stream = track(await StreamStore.open({
        ...options.stream, ...shared, dir: joinPath(options.dir, 'streams'),
      }));
      const action = track(await ActionStore.open({
        ...options.action, ...shared, db: kv.db, dir: joinPath(options.dir, 'actions'),
      }));
      return new Flo(base, kv, queue, stream, action);
    } catch (error) {
      for (const store of opened.reverse()) await store.close().catch(() => undefined);
      base.lock.release();
      throw error;
    }
  }

  /** @internal Registers a primitive for namespace queries and closing (in reverse order). */
  attach<T extends NamespacedStore>(store: T): T {
    assert(!this.closed, 'attach to a closed engine');
    this.stores.push(store);
    return store;
  }

  /** Closes every primitive (flushing and fsyncing), then releases the directory lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      for (const store of [...this.stores].reverse()) await store.close();
    } finally {
      this.lock.release();
    }
  }
}

/**
 * Opens the engine over `options.dir` (created if missing), recovering every store.
 * @throws StorageIoError when another process holds the directory, CorruptionError when a
 * store cannot recover without repair
 * @example
 * const flo = await openFlo({ dir: './data' });
 * await flo.namespaces.create('tenant-a');
 * await flo.close();
 */
export async function openFlo(options: FloOptions): Promise<Flo> {
  return Flo.open(options);
}

interface FloBase {
  dir: string;
  durability: Durability;
  fs: FileSystem;
  clock: Clock;
  lock: FileLock;
}
