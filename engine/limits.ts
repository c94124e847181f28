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

// Segment positions are stored as u32 in the sparse index; a segment may exceed
// segmentBytesMaxLimit by one batch, so the sum must stay below 2^32.
assert(segmentBytesMaxLimit + batchBytesMax < 2 ** 32, 'segment positions must fit u32');
assert(segmentBytesMin <= segmentBytesDefault, 'segment default below minimum');
assert(segmentBytesDefault <= segmentBytesMaxLimit, 'segment default above maximum');
assert(recordKeyBytesMax + recordValueBytesMax < batchBytesMax, 'a record must fit a batch');
assert(indexIntervalBytesDefault <= segmentBytesMin, 'index interval above a segment');
