// Every bound the engine enforces, in one place, with how the bounds relate checked when the
// module loads (TigerBeetle constants.zig). Callers check arguments against these at the
// boundary; decoders check lengths against them before allocating.
// NB: changing a value that is also part of an on-disk format is a format change.

import { assert } from './assert.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Largest key of one log record (bytes). */
export const recordKeyBytesMax = 64 * KiB;
/** Largest value of one log record (bytes): the wire value limit plus room for framing. */
export const recordValueBytesMax = 16 * MiB + 64 * KiB;
/** Largest encoded batch (header + records, before compression) a log accepts. */
export const batchBytesMax = 64 * MiB;
/** Most records in one log batch. */
export const batchRecordsMax = 100_000;
/** Most headers on one record. */
export const recordHeadersMax = 1_024;

/** Smallest and largest segment size a log may be configured with. */
export const segmentBytesMin = 4 * KiB;
export const segmentBytesMaxLimit = 1024 * MiB;
/** Default segment size. */
export const segmentBytesDefault = 64 * MiB;
/** Default distance between sparse index entries. */
export const indexIntervalBytesDefault = 4 * KiB;

/** Default fsync interval of the `async` durability mode. */
export const syncIntervalMsDefault = 100;

/** Longest wait any blocking call accepts (ms): the wire protocol's block_ms bound. */
export const waitMsMax = 300_000;

// ---- streams and consumer groups (spec §2.7, §7.4, §7.5) ----

/** Most partitions of one stream. */
export const streamPartitionsMax = 1_024;
/** Longest namespace (UTF-8 bytes). */
export const streamNamespaceBytesMax = 128;
/** Longest stream name (UTF-8 bytes): the wire's key-field limit. */
export const streamNameBytesMax = 4_096;
/** Longest group or consumer name (UTF-8 bytes): names inside wire values. */
export const groupNameBytesMax = 255;
/** Most records in one stream append (one batch). */
export const streamAppendRecordsMax = 1_000;
/** Default and largest `count` of a stream read (larger counts are clamped). */
export const streamReadCountDefault = 100;
export const streamReadCountMax = 1_000;
/** Payload bytes after which a read stops adding records (the reply soft limit, halved). */
export const streamReadBytesMax = 16 * MiB;
/** Default and largest `count` of a group read. */
export const groupReadCountDefault = 10;
export const groupReadCountMax = 1_000;
/** Default and largest `count` of a claim; most PEL entries one claim call scans. */
export const groupClaimCountDefault = 100;
export const groupClaimCountMax = 1_000;
export const groupClaimScanMax = 10_000;
/** Most entries PENDING lists (the oldest). */
export const groupPendingListMax = 1_000;
/** Most ids in one ack, nack or touch. */
export const streamIdListMax = 10_000;
/** Group ack timeout: default and bounds (the wire carries it as u32). */
export const groupAckTimeoutMsDefault = 30_000;
export const groupAckTimeoutMsMax = 2 ** 32 - 1;
/** Deliveries before a record is dead-lettered: default and largest (wire: u8; 0 = no limit). */
export const groupMaxDeliverDefault = 10;
export const groupMaxDeliverMax = 255;
/** Stream sequences reserved durably ahead of use (docs/design/streams.md). */
export const streamSequenceBlock = 65_536;
/** Default and largest page of a stream list. */
export const streamListLimitDefault = 100;
export const streamListLimitMax = 1_000;
/** Period of the retention sweep (the wire: "at least once a minute"). */
export const streamRetentionSweepMs = 60_000;
/** Segment size of a stream's group journal. */
export const streamJournalSegmentBytes = 4 * MiB;
/** Journal bytes after which a stream checkpoints its group state (or 2x the last snapshot). */
export const streamCheckpointBytesMin = 4 * MiB;

// Segment positions are stored as u32 in the sparse index; a segment may exceed
// segmentBytesMaxLimit by one batch, so the sum must stay below 2^32.
assert(segmentBytesMaxLimit + batchBytesMax < 2 ** 32, 'segment positions must fit u32');
assert(segmentBytesMin <= segmentBytesDefault, 'segment default below minimum');
assert(segmentBytesDefault <= segmentBytesMaxLimit, 'segment default above maximum');
assert(recordKeyBytesMax + recordValueBytesMax < batchBytesMax, 'a record must fit a batch');
assert(indexIntervalBytesDefault <= segmentBytesMin, 'index interval above a segment');
assert(streamAppendRecordsMax <= batchRecordsMax, 'a stream append is one log batch');
assert(streamAppendRecordsMax < 2 ** 16, 'a record\'s index in its batch is stored as u16');
assert(streamReadCountDefault <= streamReadCountMax, 'read count default above maximum');
assert(groupReadCountDefault <= groupReadCountMax, 'group read count default above maximum');
assert(groupClaimCountMax <= groupClaimScanMax, 'a claim must be able to scan its count');
assert(groupMaxDeliverDefault <= groupMaxDeliverMax, 'max deliver default above maximum');
assert(streamSequenceBlock >= 2 * streamAppendRecordsMax, 'a reservation covers an append');
assert(streamJournalSegmentBytes >= segmentBytesMin, 'journal segments below the minimum');
assert(streamListLimitDefault <= streamListLimitMax, 'list limit default above maximum');
