// The FileSystem seam (LevelDB Env, Pebble vfs). Everything above engine/io reaches the disk
// only through this interface, so tests can swap in MemFs, which tracks synced and unsynced
// bytes and produces crash clones.
//
// Reads, writes, truncation and directory changes are synchronous: they hit the page cache
// and cost microseconds, and a synchronous write keeps the byte order in the file equal to
// the call order. Only `sync()` and `syncDir()` are asynchronous, because an fsync takes
// milliseconds and the event loop must keep serving (that is where group commit comes from).
//
// Durability rules, which MemFs enforces and NodeFs inherits from POSIX:
// - bytes written to a file are durable only after `sync()` on that file resolves;
// - a created, removed or renamed directory entry is durable only after `syncDir(parent)`.
// Paths are POSIX-style strings; `joinPath` builds them.

/** An open file. Positions and sizes are byte counts (safe integers). */
export interface FileHandle {
  readonly path: string;
  /**
   * Reads up to `length` bytes at file position `position` into `buffer` at `offset`.
   * @returns bytes read; fewer than `length` only at end of file.
   */
  readAt(buffer: Uint8Array, offset: number, length: number, position: number): number;
  /** Writes all of `data` at file position `position` (may extend the file). */
  writeAt(data: Uint8Array, position: number): void;
  /** Current size in bytes (including unsynced writes). */
  size(): number;
  /** Cuts or extends (with zeros) the file to `sizeBytes`. */
  truncate(sizeBytes: number): void;
  /** Makes every write and truncation made before the call durable. */
  sync(): Promise<void>;
  /** Closes the handle. REQUIRES: no sync() in flight. */
  close(): void;
}

export interface OpenOptions {
  /** Create the file if missing (default false). */
  create?: boolean;
  /** With `create`, fail if the file already exists. */
  exclusive?: boolean;
  /** Open for reading only. */
  readOnly?: boolean;
}

export interface FileStat {
  sizeBytes: number;
  isDirectory: boolean;
}

/** A held exclusive lock on a path (one process per data directory). */
export interface FileLock {
  release(): void;
}

export interface FileSystem {
  /** Opens (and with `create`, creates) a file. Throws StorageIoError. */
  openFile(path: string, options?: OpenOptions): FileHandle;
  /** Reads a whole file. Throws StorageIoError (code ENOENT inside `cause` when missing). */
  readFile(path: string): Uint8Array;
  /** Metadata of a path, or null when it does not exist. */
  stat(path: string): FileStat | null;
  /** Names (not paths) of the entries of a directory, sorted bytewise. */
  list(dir: string): string[];
  /** Creates a directory and its missing parents. */
  mkdirp(dir: string): void;
  /** Removes a file. Missing files are an error. */
  remove(path: string): void;
  /** Removes a directory and everything below it. Missing directories are fine. */
  removeTree(dir: string): void;
  /** Atomically renames a file within one directory, replacing any file at `to`. */
  rename(from: string, to: string): void;
  /** Makes the directory's entries (creates, removes, renames) durable. */
  syncDir(dir: string): Promise<void>;
  /** Takes an exclusive lock held until release() or process exit. Throws if held. */
  lock(path: string): FileLock;
}

/** Joins path parts with "/", dropping empty parts. */
export function joinPath(...parts: string[]): string {
  const joined = parts.filter((part) => part.length > 0).join('/');
  return joined.replace(/\/+/g, '/');
}

/** The directory part of a path ("." for a bare name). */
export function dirName(path: string): string {
  const index = path.lastIndexOf('/');
  if (index < 0) return '.';
  if (index === 0) return '/';
  return path.slice(0, index);
}

/** The last part of a path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Reads exactly `length` bytes at `position`, or throws when the file is shorter. */
export function readExact(file: FileHandle, position: number, length: number): Uint8Array {
  const buffer = new Uint8Array(length);
  const bytesRead = file.readAt(buffer, 0, length, position);
  if (bytesRead !== length) {
    throw new RangeError(
      `short read of "${file.path}": wanted ${length} bytes at ${position}, got ${bytesRead}`,
    );
  }
  return buffer;
}

/**
 * Writes a whole file so that a crash leaves either the old content or the new, never a mix:
 * write a temporary file, fsync it, rename it over the target, fsync the directory.
 */
export async function writeFileAtomic(
  fs: FileSystem,
  path: string,
  data: Uint8Array,
): Promise<void> {
  const temporary = `${path}.tmp`;
  const file = fs.openFile(temporary, { create: true });
  try {
    file.truncate(0);
    file.writeAt(data, 0);
    await file.sync();
  } finally {
    file.close();
  }
  fs.rename(temporary, path);
  await fs.syncDir(dirName(path));
}
