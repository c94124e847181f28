// Runs one flush or compaction: merges the job's input (already a single iterator in
// internal-key order), decides per entry what survives, and writes the survivors into
// output tables cut at the target size, only ever between two user keys (so a level's
// tables keep disjoint key ranges). It yields to the event loop every few hundred entries,
// so writes and reads keep flowing while it runs on the same thread, and it stops at the
// next yield when the DB closes. It writes and fsyncs the output files; recording them in
// the manifest is the DB's job.
//
// What survives (LevelDB's rule, with owner filters, compaction_filter.ts):
// - an entry hidden by a newer entry of its key that every snapshot sees is dropped;
// - a tombstone every snapshot sees is dropped when no older version can exist below;
// - an owner's filter may keep (history), drop, or expire (tombstone in place) its entries.

import { assert } from '../assert.ts';
import type { Clock } from '../io/clock.ts';
import type { FileHandle } from '../io/file_system.ts';
import { failpoint } from '../io/failpoint.ts';
import {
  FilterDecision, type CompactionFilter, type CompactionFilterRun, type FilterContext,
} from './compaction_filter.ts';
import { EntryKind, SEQ_MAX, compareRange } from './internal_key.ts';
import type { InternalIterator } from './iterator.ts';
import { TableWriter, type TableWriterOptions } from './table_writer.ts';
import type { TableMeta } from './version_edit.ts';

const YIELD_EVERY_ENTRIES = 512;
const empty = new Uint8Array(0);

/** Raised inside a job when the DB is closing; the job's outputs are removed. */
export class CompactionAborted extends Error {
  constructor() {
    super('compaction aborted: the DB is closing');
    this.name = 'CompactionAborted';
  }
}

/** A new output file, opened by the DB (which hands out file numbers). */
export interface OutputFile {
  fileNumber: number;
  file: FileHandle;
  /** Closes the file (once; later calls do nothing). */
  close(): void;
  /** Closes and removes the file (after a failure). */
  discard(): void;
}

export interface CompactionSpec {
  /** The merged inputs; the job positions it with first(). */
  input: InternalIterator;
  /** No snapshot is older than this seq (the DB's oldest snapshot, or its last seq). */
  smallestSnapshot: number;
  context: FilterContext;
  /** Owners' filters by leading key byte. */
  filters: ReadonlyMap<number, CompactionFilter>;
  clock: Clock;
  table: Omit<TableWriterOptions, 'creationTimeMs'>;
  /** Cut outputs at this size (Infinity: one output, as a flush writes). */
  tableBytesTarget: number;
  newOutput(): OutputFile;
  /** True once the DB is closing. */
  aborted(): boolean;
}

export interface CompactionResult {
  outputs: TableMeta[];
  entriesRead: number;
  entriesWritten: number;
  bytesWritten: number;
}

interface OpenOutput {
  output: OutputFile;
  writer: TableWriter;
}

/** Runs the job. @throws CompactionAborted when the DB closes meanwhile; I/O errors. */
export async function runCompaction(spec: CompactionSpec): Promise<CompactionResult> {
  const job = new Job(spec);
  try {
    await job.run();
  } catch (error) {
    job.discardAll();
    throw error;
  }
  return job.result;
}

class Job {
  readonly result: CompactionResult = {
    outputs: [], entriesRead: 0, entriesWritten: 0, bytesWritten: 0,
  };
  private readonly spec: CompactionSpec;
  private readonly runs = new Map<number, CompactionFilterRun | null>();
  private readonly finished: OutputFile[] = [];
  private current: OpenOutput | null = null;
  private keyBuffer = new Uint8Array(64);
  private keyLength = -1;
  // The current key changed since the last entry written (an output may be cut here).
  private cutAllowed = true;

  constructor(spec: CompactionSpec) {
    assert(spec.smallestSnapshot >= 0, 'bad smallest snapshot');
    assert(spec.tableBytesTarget > 0, 'bad table target');
    this.spec = spec;
  }

