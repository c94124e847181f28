// The manifest: the durable record of which tables make up the DB (LevelDB MANIFEST +
// CURRENT). An append-only file of CRC frames (engine/codec/record_frame.ts): a header
// frame, then one version edit per frame, the first of which holds the whole state. CURRENT
// names the live manifest and is replaced atomically (temp file, fsync, rename, fsync dir),
// so a rewrite switches to a new manifest all at once.
//
//   MANIFEST-<number> := frame(header) frame(edit)+
//   header            := magic "FLMN" version:u8 reserved:3          (8 bytes)
//   CURRENT           := "MANIFEST-<number 6+ digits>\n"
//
// An edit is durable once its frame is fsynced; nothing acts on it before. A crash can only
// tear the last frame (each edit is one write), so a bad frame at the very end is cut as a
// torn tail, while a bad frame followed by more data is corruption. Format:
// docs/format/manifest.md. Called by the DB (open, flush, compaction) and by inspectDb.

import { assert } from '../assert.ts';
import { CorruptionError } from '../errors.ts';
import type { FileHandle, FileSystem } from '../io/file_system.ts';
import { joinPath } from '../io/file_system.ts';
import { failpoint } from '../io/failpoint.ts';
import { fromUtf8, readU32, utf8, writeU32 } from '../codec/bytes.ts';
import { encodeFrame, FRAME_HEADER_BYTES, scanFrames } from '../codec/record_frame.ts';
import { manifestEditBytesMax } from '../limits.ts';
import { decodeEdit, encodeEdit, type VersionEdit } from './version_edit.ts';

// Part of the on-disk format; do not change.
export const MANIFEST_MAGIC = 0x4e4d_4c46; // "FLMN" read as u32 LE
export const MANIFEST_VERSION = 1;
const MANIFEST_HEADER_BYTES = 8;
export const CURRENT_FILE = 'CURRENT';
const MANIFEST_NAME = /^MANIFEST-(\d{6,})$/;

/** The file name of manifest `number`. */
export function manifestName(number: number): string {
  return `MANIFEST-${String(number).padStart(6, '0')}`;
}

/** The number in a manifest file name, or null when `name` is not one. */
export function parseManifestName(name: string): number | null {
  const match = MANIFEST_NAME.exec(name);
  return match === null ? null : Number(match[1]);
}

/** What reading the live manifest found. */
export interface ManifestRead {
  name: string;
  number: number;
  edits: VersionEdit[];
  /** Bytes of valid frames; a torn tail past this is cut by the writer. */
  validBytes: number;
  sizeBytes: number;
  /** A torn last frame was found (and will be cut). */
  tornTail: boolean;
}

/**
 * Reads CURRENT and the manifest it names. Returns null when there is no CURRENT (a new
 * DB, or one whose creation never completed).
 * @throws CorruptionError for a bad CURRENT, a missing manifest, a bad header, an edit that
 * does not decode, or a bad frame that is not the torn tail.
 */
export function readManifest(fs: FileSystem, dir: string): ManifestRead | null {
  const currentPath = joinPath(dir, CURRENT_FILE);
  if (fs.stat(currentPath) === null) return null;
  const text = fromUtf8(fs.readFile(currentPath));
  const name = text.endsWith('\n') ? text.slice(0, -1) : '';
  const number = parseManifestName(name);
  if (number === null) {
    throw new CorruptionError(currentPath, 0, `Cannot read CURRENT: "${text.slice(0, 40)}"`);
  }
  const path = joinPath(dir, name);
  if (fs.stat(path) === null) {
    throw new CorruptionError(currentPath, 0, `Cannot open manifest: "${name}" is missing`);
  }
  const data = fs.readFile(path);
  const scan = scanFrames(data, manifestEditBytesMax);
  const tornTail = scan.stop !== 'end' && isTornTail(data, scan.validBytes);
  if (scan.stop !== 'end' && !tornTail) {
    throw new CorruptionError(path, scan.validBytes, `Cannot read manifest: ${scan.stop} frame`);
  }
  const [header, ...payloads] = scan.payloads;
  if (header === undefined || header.length !== MANIFEST_HEADER_BYTES ||
    readU32(header, 0) !== MANIFEST_MAGIC || header[4] !== MANIFEST_VERSION) {
    throw new CorruptionError(path, 0, 'Cannot read manifest: bad header');
  }
  if (payloads.length === 0) {
    throw new CorruptionError(path, scan.validBytes, 'Cannot read manifest: no state edit');
  }
  const edits: VersionEdit[] = [];
  let offsetBytes = FRAME_HEADER_BYTES + MANIFEST_HEADER_BYTES;
  for (const payload of payloads) {
    const edit = decodeEdit(payload);
    if (typeof edit === 'string') {
      throw new CorruptionError(path, offsetBytes, `Cannot decode version edit: ${edit}`);
    }
    edits.push(edit);
    offsetBytes += FRAME_HEADER_BYTES + payload.length;
  }
  return { name, number, edits, validBytes: scan.validBytes, sizeBytes: data.length, tornTail };
}

