// When a queue checkpoints, what its journal may drop, and when it compacts: pure policy
// functions over the queue's facts, used by Queue (docs/design/queues.md, "Space").
//
// - A checkpoint is due after max(checkpointEvents, 2 × messages held) events (so its cost,
//   O(messages), is amortized to O(1) per event and replay stays bounded by about twice the
//   messages held), or after 2 segments' worth of appended bytes (so big payloads are
//   reclaimed promptly).
// - keepFrom: the lowest journal offset holding a live payload; segments wholly below it
//   (and below the checkpoint) are dropped: "segments whose messages are all acked".
// - Compaction: when the journal kept from keepFrom is mostly garbage (a few old messages —
//   a DLQ entry, a long delay — pin many segments of acked ones), the live payloads of the
//   oldest kept segment are copied forward (relocate events) so it can be dropped next.

import { assert } from '../assert.ts';
import type { SegmentInfo } from '../log/segmented_log.ts';
import type { Message } from './message.ts';

/** Per-message bytes assumed for metadata when judging garbage (events, snapshot share). */
const MESSAGE_OVERHEAD_BYTES = 64;

export interface CheckpointFacts {
  eventsSinceCheckpoint: number;
  bytesSinceCheckpoint: number;
  messagesHeld: number;
  checkpointEvents: number;
  segmentBytes: number;
}

/** True when the queue should write a checkpoint now. */
export function checkpointDue(facts: CheckpointFacts): boolean {
  assert(facts.checkpointEvents >= 1, 'checkpoint interval');
  const events = Math.max(facts.checkpointEvents, 2 * facts.messagesHeld);
  return facts.eventsSinceCheckpoint >= events ||
    facts.bytesSinceCheckpoint >= 2 * facts.segmentBytes;
}

/** The lowest offset holding a payload of `messages`, or `end` when there is none. */
export function keepFromOffset(messages: Iterable<Message>, end: number): number {
  let keepFrom = end;
  for (const message of messages) keepFrom = Math.min(keepFrom, message.payloadOffset);
  assert(keepFrom <= end, 'payloads live below the end of the journal');
  return keepFrom;
}

/**
 * The offset below which live payloads should be relocated, or null when the kept journal is
 * not mostly garbage. Relocating them frees the oldest kept segment.
 */
export function compactionCutoff(
  segments: readonly SegmentInfo[],
  keepFrom: number,
  liveBytes: number,
  messagesHeld: number,
  segmentBytes: number,
): number | null {
  const kept = segments.filter((segment) => segment.nextOffset > keepFrom);
  if (kept.length < 3) return null;
  const keptBytes = kept.reduce((total, segment) => total + segment.sizeBytes, 0);
  const liveEstimate = liveBytes + messagesHeld * MESSAGE_OVERHEAD_BYTES;
  if (keptBytes <= 2 * liveEstimate + 2 * segmentBytes) return null;
  const cutoff = kept[1]!.baseOffset;
  assert(cutoff > keepFrom, 'the cutoff frees the oldest kept segment');
  return cutoff;
}
