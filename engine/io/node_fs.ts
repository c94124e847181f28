// NodeFs: the FileSystem of a real disk, on node:fs. Reads and writes are positional
// synchronous calls (page cache, microseconds); fsync runs on libuv's thread pool so the
// event loop keeps serving while the disk works. Every OS error becomes a StorageIoError
// naming the operation and the path, with the original error as `cause`.

import * as nodeFs from 'node:fs';
import { storageIoError } from '../errors.ts';
import { assert } from '../assert.ts';
import type { FileHandle, FileLock, FileStat, FileSystem, OpenOptions } from './file_system.ts';

class NodeFileHandle implements FileHandle {
  readonly path: string;
  private fd: number;
  private syncsInFlight = 0;

  constructor(path: string, fd: number) {
    this.path = path;
    this.fd = fd;
  }

  readAt(buffer: Uint8Array, offset: number, length: number, position: number): number {
    assert(this.fd >= 0, 'read of a closed file');
    let total = 0;
    try {
      while (total < length) {
        const n = nodeFs.readSync(
          this.fd, buffer, offset + total, length - total, position + total,
        );
        if (n === 0) break;
        total += n;
      }
    } catch (error) {
      throw storageIoError('read', this.path, error);
    }
    return total;
  }

  writeAt(data: Uint8Array, position: number): void {
    assert(this.fd >= 0, 'write to a closed file');
    let written = 0;
    try {
      while (written < data.length) {
        written += nodeFs.writeSync(
          this.fd, data, written, data.length - written, position + written,
        );
      }
    } catch (error) {
      throw storageIoError('write', this.path, error);
    }
  }

  size(): number {
    try {
      return nodeFs.fstatSync(this.fd).size;
    } catch (error) {
      throw storageIoError('stat', this.path, error);
    }
  }

  truncate(sizeBytes: number): void {
    try {
      nodeFs.ftruncateSync(this.fd, sizeBytes);
    } catch (error) {
      throw storageIoError('truncate', this.path, error);
    }
  }

  sync(): Promise<void> {
    assert(this.fd >= 0, 'sync of a closed file');
    this.syncsInFlight += 1;
    return new Promise<void>((resolve, reject) => {
      nodeFs.fdatasync(this.fd, (error) => {
        this.syncsInFlight -= 1;
        if (error) reject(storageIoError('fsync', this.path, error));
        else resolve();
      });
    });
  }

  close(): void {
    assert(this.syncsInFlight === 0, `close of "${this.path}" with an fsync in flight`);
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    try {
      nodeFs.closeSync(fd);
    } catch (error) {
      throw storageIoError('close', this.path, error);
    }
  }
}

/** The real file system. */
export class NodeFs implements FileSystem {
  openFile(path: string, options: OpenOptions = {}): FileHandle {
    let flags: number;
    if (options.readOnly) {
      flags = nodeFs.constants.O_RDONLY;
    } else {
      flags = nodeFs.constants.O_RDWR;
      if (options.create) flags |= nodeFs.constants.O_CREAT;
      if (options.create && options.exclusive) flags |= nodeFs.constants.O_EXCL;
    }
    try {
      return new NodeFileHandle(path, nodeFs.openSync(path, flags, 0o644));
    } catch (error) {
      throw storageIoError('open', path, error);
    }
  }

  readFile(path: string): Uint8Array {
    try {
      const buffer = nodeFs.readFileSync(path);
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      throw storageIoError('read', path, error);
    }
  }

  stat(path: string): FileStat | null {
    try {
      const stats = nodeFs.statSync(path, { throwIfNoEntry: false });
      if (stats === undefined) return null;
      return { sizeBytes: stats.size, isDirectory: stats.isDirectory() };
    } catch (error) {
      throw storageIoError('stat', path, error);
    }
  }

  list(dir: string): string[] {
    try {
      return nodeFs.readdirSync(dir).sort(compareNames);
    } catch (error) {
      throw storageIoError('list', dir, error);
    }
  }

  mkdirp(dir: string): void {
    try {
      nodeFs.mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw storageIoError('create directory', dir, error);
    }
  }

  remove(path: string): void {
    try {
      nodeFs.unlinkSync(path);
    } catch (error) {
      throw storageIoError('remove', path, error);
    }
  }

  removeTree(dir: string): void {
    try {
      nodeFs.rmSync(dir, { recursive: true, force: true });
    } catch (error) {
      throw storageIoError('remove', dir, error);
    }
  }

  rename(from: string, to: string): void {
    try {
      nodeFs.renameSync(from, to);
    } catch (error) {
      throw storageIoError(`rename to "${to}"`, from, error);
    }
  }

  syncDir(dir: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      nodeFs.open(dir, nodeFs.constants.O_RDONLY, (openError, fd) => {
        if (openError) return reject(storageIoError('open directory', dir, openError));
        nodeFs.fsync(fd, (syncError) => {
          nodeFs.close(fd, () => {
            if (syncError) reject(storageIoError('fsync directory', dir, syncError));
            else resolve();
          });
        });
      });
    });
  }

  lock(path: string): FileLock {
    return lockWithPidFile(path);
  }
}

// Node has no flock(2). A lock is a file created with O_EXCL holding the owner's pid; a lock
// whose pid is no longer alive is stale (its process died) and is taken over.
function lockWithPidFile(path: string): FileLock {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = nodeFs.openSync(path, 'wx', 0o644);
      nodeFs.writeSync(fd, `${process.pid}\n`);
      nodeFs.closeSync(fd);
      let released = false;
      return {
        release(): void {
          if (released) return;
          released = true;
          nodeFs.rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw storageIoError('lock', path, error);
      }
      const ownerPid = readLockOwner(path);
      if (ownerPid !== null && processAlive(ownerPid)) {
        throw storageIoError('lock', path, new Error(`held by running process ${ownerPid}`));
      }
      nodeFs.rmSync(path, { force: true });
    }
  }
  throw storageIoError('lock', path, new Error('lock file keeps reappearing'));
}

function readLockOwner(path: string): number | null {
  try {
    const pid = Number.parseInt(nodeFs.readFileSync(path, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
