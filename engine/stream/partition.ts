// One partition of a stream: a SegmentedLog of records whose keys carry their sequence,
// cumulative bytes and batch index (record_key.ts), plus the partition's view of the stream:
// - startOffset: the first record not trimmed (trims are logical first, by sequence; whole
//   segments below it are then dropped from the log);
// - revealedEnd: records below it are revealed, i.e. durable and below the stream's revealed
//   sequence (a partition's log may publish a record before an older sequence in another
//   partition is durable; reads must not show it yet, or a reader could skip the older one).
// Lookups by sequence or StreamID are binary searches over offsets (sequences grow with
// offsets), probing single records: no side index to keep or rebuild. Called by StreamHandle.

import { assert } from '../assert.ts';
import { CorruptionError } from '../errors.ts';
import type { LogRecord } from '../log/batch.ts';
import type { SegmentedLog } from '../log/segmented_log.ts';
import { RECORD_KEY_BYTES, readRecordKey, recordSizeBytes } from './record_key.ts';
import { compareRecordToId, type StreamId } from './stream_id.ts';

// Stored bytes of a record beyond its payload and headers: its key and about 8 bytes of
// varint framing, plus a share of its batch's 48-byte header (read sizing only).
const RECORD_OVERHEAD_BYTES = RECORD_KEY_BYTES + 16;

/** A record as a partition reads it back (payload and headers are views of the log's buffer). */
export interface StoredRecord {
  partition: number;
  offset: number;
  sequence: number;
  timestampMs: number;
  cumulativeBytes: number;
  batchIndex: number;
  payload: Uint8Array;
  headers: ReadonlyArray<readonly [Uint8Array, Uint8Array]>;
}

export class Partition {
  readonly index: number;
  readonly log: SegmentedLog;
  /** First offset not trimmed. */
  startOffset = 0;
  /** Cumulative bytes at startOffset. */
  startBytes = 0;
  /** Offsets below this are revealed. */
  revealedEnd = 0;
  /** Cumulative bytes at revealedEnd. */
  revealedBytes = 0;
  /** Cumulative bytes at the log's next offset (appends in flight included). */
  assignedBytes = 0;
  /** Sequence and timestamp of the newest revealed record (0 when none). */
  lastSequence = 0;
  lastTimestampMs = 0;
  private firstCache: StoredRecord | null = null;

  constructor(index: number, log: SegmentedLog) {
    this.index = index;
    this.log = log;
  }

  /**
   * Initializes the view after the log was opened: every recovered record is revealed, and
   * records below `trimSequence` are trimmed.
   */
  recover(trimSequence: number): void {
    const end = this.log.nextOffset;
    this.startOffset = this.log.firstOffset;
    this.revealedEnd = end;
    if (end > this.startOffset) {
      const last = this.recordAt(end - 1);
      this.revealedBytes = last.cumulativeBytes + recordSizeBytes(last.payload, last.headers);
      this.lastSequence = last.sequence;
      this.lastTimestampMs = last.timestampMs;
    }
    this.assignedBytes = this.revealedBytes;
    this.setStart(this.seekSequence(trimSequence));
    assert(this.startOffset <= this.revealedEnd, 'start within the log');
  }

  /** Revealed records not trimmed. */
  get recordCount(): number {
    return this.revealedEnd - this.startOffset;
  }

  /** Their size (payload and headers). */
  get sizeBytes(): number {
    return this.revealedBytes - this.startBytes;
  }

  /** The first revealed record not trimmed, or null. */
  first(): StoredRecord | null {
    if (this.startOffset >= this.revealedEnd) return null;
    if (this.firstCache === null || this.firstCache.offset !== this.startOffset) {
      this.firstCache = this.recordAt(this.startOffset);
    }
    return this.firstCache;
  }

  /** Moves the trim point to `offset` (a batch start at or past the current one). */
  setStart(offset: number): void {
    assert(offset >= this.startOffset && offset <= this.revealedEnd, 'trims only move forward');
    this.startOffset = offset;
    this.startBytes = offset < this.revealedEnd
      ? this.recordAt(offset).cumulativeBytes
      : this.revealedBytes;
  }

