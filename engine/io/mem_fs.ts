// MemFs: an in-memory FileSystem that knows what a crash would keep (Pebble CrashableMem,
// LevelDB fault_injection_test). It serves the `memory` durability mode (trackCrashes off)
// and every crash test (trackCrashes on).
//
// Model, per the rules in file_system.ts:
// - each file (inode) has its live content, its durable content (as of the last sync), and
//   the list of writes/truncations made since, in order;
// - each directory has its durable entries and the list of entry changes (create, remove,
//   rename) made since its last syncDir;
// - `crashClone(prng)` builds the file system a power cut could leave: per directory, the
//   durable entries plus a random prefix of the pending entry changes; per file, the durable
//   content plus a random prefix of the pending writes, the last of which may be torn (only
//   a prefix of its bytes lands, optionally with the rest zero-filled).
// Directories themselves are always durable (the engine creates them once, up front).

import { assert } from '../assert.ts';
import { storageIoError } from '../errors.ts';
import type { FileHandle, FileLock, FileStat, FileSystem, OpenOptions } from './file_system.ts';
import { dirName } from './file_system.ts';
import type { Prng } from './prng.ts';

type FileOp =
  | { kind: 'write'; position: number; data: Uint8Array }
  | { kind: 'truncate'; sizeBytes: number };

type DirOp =
  | { kind: 'link'; path: string; inode: Inode }
  | { kind: 'unlink'; path: string }
  | { kind: 'rename'; from: string; to: string };

/** What a crash clone keeps of the unsynced state. */
export interface CrashOptions {
  /** Allow the last kept write of a file to land only in part (default true). */
  tornWrites?: boolean;
  /** Fill the lost part of a torn write that extended the file with zeros (default false). */
  zeroFill?: boolean;
}

/** Which operation a fault applies to. */
export type FaultOp = 'open' | 'read' | 'write' | 'truncate' | 'sync' | 'syncDir' | 'rename';

interface Fault {
  op: FaultOp;
  pathIncludes: string;
  remaining: number;
}

/** Counters for tests (group commit shows up as fewer syncs than appends). */
export interface MemFsStats {
  syncs: number;
  dirSyncs: number;
  writes: number;
  bytesWritten: number;
}

// A growable byte buffer: the live or the durable content of one file.
class Bytes {
  buffer = new Uint8Array(0);
  sizeBytes = 0;

  write(data: Uint8Array, position: number): void {
    const end = position + data.length;
    this.reserve(end);
    if (position > this.sizeBytes) this.buffer.fill(0, this.sizeBytes, position);
    this.buffer.set(data, position);
    this.sizeBytes = Math.max(this.sizeBytes, end);
  }

  truncate(sizeBytes: number): void {
    this.reserve(sizeBytes);
    // Zero what is cut or added, so a later extension reads zeros, as on a real file.
    if (sizeBytes > this.sizeBytes) this.buffer.fill(0, this.sizeBytes, sizeBytes);
    else this.buffer.fill(0, sizeBytes, this.sizeBytes);
    this.sizeBytes = sizeBytes;
  }

  apply(op: FileOp): void {
    if (op.kind === 'write') this.write(op.data, op.position);
    else this.truncate(op.sizeBytes);
  }

  view(): Uint8Array {
    return this.buffer.subarray(0, this.sizeBytes);
  }

  copy(): Bytes {
    const bytes = new Bytes();
    bytes.write(this.view(), 0);
    return bytes;
  }

  private reserve(capacity: number): void {
    if (capacity <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(capacity, this.buffer.length * 2, 256));
    grown.set(this.buffer.subarray(0, this.sizeBytes));
    this.buffer = grown;
  }
}

class Inode {
  content = new Bytes();
  durable = new Bytes();
  pending: FileOp[] = [];
}

class MemFileHandle implements FileHandle {
  readonly path: string;
  private readonly fs: MemFs;
  private readonly inode: Inode;
  private readonly readOnly: boolean;
  private closed = false;

  constructor(fs: MemFs, path: string, inode: Inode, readOnly: boolean) {
    this.fs = fs;
    this.path = path;
    this.inode = inode;
    this.readOnly = readOnly;
  }

  readAt(buffer: Uint8Array, offset: number, length: number, position: number): number {
    assert(!this.closed, 'read of a closed file');
    this.fs.checkFault('read', this.path);
    const content = this.inode.content;
    const available = Math.max(0, Math.min(length, content.sizeBytes - position));
    buffer.set(content.buffer.subarray(position, position + available), offset);
    return available;
  }

  writeAt(data: Uint8Array, position: number): void {
    assert(!this.closed, 'write to a closed file');
    assert(!this.readOnly, 'write to a read-only file');
    this.fs.checkFault('write', this.path);
    this.inode.content.write(data, position);
    this.fs.stats.writes += 1;
    this.fs.stats.bytesWritten += data.length;
    if (this.fs.trackCrashes) {
      this.inode.pending.push({ kind: 'write', position, data: data.slice() });
    }
  }

