// Applying a trim or the retention policy to a stream: plan the cut (trim_planner.ts), record
// it as a journal event (the trim point and the PEL entries it removes are durable state),
// move each partition's start, and once the event is durable drop the log segments wholly
// below the new start. Retention runs when an append pushes a limit past a slack of 1/16
// (so its cost is amortized over many appends) and exactly on the store's minute sweep.

import { assert } from '../assert.ts';
import { EventKind } from './stream_events.ts';
import type { StreamHandle } from './stream_handle.ts';
import { planTrim, type TrimCriteria } from './trim_planner.ts';
import type { TrimResult } from './stream_types.ts';

/** Trims `handle` by `criteria` (or only reports, with `dryRun`). */
export async function trimStream(
  handle: StreamHandle,
  criteria: TrimCriteria,
  nowMs: number,
  dryRun: boolean,
): Promise<TrimResult> {
  const current = handle.journal.trimSequence;
  const plan = planTrim(handle.partitions, criteria, nowMs, current, handle.revealedSequence);
  const result = { removed: plan.removed, firstSequence: plan.firstSequence };
  if (dryRun || plan.threshold <= current) return result;
  assert(plan.starts.length === handle.partitions.length, 'a start per partition');
  const durable = handle.journal.emit([{ kind: EventKind.trim, sequence: plan.threshold }]);
  plan.starts.forEach((start, index) => handle.partitions[index]!.setStart(start));
  await durable;
  // Only now may the records go for good: before, a crash would bring the old trim point
  // back, and it must still find its records.
  for (const partition of handle.partitions) {
    if (handle.closed) break;
    partition.log.dropBefore(partition.startOffset).catch((error: unknown) => handle.fail(error));
  }
  return result;
}

/** True when the stream's retention limits call for a trim (`exact`: without slack). */
export function retentionDue(handle: StreamHandle, nowMs: number, exact: boolean): boolean {
  const { maxRecords, maxAgeMs, maxBytes } = handle.settings.retention;
  if (maxRecords === 0 && maxAgeMs === 0 && maxBytes === 0) return false;
  const slack = (limit: number): number => (exact ? 0 : Math.floor(limit / 16));
  if (maxRecords > 0 && handle.recordCount > maxRecords + slack(maxRecords)) return true;
  if (maxBytes > 0 && handle.sizeBytes > maxBytes + slack(maxBytes)) return true;
  if (maxAgeMs === 0) return false;
  const cutoffMs = nowMs - maxAgeMs - (exact ? 0 : Math.max(1_000, slack(maxAgeMs)));
  return handle.partitions.some((partition) => {
    const first = partition.first();
    return first !== null && first.timestampMs < cutoffMs;
  });
}
