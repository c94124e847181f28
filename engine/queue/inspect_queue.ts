// The read-only queue inspector behind `flo inspect queue <dir> <name>`. It never writes
// to the store: the catalog's META files and the one queue's directory are copied into an
// in-memory file system, and the queue is recovered there exactly as open would (checkpoint
// plus replay, torn tail cut in the copy only). Nothing ticks: leases past their deadline
// are reported as such, not expired. Plain data out; the CLI prints it or emits JSON.

import { NotFoundError } from '../errors.ts';
import type { FileSystem } from '../io/file_system.ts';
import { joinPath } from '../io/file_system.ts';
import { MemFs } from '../io/mem_fs.ts';
import { ManualClock } from '../io/clock.ts';
import { Catalog } from '../catalog/catalog.ts';
import { DEFAULT_NAMESPACE } from './queue_args.ts';
import { MessageState, type Message } from './message.ts';
import { recoverQueueState } from './queue_recovery.ts';
import type { QueueCounters, QueueSettings } from './queue_types.ts';

/** One DLQ message as the inspector lists it. */
export interface InspectedDeadMessage {
  seq: number;
  priority: number;
  deliveryCount: number;
  enqueuedAtMs: number;
  payloadBytes: number;
}

export interface QueueInspection {
  namespace: string;
  name: string;
  dir: string;
  settings: QueueSettings;
  createdAtMs: number;
  counters: QueueCounters;
  ready: number;
  delayed: number;
  /** Delayed messages whose time has come (they would be ready at once). */
  delayedDue: number;
  leased: number;
  /** Leases past their deadline (they would end at once). */
  leasesExpired: number;
  dlq: number;
  /** Age by enqueue time of the oldest message in each state, ms (0 when none). */
  oldestReadyAgeMs: number;
  oldestLeasedAgeMs: number;
  oldestDlqAgeMs: number;
  nextSeq: number;
  reservedSeq: number;
  payloadBytes: number;
  journal: {
    checkpointOffset: number;
    replayedEvents: number;
    firstOffset: number;
    nextOffset: number;
    segments: number;
    sizeBytes: number;
    tailProblem: string | null;
    lostBytes: number;
  };
  /** The first `dlqLimit` DLQ messages, ascending seq. */
  dlqMessages: InspectedDeadMessage[];
}

/**
 * Inspects queue (namespace, name) of the store in `root` as of `nowMs`.
 * @throws NotFoundError when there is no such queue; CorruptionError when it is damaged
 */
export async function inspectQueue(fs: FileSystem, root: string, namespace: string,
  name: string, options: { nowMs: number; dlqLimit?: number }): Promise<QueueInspection> {
  const ns = namespace === '' ? DEFAULT_NAMESPACE : namespace;
  const copy = new MemFs({ trackCrashes: false });
  copy.mkdirp(root);
  for (const child of fs.list(root)) {
    const meta = joinPath(root, child, 'META');
    if (!/^\d+$/.test(child) || fs.stat(meta) === null) continue;
    copy.mkdirp(joinPath(root, child));
    copyFile(fs, copy, meta);
  }
  const catalog = await Catalog.open<QueueSettings>(copy, root);
  const entry = catalog.get(ns, name);
  if (entry === undefined) {
    throw new NotFoundError(`Cannot inspect queue "${name}" of namespace "${ns}": ` +
      `no such queue in "${root}"`);
  }
  copyTree(fs, copy, entry.dir);
  const { journal, state } = await recoverQueueState({ fs: copy, clock:
    new ManualClock(options.nowMs), dir: entry.dir, durability: 'memory' },
  { bytes: 0, limitBytes: 0 });
  try {
    const messages = [...state.messages.values()];
    const inState = (wanted: MessageState): Message[] =>
      messages.filter((message) => message.state === wanted);
    const ageOf = (list: Message[]): number => list.length === 0 ? 0
      : Math.max(0, options.nowMs - Math.min(...list.map((m) => m.enqueuedAtMs)));
    const delayed = inState(MessageState.delayed);
    const leased = inState(MessageState.leased);
    const log = journal.log;
    return {
      namespace: ns, name, dir: entry.dir, settings: entry.settings,
      createdAtMs: entry.createdAtMs, counters: { ...state.counters },
      ready: state.readyCount, delayed: state.delayedCount,
      delayedDue: delayed.filter((m) => m.dueMs <= options.nowMs).length,
      leased: state.leasedCount,
      leasesExpired: leased.filter((m) => m.dueMs <= options.nowMs).length,
      dlq: state.dlqCount,
      oldestReadyAgeMs: ageOf(inState(MessageState.ready)),
      oldestLeasedAgeMs: ageOf(leased), oldestDlqAgeMs: ageOf(inState(MessageState.dlq)),
      nextSeq: state.nextSeq, reservedSeq: state.reservedSeq, payloadBytes: state.liveBytes,
      journal: {
        checkpointOffset: journal.recovery.checkpointOffset,
        replayedEvents: journal.recovery.replayedEvents, firstOffset: log.firstOffset,
        nextOffset: log.nextOffset, segments: log.segmentInfo().length,
        sizeBytes: log.sizeBytes, tailProblem: log.recovery.tailProblem,
        lostBytes: log.recovery.lostBytes,
      },
      dlqMessages: state.dlqPage(0, options.dlqLimit ?? 20).messages.map((m) => ({
        seq: m.seq, priority: m.priority, deliveryCount: m.attempts,
        enqueuedAtMs: m.enqueuedAtMs, payloadBytes: m.payloadBytes,
      })),
    };
  } finally {
    await journal.close();
  }
}

function copyFile(from: FileSystem, to: FileSystem, path: string): void {
  const file = to.openFile(path, { create: true });
  try {
    file.writeAt(from.readFile(path), 0);
  } finally {
    file.close();
  }
}

function copyTree(from: FileSystem, to: FileSystem, dir: string): void {
  to.mkdirp(dir);
  for (const child of from.list(dir)) {
    const path = joinPath(dir, child);
    if (from.stat(path)?.isDirectory) copyTree(from, to, path);
    else copyFile(from, to, path);
  }
}
