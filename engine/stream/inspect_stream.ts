// Read-only inspector of one stream on disk, for `flo inspect stream <dir> <name>`: its
// settings, each partition's segments (CRC-checked) with record counts and sequence ranges,
// and its group state rebuilt from the journal's checkpoint plus events (cursor, pending,
// dead letters, consumers, lag). Nothing is modified: no recovery, no truncation, no index
// rewrite. A damaged file is reported (where, what), and what follows it is not used.

import { readCatalog } from '../catalog/catalog.ts';
import type { FileSystem } from '../io/file_system.ts';
import { joinPath } from '../io/file_system.ts';
import { inspectLog, inspectSegment, type LogInspection } from '../log/inspect.ts';
import { readCheckpoint } from '../log/journal.ts';
import { readRecordKey } from './record_key.ts';
import { decodeEvent } from './stream_events.ts';
import { partitionDirName, type StreamSettings } from './stream_handle.ts';
import { applyStreamEvent, replayProblem } from './stream_journal.ts';
import { DEFAULT_NAMESPACE } from './stream_names.ts';
import { decodeSnapshot, type StreamJournalState } from './stream_snapshot.ts';

export interface PartitionInspection {
  partition: number;
  log: LogInspection;
  /** Records not trimmed, and their sequence range (0 when none). */
  records: number;
  firstSequence: number;
  lastSequence: number;
  problems: string[];
}

export interface GroupInspection {
  name: string;
  cursorSequence: number;
  pending: number;
  deadLettered: number;
  ackTimeoutMs: number;
  maxDeliver: number;
  /** Records past the cursor plus pending ones. */
  lag: number;
  consumers: Array<{ name: string; pending: number; lastSeenMs: number }>;
}

export interface StreamInspection {
  namespace: string;
  name: string;
  dir: string;
  settings: StreamSettings;
  createdAtMs: number;
  partitions: PartitionInspection[];
  journal: {
    checkpointOffset: number;
    eventsReplayed: number;
    reservedSequence: number;
    trimSequence: number;
    problems: string[];
  };
  groups: GroupInspection[];
}

/**
 * Inspects stream `name` of namespace `ns` ('' = "default") in the store directory `root`;
 * null when there is no such stream. @throws CorruptionError for a damaged META file
 */
export function inspectStream(
  fs: FileSystem,
  root: string,
  ns: string,
  name: string,
): StreamInspection | null {
  const namespace = ns === '' ? DEFAULT_NAMESPACE : ns;
  const entry = readCatalog<StreamSettings>(fs, root)
    .find((candidate) => candidate.namespace === namespace && candidate.name === name);
  if (entry === undefined) return null;
  const { state, journal } = inspectJournal(fs, joinPath(entry.dir, 'journal'));
  const groups = [...state.groups.values()];
  const lagRecords = new Map(groups.map((group) => [group.name, 0]));
  const partitions: PartitionInspection[] = [];
  for (let index = 0; index < entry.settings.partitionCount; index++) {
    const dir = joinPath(entry.dir, partitionDirName(index));
    const inspection = inspectPartition(fs, dir, index, state.trimSequence, (sequence) => {
      for (const group of groups) {
        if (sequence > group.cursorSequence) {
          lagRecords.set(group.name, lagRecords.get(group.name)! + 1);
        }
      }
    });
    partitions.push(inspection);
  }
  return {
    namespace: entry.namespace, name: entry.name, dir: entry.dir, settings: entry.settings,
    createdAtMs: entry.createdAtMs, partitions,
    journal: { ...journal, reservedSequence: state.reservedSequence,
      trimSequence: state.trimSequence },
    groups: groups.map((group) => ({
      name: group.name, cursorSequence: group.cursorSequence, pending: group.pel.size,
      deadLettered: group.deadLettered, ackTimeoutMs: group.ackTimeoutMs,
      maxDeliver: group.maxDeliver, lag: lagRecords.get(group.name)! + group.pel.size,
      consumers: [...group.consumers.values()].map((consumer) => ({
        name: consumer.name, pending: group.pendingOf(consumer.name),
        lastSeenMs: consumer.lastSeenMs })),
    })),
  };
}

function inspectJournal(fs: FileSystem, dir: string) {
  const state: StreamJournalState = {
    reservedSequence: 0, reservedTimestampMs: 0, trimSequence: 1, groups: new Map(),
  };
  const journal = { checkpointOffset: 0, eventsReplayed: 0, problems: [] as string[] };
  if (fs.stat(dir) === null) {
    journal.problems.push('no journal directory');
    return { state, journal };
  }
  try {
    const checkpoint = readCheckpoint(fs, joinPath(dir, 'CHECKPOINT'));
    if (checkpoint !== null) {
      Object.assign(state, decodeSnapshot(checkpoint.snapshot));
      journal.checkpointOffset = checkpoint.offset;
    }
  } catch (error) {
    journal.problems.push(`CHECKPOINT: ${(error as Error).message}`);
    return { state, journal };
  }
  const logDir = joinPath(dir, 'log');
  const log = fs.stat(logDir) === null ? null : inspectLog(fs, logDir);
  for (const segment of log?.segments ?? []) {
    if (segment.nextOffset <= journal.checkpointOffset) continue;
    const scanned = inspectSegment(fs, joinPath(logDir, segment.file), { records: true });
    for (const record of scanned.batches.flatMap((batch) => batch.records ?? [])) {
      if (record.offset < journal.checkpointOffset) continue;
      let problem: string | null;
      try {
        const event = decodeEvent(record.value);
        problem = replayProblem(state, event);
        if (problem === null) applyStreamEvent(state, event);
      } catch (error) {
        problem = (error as Error).message;
      }
      if (problem !== null) {
        journal.problems.push(`event at offset ${record.offset}: ${problem}`);
        return { state, journal };
      }
      journal.eventsReplayed += 1;
    }
    if (scanned.problem !== null) {
      journal.problems.push(`${segment.file} byte ${scanned.problem.position}: ` +
        scanned.problem.reason);
      break;
    }
  }
  return { state, journal };
}

// Scans every record of the partition (CRC-checked), counting those not trimmed.
function inspectPartition(
  fs: FileSystem,
  dir: string,
  partition: number,
  trimSequence: number,
  visit: (sequence: number) => void,
): PartitionInspection {
  const inspection: PartitionInspection = {
    partition, log: inspectLog(fs, dir), records: 0, firstSequence: 0, lastSequence: 0,
    problems: [],
  };
  for (const segment of inspection.log.segments) {
    const scanned = inspectSegment(fs, joinPath(dir, segment.file), { records: true });
    for (const record of scanned.batches.flatMap((batch) => batch.records ?? [])) {
      const key = readRecordKey(record.key);
      if (typeof key === 'string') {
        inspection.problems.push(`${segment.file} offset ${record.offset}: ${key}`);
        return inspection;
      }
      if (key.sequence < trimSequence) continue;
      inspection.records += 1;
      if (inspection.firstSequence === 0) inspection.firstSequence = key.sequence;
      inspection.lastSequence = key.sequence;
      visit(key.sequence);
    }
    if (scanned.problem !== null) {
      inspection.problems.push(`${segment.file} byte ${scanned.problem.position}: ` +
        scanned.problem.reason);
      break;
    }
  }
  return inspection;
}
