// Catalog: the named entities of one primitive (queues, streams) and their directories.
// User names may hold any character but NUL, so they never become file names: each entity
// lives in `<root>/<id>/` (id zero-padded), and `<root>/<id>/META` — one CRC frame written
// atomically — holds its namespace, name and the owner's settings (JSON).
//
// Creation is crash-safe: the directory is made, META written atomically, the root synced;
// a directory without META is an interrupted creation (or removal) and is removed at open.
// Removal deletes META first (synced) and only then the rest, so a crash mid-removal never
// resurrects half an entity.

import { assert } from '../assert.ts';
import { CorruptionError } from '../errors.ts';
import type { FileSystem } from '../io/file_system.ts';
import { joinPath, writeFileAtomic } from '../io/file_system.ts';
import { compareBytes, fromUtf8, utf8 } from '../codec/bytes.ts';
import { encodeFrame, scanFrames } from '../codec/record_frame.ts';

const META = 'META';
const META_BYTES_MAX = 1 << 20;
const ID_DIGITS = 10;

/** One named entity. `settings` is the owner's JSON-compatible configuration. */
export interface CatalogEntry<S> {
  id: number;
  namespace: string;
  name: string;
  dir: string;
  settings: S;
  createdAtMs: number;
}

interface MetaFile<S> {
  namespace: string;
  name: string;
  settings: S;
  createdAtMs: number;
}

/** What open removed (interrupted creations and removals). */
export interface CatalogRecovery {
  removedDirs: string[];
}

export class Catalog<S> {
  readonly root: string;
  readonly recovery: CatalogRecovery;
  private readonly fs: FileSystem;
  private readonly byKey = new Map<string, CatalogEntry<S>>();
  private nextId = 1;

  private constructor(fs: FileSystem, root: string, recovery: CatalogRecovery) {
    this.fs = fs;
    this.root = root;
    this.recovery = recovery;
  }

  /**
   * Loads every entity under `root`, removing interrupted creations and removals.
   * @throws CorruptionError when a META file is damaged (it was written atomically)
   */
  static async open<S>(fs: FileSystem, root: string): Promise<Catalog<S>> {
    fs.mkdirp(root);
    const recovery: CatalogRecovery = { removedDirs: [] };
    const catalog = new Catalog<S>(fs, root, recovery);
    for (const name of fs.list(root)) {
      const dir = joinPath(root, name);
      if (!/^\d+$/.test(name) || !fs.stat(dir)?.isDirectory) continue;
      const id = Number(name);
      catalog.nextId = Math.max(catalog.nextId, id + 1);
      const meta = readMeta<S>(fs, dir);
      if (meta === null) {
        fs.removeTree(dir);
        recovery.removedDirs.push(name);
        continue;
      }
      catalog.byKey.set(key(meta.namespace, meta.name), { id, dir, ...meta });
    }
    if (recovery.removedDirs.length > 0) await fs.syncDir(root);
    return catalog;
  }

  /** The entity (namespace, name), if it exists. */
  get(namespace: string, name: string): CatalogEntry<S> | undefined {
    return this.byKey.get(key(namespace, name));
  }

  /** Every entity, sorted by namespace then name (bytewise UTF-8). */
  entries(): Array<CatalogEntry<S>> {
    return [...this.byKey.values()].sort(compareEntries);
  }

  /** The entities of one namespace whose names start with `prefix`, sorted by name. */
  list(namespace: string, prefix = ''): Array<CatalogEntry<S>> {
    return this.entries().filter((entry) =>
      entry.namespace === namespace && entry.name.startsWith(prefix));
  }

  /** Creates (namespace, name) with `settings`. REQUIRES: it does not exist yet. */
  async create(
    namespace: string,
    name: string,
    settings: S,
    createdAtMs: number,
  ): Promise<CatalogEntry<S>> {
    assert(this.get(namespace, name) === undefined, 'catalog entry already exists');
    const id = this.nextId++;
    const dir = joinPath(this.root, String(id).padStart(ID_DIGITS, '0'));
    const entry: CatalogEntry<S> = { id, namespace, name, dir, settings, createdAtMs };
    // Visible at once, so a concurrent create of the same name waits on nothing and sees it.
    this.byKey.set(key(namespace, name), entry);
    this.fs.mkdirp(dir);
    await writeMeta(this.fs, entry);
    await this.fs.syncDir(this.root);
    return entry;
  }

  /** Replaces an entity's settings (atomically on disk). */
  async update(entry: CatalogEntry<S>, settings: S): Promise<void> {
    assert(this.byKey.get(key(entry.namespace, entry.name)) === entry, 'unknown entry');
    entry.settings = settings;
    await writeMeta(this.fs, entry);
  }

  /** Removes an entity and every file in its directory. */
  async remove(entry: CatalogEntry<S>): Promise<void> {
    assert(this.byKey.get(key(entry.namespace, entry.name)) === entry, 'unknown entry');
    this.byKey.delete(key(entry.namespace, entry.name));
    this.fs.remove(joinPath(entry.dir, META));
    await this.fs.syncDir(entry.dir);
    this.fs.removeTree(entry.dir);
    await this.fs.syncDir(this.root);
  }
}

/**
 * The entities under `root` without changing anything (interrupted creations are skipped,
 * not removed): for read-only inspectors. @throws CorruptionError for a damaged META
 */
export function readCatalog<S>(fs: FileSystem, root: string): Array<CatalogEntry<S>> {
  const entries: Array<CatalogEntry<S>> = [];
  for (const name of fs.list(root)) {
    const dir = joinPath(root, name);
    if (!/^\d+$/.test(name) || !fs.stat(dir)?.isDirectory) continue;
    const meta = readMeta<S>(fs, dir);
    if (meta !== null) entries.push({ id: Number(name), dir, ...meta });
  }
  return entries.sort(compareEntries);
}

function key(namespace: string, name: string): string {
  return `${namespace}\u0000${name}`;
}

function compareEntries<S>(a: CatalogEntry<S>, b: CatalogEntry<S>): number {
  return compareBytes(utf8(a.namespace), utf8(b.namespace)) ||
    compareBytes(utf8(a.name), utf8(b.name));
}

async function writeMeta<S>(fs: FileSystem, entry: CatalogEntry<S>): Promise<void> {
  const meta: MetaFile<S> = {
    namespace: entry.namespace, name: entry.name, settings: entry.settings,
    createdAtMs: entry.createdAtMs,
  };
  await writeFileAtomic(fs, joinPath(entry.dir, META), encodeFrame(utf8(JSON.stringify(meta))));
}

function readMeta<S>(fs: FileSystem, dir: string): MetaFile<S> | null {
  const path = joinPath(dir, META);
  if (fs.stat(path) === null) return null;
  const scan = scanFrames(fs.readFile(path), META_BYTES_MAX);
  if (scan.stop !== 'end' || scan.payloads.length !== 1) {
    throw new CorruptionError(path, scan.validBytes, `Cannot open catalog entry: ${scan.stop}`);
  }
  const meta = JSON.parse(fromUtf8(scan.payloads[0]!)) as MetaFile<S>;
  if (typeof meta.namespace !== 'string' || typeof meta.name !== 'string') {
    throw new CorruptionError(path, 8, 'Cannot open catalog entry: no namespace or name');
  }
  return meta;
}