  /** Marks records below `end` revealed; `bytes` is the cumulative size at `end`. */
  reveal(end: number, bytes: number, lastSequence: number, lastTimestampMs: number): void {
    assert(end > this.revealedEnd, 'reveals move forward');
    assert(bytes >= this.revealedBytes, 'cumulative bytes never decrease');
    this.revealedEnd = end;
    this.revealedBytes = bytes;
    this.lastSequence = lastSequence;
    this.lastTimestampMs = lastTimestampMs;
  }

  /**
   * Up to `maxRecords` revealed records from `from` (>= startOffset), in offset order; fewer
   * when they would exceed about `maxBytes` (at least one).
   */
  read(from: number, maxRecords: number, maxBytes = 4 << 20): StoredRecord[] {
    assert(from >= this.startOffset, 'reads start at or past the trim point');
    const count = Math.min(maxRecords, this.revealedEnd - from);
    if (count <= 0) return [];
    // The log reads ahead about maxBytes: ask for what `count` records of this partition's
    // average size take (stored, with key and framing), not a fixed large chunk.
    const average = this.recordCount === 0 ? 256
      : Math.ceil(this.sizeBytes / this.recordCount) + RECORD_OVERHEAD_BYTES;
    const records = this.log.readAvailable(from,
      { maxRecords: count, maxBytes: Math.min(maxBytes, count * average) });
    assert(records.length > 0 && records[0]!.offset === from, 'revealed records are readable');
    return records.map((record) => this.decode(record));
  }

  /** The revealed record at `offset`. */
  recordAt(offset: number): StoredRecord {
    const record = this.log.readAvailable(offset, { maxRecords: 1, maxBytes: 1 })[0];
    assert(record !== undefined && record.offset === offset, 'record is readable');
    return this.decode(record);
  }

  /** The first offset in [startOffset, revealedEnd) whose sequence is >= `sequence`. */
  seekSequence(sequence: number): number {
    let low = this.startOffset;
    let high = this.revealedEnd;
    if (low >= high || this.lastSequence < sequence) return high;
    const first = this.first()!;
    if (first.sequence >= sequence) return low;
    // Sequences grow by at least one per offset, so the answer is at most this far on; in a
    // partition that holds every sequence (one partition, no crash gaps) it is exactly there.
    const bound = low + (sequence - first.sequence);
    if (bound < high) {
      if (this.recordAt(bound).sequence === sequence) return bound;
      high = bound;
    }
    return this.bisect(low + 1, high, (record) => record.sequence < sequence);
  }

  /** The first offset in [startOffset, revealedEnd) whose record is at or after `id`. */
  seekId(id: StreamId): number {
    if (id.timestampMs === 0) return this.seekSequence(id.sequence);
    if (this.startOffset >= this.revealedEnd) return this.revealedEnd;
    // The time index finds the first record at or after the timestamp; records sharing that
    // millisecond are then ordered by sequence.
    const byTime = this.log.offsetForTimestamp(id.timestampMs);
    const low = Math.min(Math.max(byTime, this.startOffset), this.revealedEnd);
    if (low === this.revealedEnd) return low;
    const first = this.recordAt(low);
    if (compareRecordToId(first.timestampMs, first.sequence, id) >= 0) return low;
    // Same millisecond, lower sequence: as in seekSequence, the answer is at most this far.
    const high = Math.min(this.revealedEnd, low + (id.sequence - first.sequence) + 1);
    return this.bisect(low + 1, high, (record) =>
      compareRecordToId(record.timestampMs, record.sequence, id) < 0);
  }

  // The first offset in [low, high) whose record does not satisfy `before` (a prefix).
  private bisect(low: number, high: number, before: (record: StoredRecord) => boolean): number {
    assert(low <= high, 'a valid search range');
    while (low < high) {
      const middle = low + Math.floor((high - low) / 2);
      if (before(this.recordAt(middle))) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private decode(record: LogRecord): StoredRecord {
    const key = readRecordKey(record.key);
    if (typeof key === 'string') {
      throw new CorruptionError(this.log.dir, record.offset, `Cannot read stream record: ${key}`);
    }
    return {
      partition: this.index, offset: record.offset, sequence: key.sequence,
      timestampMs: record.timestampMs, cumulativeBytes: key.cumulativeBytes,
      batchIndex: key.batchIndex, payload: record.value, headers: record.headers,
    };
  }
}