  size(): number {
    return this.inode.content.sizeBytes;
  }

  truncate(sizeBytes: number): void {
    assert(!this.closed, 'truncate of a closed file');
    this.fs.checkFault('truncate', this.path);
    this.inode.content.truncate(sizeBytes);
    if (this.fs.trackCrashes) this.inode.pending.push({ kind: 'truncate', sizeBytes });
  }

  async sync(): Promise<void> {
    assert(!this.closed, 'sync of a closed file');
    this.fs.stats.syncs += 1;
    // Only what was written before the call becomes durable, and only once the call returns.
    const opCount = this.inode.pending.length;
    await Promise.resolve();
    this.fs.checkFault('sync', this.path);
    if (!this.fs.trackCrashes) return;
    const inode = this.inode;
    for (const op of inode.pending.slice(0, opCount)) inode.durable.apply(op);
    inode.pending = inode.pending.slice(opCount);
  }

  close(): void {
    this.closed = true;
  }
}

/** In-memory FileSystem with crash simulation and fault injection. */
export class MemFs implements FileSystem {
  readonly trackCrashes: boolean;
  readonly stats: MemFsStats = { syncs: 0, dirSyncs: 0, writes: 0, bytesWritten: 0 };
  private readonly entries = new Map<string, Inode>();
  private readonly durableEntries = new Map<string, Inode>();
  private readonly pendingDirOps = new Map<string, DirOp[]>();
  private readonly dirs = new Set<string>(['/', '.']);
  private readonly locks = new Set<string>();
  private readonly faults: Fault[] = [];

  /** @param options.trackCrashes keep unsynced history for crash clones (default true). */
  constructor(options: { trackCrashes?: boolean } = {}) {
    this.trackCrashes = options.trackCrashes ?? true;
  }

  /** Makes the next `times` calls of `op` on a path containing `pathIncludes` fail (EIO). */
  injectFault(op: FaultOp, pathIncludes = '', times = 1): void {
    this.faults.push({ op, pathIncludes, remaining: times });
  }

  /** Removes every injected fault. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** @internal Throws a StorageIoError when an armed fault matches. */
  checkFault(op: FaultOp, path: string): void {
    const fault = this.faults.find(
      (candidate) => candidate.op === op && path.includes(candidate.pathIncludes),
    );
    if (fault === undefined) return;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
    throw storageIoError(op, path, new Error('EIO: injected fault'));
  }

  openFile(path: string, options: OpenOptions = {}): FileHandle {
    this.checkFault('open', path);
    let inode = this.entries.get(path);
    if (inode !== undefined && options.create && options.exclusive) {
      throw storageIoError('open', path, new Error('EEXIST: file already exists'));
    }
    if (inode === undefined) {
      if (!options.create || options.readOnly) {
        throw storageIoError('open', path, enoent());
      }
      this.requireDir(dirName(path), path);
      inode = new Inode();
      this.entries.set(path, inode);
      this.recordDirOp(path, { kind: 'link', path, inode });
    }
    return new MemFileHandle(this, path, inode, options.readOnly ?? false);
  }

  readFile(path: string): Uint8Array {
    this.checkFault('read', path);
    const inode = this.entries.get(path);
    if (inode === undefined) throw storageIoError('read', path, enoent());
    return inode.content.view().slice();
  }

  stat(path: string): FileStat | null {
    const inode = this.entries.get(path);
    if (inode !== undefined) return { sizeBytes: inode.content.sizeBytes, isDirectory: false };
    if (this.dirs.has(path)) return { sizeBytes: 0, isDirectory: true };
    return null;
  }

  list(dir: string): string[] {
    this.requireDir(dir, dir);
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    const names = new Set<string>();
    for (const path of [...this.entries.keys(), ...this.dirs]) {
      if (!path.startsWith(prefix) || path.length === prefix.length) continue;
      names.add(path.slice(prefix.length).split('/')[0]!);
    }
    return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  mkdirp(dir: string): void {
    const parts = dir.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (prefix.length === 0) continue;
      if (this.entries.has(prefix)) {
        throw storageIoError('create directory', dir, new Error('ENOTDIR: a file is in the way'));
      }
      this.dirs.add(prefix);
    }
  }

  remove(path: string): void {
    if (!this.entries.has(path)) throw storageIoError('remove', path, enoent());
    this.entries.delete(path);
    this.recordDirOp(path, { kind: 'unlink', path });
  }

  removeTree(dir: string): void {
    const prefix = `${dir}/`;
    for (const path of [...this.entries.keys()]) {
      if (path.startsWith(prefix)) this.remove(path);
    }
    for (const path of [...this.dirs]) {
      if (path === dir || path.startsWith(prefix)) this.dirs.delete(path);
    }
  }