// A frame that fails at `position` is the torn last write when it runs to the end of the
// file, or when only zeros follow its header (a crash may zero-fill a torn extension).
function isTornTail(data: Uint8Array, position: number): boolean {
  if (data.length - position < FRAME_HEADER_BYTES) return true;
  const end = position + FRAME_HEADER_BYTES + readU32(data, position + 4);
  if (end >= data.length) return true;
  for (let index = position + FRAME_HEADER_BYTES; index < data.length; index++) {
    if (data[index] !== 0) return false;
  }
  return true;
}

/** Appends edits to the live manifest. One append at a time (the DB serializes them). */
export class ManifestWriter {
  readonly name: string;
  readonly number: number;
  private readonly file: FileHandle;
  private size: number;
  private appending = false;

  private constructor(file: FileHandle, name: string, number: number, size: number) {
    this.file = file;
    this.name = name;
    this.number = number;
    this.size = size;
  }

  /**
   * Writes manifest `number` holding `state` (the whole DB as one edit), fsyncs it, then
   * points CURRENT at it atomically. Until CURRENT's rename is durable the old manifest
   * stays live; the caller deletes it afterwards.
   */
  static async create(
    fs: FileSystem, dir: string, number: number, state: VersionEdit,
  ): Promise<ManifestWriter> {
    const name = manifestName(number);
    const file = fs.openFile(joinPath(dir, name), { create: true });
    try {
      file.truncate(0);
      const header = new Uint8Array(MANIFEST_HEADER_BYTES);
      writeU32(header, 0, MANIFEST_MAGIC);
      header[4] = MANIFEST_VERSION;
      const bytes = concat(encodeFrame(header), encodeFrame(encodeEdit(state)));
      file.writeAt(bytes, 0);
      await file.sync();
      await writeCurrent(fs, dir, name);
      return new ManifestWriter(file, name, number, bytes.length);
    } catch (error) {
      file.close();
      throw error;
    }
  }

  /** Continues the manifest `read` found, cutting its torn tail first. */
  static async reopen(fs: FileSystem, dir: string, read: ManifestRead): Promise<ManifestWriter> {
    const file = fs.openFile(joinPath(dir, read.name));
    try {
      if (read.validBytes !== read.sizeBytes) {
        file.truncate(read.validBytes);
        await file.sync();
      }
    } catch (error) {
      file.close();
      throw error;
    }
    return new ManifestWriter(file, read.name, read.number, read.validBytes);
  }

  get sizeBytes(): number {
    return this.size;
  }

  /** Appends one edit and resolves once it is durable. */
  async append(edit: VersionEdit): Promise<void> {
    assert(!this.appending, 'manifest appends must not overlap');
    this.appending = true;
    try {
      const frame = encodeFrame(encodeEdit(edit));
      assert(frame.length - FRAME_HEADER_BYTES <= manifestEditBytesMax, 'edit too large');
      this.file.writeAt(frame, this.size);
      this.size += frame.length;
      failpoint('lsm.manifest.before-sync');
      await this.file.sync();
    } finally {
      this.appending = false;
    }
  }

  close(): void {
    this.file.close();
  }
}

// Points CURRENT at `name`: write CURRENT.tmp, fsync, rename, fsync the directory.
async function writeCurrent(fs: FileSystem, dir: string, name: string): Promise<void> {
  const path = joinPath(dir, CURRENT_FILE);
  const temporary = `${path}.tmp`;
  const file = fs.openFile(temporary, { create: true });
  try {
    file.truncate(0);
    file.writeAt(utf8(`${name}\n`), 0);
    await file.sync();
  } finally {
    file.close();
  }
  failpoint('lsm.manifest.before-current-rename');
  fs.rename(temporary, path);
  await fs.syncDir(dir);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
