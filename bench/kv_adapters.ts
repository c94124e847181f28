// The stores the `kv` benchmark drives: Flo's KvStore, and the embedded stores a Node user
// would otherwise pick, each in its default durability:
// - lmdb (lmdb-js): every commit is fsynced (its default); puts are batched into
//   transactions by lmdb-js itself;
// - classic-level (LevelDB): writes reach the OS, no fsync (its default `sync: false`);
// - better-sqlite3: journal_mode DELETE, synchronous FULL (its defaults), fsync per commit.
// Peers are devDependencies of bench/peers (its own package.json and lockfile), loaded at
// run time from there, so the root install stays lean.

import { join } from 'node:path';
import { KvStore, NodeFs, OverloadedError, RealClock, type Durability } from '../engine/mod.ts';
import type { Dataset, KvAdapter } from './kv_workload.ts';
import { requirePeer } from './peer_modules.ts';

/** Peer names, with the durability each runs in and the Flo mode it is compared with. */
export const PEERS: ReadonlyArray<{ name: string; durability: string; floMode: Durability }> = [
  { name: 'lmdb', durability: 'fsync per commit (default)', floMode: 'sync' },
  { name: 'classic-level', durability: 'no fsync (default sync: false)', floMode: 'async' },
  { name: 'better-sqlite3', durability: 'fsync per commit (default FULL)', floMode: 'sync' },
];

const view = (bytes: Uint8Array): Buffer =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);

function upperBound(prefix: Uint8Array): Uint8Array {
  const bound = prefix.slice();
  bound[bound.length - 1]! += 1;
  return bound;
}

// Flo refuses a write while background work is behind (OverloadedError); the bench waits
// for room and retries, as a client would.
async function retrying<T>(kv: KvStore, run: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof OverloadedError)) throw error;
      await kv.db.whenWritable();
    }
  }
}

export function floAdapter(durability: Durability): KvAdapter {
  let kv: KvStore;
  return {
    name: 'flo', durability, asyncPuts: true, asyncGets: true,
    async open(dir) {
      kv = await KvStore.open({ fs: new NodeFs(), clock: new RealClock(), dir, durability });
    },
    async putBatch(data: Dataset, start, count) {
      const entries = Array.from({ length: count }, (_, i) =>
        ({ key: data.key(start + i), value: data.value(start + i) }));
      await retrying(kv, () => kv.putMany('', entries));
    },
    async put(key, value) {
      await retrying(kv, () => kv.put('', key, value));
    },
    async get(key) {
      return (await kv.get('', key))?.value;
    },
    async scan(prefix, visit) {
      let count = 0;
      let cursor: Uint8Array | null = null;
      for (;;) {
        const page = await kv.scan('', prefix, { limit: 1000, cursor });
        for (const entry of page.entries) visit(entry.key, entry.value);
        count += page.entries.length;
        if (!page.hasMore) return count;
        cursor = page.cursor;
      }
    },
    close: () => kv.close(),
  };
}

interface Lmdb {
  transaction(run: () => void): Promise<unknown>;
  put(key: Buffer, value: Buffer): Promise<boolean>;
  getBinary(key: Buffer): Buffer | undefined;
  getRange(options: { start: Buffer; end: Buffer }): Iterable<{ key: Buffer; value: Buffer }>;
  close(): Promise<void>;
}

export function lmdbAdapter(): KvAdapter {
  let db: Lmdb;
  return {
    name: 'lmdb', durability: PEERS[0]!.durability, asyncPuts: true, asyncGets: false,
    async open(dir) {
      const lmdb = requirePeer('lmdb') as { open(options: object): Lmdb };
      db = lmdb.open({ path: dir, keyEncoding: 'binary', encoding: 'binary' });
    },
    async putBatch(data, start, count) {
      await db.transaction(() => {
        for (let i = start; i < start + count; i++) {
          void db.put(view(data.key(i)), view(data.value(i)));
        }
      });
    },
    // lmdb-js resolves a put once the transaction holding it commits: await it.
    put: (key, value) => db.put(view(key), view(value)).then(() => undefined),
    get: (key) => db.getBinary(view(key)),
    async scan(prefix, visit) {
      let count = 0;
      for (const { key, value } of db.getRange({ start: view(prefix),
        end: view(upperBound(prefix)) })) {
        visit(key, value);
        count += 1;
      }
      return count;
    },
    close: () => db.close(),
  };
}