  rename(from: string, to: string): void {
    this.checkFault('rename', from);
    assert(dirName(from) === dirName(to), 'MemFs renames only within one directory');
    const inode = this.entries.get(from);
    if (inode === undefined) throw storageIoError(`rename to "${to}"`, from, enoent());
    this.entries.delete(from);
    this.entries.set(to, inode);
    this.recordDirOp(from, { kind: 'rename', from, to });
  }

  async syncDir(dir: string): Promise<void> {
    this.stats.dirSyncs += 1;
    const ops = this.pendingDirOps.get(dir) ?? [];
    const opCount = ops.length;
    await Promise.resolve();
    this.checkFault('syncDir', dir);
    for (const op of ops.slice(0, opCount)) applyDirOp(this.durableEntries, op);
    const rest = (this.pendingDirOps.get(dir) ?? []).slice(opCount);
    if (rest.length === 0) this.pendingDirOps.delete(dir);
    else this.pendingDirOps.set(dir, rest);
  }

  lock(path: string): FileLock {
    if (this.locks.has(path)) {
      throw storageIoError('lock', path, new Error('held by this process'));
    }
    this.locks.add(path);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.locks.delete(path);
      },
    };
  }

  /** A copy of the live state, as if everything had been synced. */
  clone(): MemFs {
    const copy = new MemFs({ trackCrashes: this.trackCrashes });
    for (const dir of this.dirs) copy.dirs.add(dir);
    for (const [path, inode] of this.entries) {
      copy.installFile(path, inode.content.view());
    }
    return copy;
  }

  /**
   * The file system a power cut could leave behind, chosen by `prng`: synced state plus a
   * random prefix of everything unsynced (see the header). Locks are not carried over.
   */
  crashClone(prng: Prng, options: CrashOptions = {}): MemFs {
    assert(this.trackCrashes, 'crashClone needs trackCrashes');
    const entries = new Map(this.durableEntries);
    for (const ops of this.pendingDirOps.values()) {
      const kept = prng.int(0, ops.length + 1);
      for (const op of ops.slice(0, kept)) applyDirOp(entries, op);
    }
    const copy = new MemFs({ trackCrashes: true });
    for (const dir of this.dirs) copy.dirs.add(dir);
    const contents = new Map<Inode, Uint8Array>();
    for (const [path, inode] of entries) {
      let content = contents.get(inode);
      if (content === undefined) {
        content = crashContent(inode, prng, options);
        contents.set(inode, content);
      }
      copy.installFile(path, content);
    }
    return copy;
  }

  /** Bytes of every file that are not yet durable (for tests). */
  unsyncedFiles(): string[] {
    const paths: string[] = [];
    for (const [path, inode] of this.entries) if (inode.pending.length > 0) paths.push(path);
    return paths.sort();
  }

  private installFile(path: string, content: Uint8Array): void {
    const inode = new Inode();
    inode.content.write(content, 0);
    inode.durable.write(content, 0);
    this.entries.set(path, inode);
    this.durableEntries.set(path, inode);
  }

  private recordDirOp(path: string, op: DirOp): void {
    if (!this.trackCrashes) return;
    const dir = dirName(path);
    const ops = this.pendingDirOps.get(dir);
    if (ops === undefined) this.pendingDirOps.set(dir, [op]);
    else ops.push(op);
  }

  private requireDir(dir: string, path: string): void {
    if (!this.dirs.has(dir)) throw storageIoError('open', path, enoent(`no directory "${dir}"`));
  }
}

function applyDirOp(entries: Map<string, Inode>, op: DirOp): void {
  if (op.kind === 'link') {
    entries.set(op.path, op.inode);
  } else if (op.kind === 'unlink') {
    entries.delete(op.path);
  } else {
    const inode = entries.get(op.from);
    entries.delete(op.from);
    if (inode !== undefined) entries.set(op.to, inode);
  }
}

function crashContent(inode: Inode, prng: Prng, options: CrashOptions): Uint8Array {
  const content = inode.durable.copy();
  const kept = prng.int(0, inode.pending.length + 1);
  for (const op of inode.pending.slice(0, kept)) content.apply(op);
  const torn = inode.pending[kept];
  if (torn !== undefined && torn.kind === 'write' && (options.tornWrites ?? true)) {
    const landed = prng.int(0, torn.data.length + 1);
    content.write(torn.data.subarray(0, landed), torn.position);
    const end = torn.position + torn.data.length;
    if (options.zeroFill && end > content.sizeBytes) content.truncate(end);
  }
  return content.view();
}

function enoent(detail = 'no such file'): Error {
  const error = new Error(`ENOENT: ${detail}`) as NodeJS.ErrnoException;
  error.code = 'ENOENT';
  return error;
}