  async run(): Promise<void> {
    const { input, smallestSnapshot } = this.spec;
    let lastSeqForKey = SEQ_MAX;
    let first = true;
    for (input.first(); input.valid(); input.next()) {
      if (++this.result.entriesRead % YIELD_EVERY_ENTRIES === 0) await this.pause();
      const key = input.key();
      const seq = input.seq();
      const kind = input.kind();
      if (!this.isCurrentKey(key)) {
        this.rememberKey(key);
        lastSeqForKey = SEQ_MAX;
        first = true;
        this.cutAllowed = true;
      }
      const run = key.length > 0 ? this.runFor(key[0]!) : null;
      const decision = run === null ? FilterDecision.default
        : run.decide(key, seq, kind, input.value(), first);
      if (decision === FilterDecision.keep) {
        this.add(key, seq, kind, input.value());
      } else if (decision === FilterDecision.expire) {
        if (!(seq <= smallestSnapshot && this.spec.context.isBottom(key))) {
          this.add(key, seq, EntryKind.tombstone, empty);
        }
      } else if (decision === FilterDecision.default) {
        const hidden = lastSeqForKey <= smallestSnapshot;
        const deadTombstone = kind === EntryKind.tombstone && seq <= smallestSnapshot &&
          this.spec.context.isBottom(key);
        if (!hidden && !deadTombstone) this.add(key, seq, kind, input.value());
      } else {
        assert(decision === FilterDecision.drop, `unknown filter decision ${decision}`);
      }
      lastSeqForKey = seq;
      first = false;
    }
    await this.finishCurrent();
  }

  discardAll(): void {
    if (this.current !== null) {
      this.current.output.discard();
      this.current = null;
    }
    for (const output of this.finished) output.discard();
  }

  private async pause(): Promise<void> {
    failpoint('lsm.compaction.step');
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.spec.aborted()) throw new CompactionAborted();
  }

  private runFor(tag: number): CompactionFilterRun | null {
    let run = this.runs.get(tag);
    if (run === undefined) {
      const filter = this.spec.filters.get(tag);
      run = filter === undefined ? null : filter.start(this.spec.context);
      this.runs.set(tag, run);
    }
    return run;
  }

  private add(key: Uint8Array, seq: number, kind: EntryKind, value: Uint8Array): void {
    let current = this.current;
    if (current !== null && this.cutAllowed &&
      current.writer.estimatedBytes() >= this.spec.tableBytesTarget) {
      this.closeCurrentSoon();
      current = null;
    }
    if (current === null) {
      const output = this.spec.newOutput();
      const writer = new TableWriter(output.file, {
        ...this.spec.table, creationTimeMs: this.spec.clock.nowMs(),
      });
      current = { output, writer };
      this.current = current;
    }
    current.writer.add(key, seq, kind, value);
    this.cutAllowed = false;
    this.result.entriesWritten += 1;
  }

  // Outputs cut mid-job are finished now and synced at the end with the last one.
  private closeCurrentSoon(): void {
    const current = this.current!;
    this.current = null;
    this.finishWriter(current);
    this.finished.push(current.output);
  }

  private finishWriter(current: OpenOutput): void {
    const properties = current.writer.finish();
    const sizeBytes = current.output.file.size();
    this.result.bytesWritten += sizeBytes;
    this.result.outputs.push({
      fileNumber: current.output.fileNumber,
      sizeBytes,
      entryCount: properties.entryCount,
      smallestSeq: properties.smallestSeq,
      largestSeq: properties.largestSeq,
      smallestKey: properties.smallestKey,
      largestKey: properties.largestKey,
    });
  }

  private async finishCurrent(): Promise<void> {
    if (this.current !== null) {
      const current = this.current;
      this.current = null;
      this.finished.push(current.output);
      this.finishWriter(current);
    }
    for (const output of this.finished) {
      await output.file.sync();
      output.close();
    }
    failpoint('lsm.compaction.outputs-synced');
    assert(this.result.outputs.length === this.finished.length, 'every output is recorded');
  }

  private isCurrentKey(key: Uint8Array): boolean {
    return this.keyLength >= 0 &&
      compareRange(key, 0, key.length, this.keyBuffer, 0, this.keyLength) === 0;
  }

  private rememberKey(key: Uint8Array): void {
    if (key.length > this.keyBuffer.length) {
      this.keyBuffer = new Uint8Array(Math.max(key.length, 2 * this.keyBuffer.length));
    }
    this.keyBuffer.set(key);
    this.keyLength = key.length;
  }
}