interface Level {
  open(): Promise<void>;
  batch(ops: Array<{ type: 'put'; key: Uint8Array; value: Uint8Array }>): Promise<void>;
  put(key: Uint8Array, value: Uint8Array): Promise<void>;
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  iterator(options: object): AsyncIterable<[Uint8Array, Uint8Array]>;
  close(): Promise<void>;
}

export function levelAdapter(): KvAdapter {
  let db: Level;
  return {
    name: 'classic-level', durability: PEERS[1]!.durability, asyncPuts: true,
    asyncGets: true,
    async open(dir) {
      const { ClassicLevel } = requirePeer('classic-level') as {
        ClassicLevel: new (dir: string, options: object) => Level };
      db = new ClassicLevel(dir, { keyEncoding: 'view', valueEncoding: 'view' });
      await db.open();
    },
    putBatch: (data, start, count) => db.batch(Array.from({ length: count }, (_, i) =>
      ({ type: 'put' as const, key: data.key(start + i), value: data.value(start + i) }))),
    put: (key, value) => db.put(key, value),
    get: (key) => db.get(key),
    async scan(prefix, visit) {
      let count = 0;
      for await (const [key, value] of db.iterator({ gte: prefix, lt: upperBound(prefix) })) {
        visit(key, value);
        count += 1;
      }
      return count;
    },
    close: () => db.close(),
  };
}

interface Sqlite {
  exec(sql: string): void;
  prepare(sql: string): {
    run(...args: unknown[]): void;
    get(...args: unknown[]): unknown;
    iterate(...args: unknown[]): Iterable<{ k: Uint8Array; v: Uint8Array }>;
    pluck(): { get(...args: unknown[]): Uint8Array | undefined };
  };
  transaction(run: (start: number, count: number) => void): (start: number, count: number) => void;
  close(): void;
}

export function sqliteAdapter(): KvAdapter {
  let db: Sqlite;
  let insert: ReturnType<Sqlite['prepare']>;
  let select: { get(...args: unknown[]): Uint8Array | undefined };
  let load: (start: number, count: number) => void;
  let data: Dataset | null = null;
  return {
    name: 'better-sqlite3', durability: PEERS[2]!.durability, asyncPuts: false,
    asyncGets: false,
    async open(dir) {
      const Database = requirePeer('better-sqlite3') as new (path: string) => Sqlite;
      db = new Database(join(dir, 'kv.sqlite'));
      db.exec('CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID');
      insert = db.prepare('INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)');
      select = db.prepare('SELECT v FROM kv WHERE k = ?').pluck();
      load = db.transaction((start, count) => {
        for (let i = start; i < start + count; i++) insert.run(data!.key(i), data!.value(i));
      });
    },
    async putBatch(dataset, start, count) {
      data = dataset;
      load(start, count);
    },
    put: (key, value) => void insert.run(key, value),
    get: (key) => select.get(key),
    async scan(prefix, visit) {
      let count = 0;
      const rows = db.prepare('SELECT k, v FROM kv WHERE k >= ? AND k < ? ORDER BY k')
        .iterate(prefix, upperBound(prefix));
      for (const row of rows) {
        visit(row.k, row.v);
        count += 1;
      }
      return count;
    },
    async close() {
      db.close();
    },
  };
}

/** The adapter for a store name ("flo" takes the durability). */
export function adapterFor(name: string, durability: Durability): KvAdapter {
  if (name === 'flo') return floAdapter(durability);
  if (name === 'lmdb') return lmdbAdapter();
  if (name === 'classic-level') return levelAdapter();
  if (name === 'better-sqlite3') return sqliteAdapter();
  throw new Error(`unknown store "${name}"`);
}
