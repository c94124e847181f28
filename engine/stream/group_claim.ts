// Which pending entries a claim takes (spec §7.5.2 CLAIM): scanning the PEL from the first
// entry at or after `start` (bare-sequence rule), in ascending order, at most
// groupClaimScanMax entries per call. With minIdleMs 0 an entry is eligible when the caller
// holds it; otherwise when its last delivery is at least minIdleMs old. Eligible entries at
// max_deliver are to be dead-lettered. `next` is the entry after the last one scanned, or
// null when the scan reached the end of the PEL. Pure: the caller emits the events.

import { assert } from '../assert.ts';
import { groupClaimScanMax } from '../limits.ts';
import type { ConsumerGroup } from './consumer_group.ts';
import type { PendingEntry } from './pending_list.ts';
import { compareRecordToId, type StreamId } from './stream_id.ts';

export interface ClaimPlan {
  picked: PendingEntry[];
  /** Sequences of eligible entries at max_deliver. */
  dead: number[];
  next: StreamId | null;
}

export function planClaim(
  group: ConsumerGroup,
  consumer: string,
  minIdleMs: number,
  start: StreamId,
  count: number,
  nowMs: number,
): ClaimPlan {
  assert(count >= 1 && minIdleMs >= 0, 'a claim takes at least one entry');
  const eligible = (entry: PendingEntry): boolean => minIdleMs === 0
    ? entry.consumer === consumer && !entry.released
    : nowMs - entry.lastDeliveryMs >= minIdleMs;
  const plan: ClaimPlan = { picked: [], dead: [], next: null };
  let scanned = 0;
  group.pel.scan((entry) => compareRecordToId(entry.timestampMs, entry.sequence, start) < 0,
    (entry) => {
      if (plan.picked.length >= count || scanned >= groupClaimScanMax) {
        plan.next = { timestampMs: entry.timestampMs, sequence: entry.sequence };
        return false;
      }
      scanned += 1;
      if (!eligible(entry)) return true;
      if (group.maxDeliver !== 0 && entry.deliveryCount >= group.maxDeliver) {
        plan.dead.push(entry.sequence);
      } else {
        plan.picked.push(entry);
      }
      return true;
    });
  assert(plan.picked.length <= count, 'a claim takes at most count entries');
  return plan;
}
