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

/** Largest user key the LSM stores (bytes): a log record key, prefixes included. */
export const lsmKeyBytesMax = recordKeyBytesMax;
/** Largest value the LSM stores (bytes). */
export const lsmValueBytesMax = recordValueBytesMax;
/** Default size at which a memtable becomes immutable and is flushed. */
export const memtableBytesMaxDefault = 64 * MiB;
/** Default and largest target size of a table data block (uncompressed payload). */
export const tableBlockBytesDefault = 4 * KiB;
export const tableBlockBytesTargetMax = 1 * MiB;
/** Default number of entries between restart points in a table block. */
export const tableRestartIntervalDefault = 8;
/** Largest restart interval a table may be written with. */
export const tableRestartIntervalMax = 1_024;
/** Default bits per key of a table's bloom filter. */
export const bloomBitsPerKeyDefault = 10;
/** Largest bits per key a bloom filter may be written with. */
export const bloomBitsPerKeyMax = 32;
/**
 * Largest block a table holds or a reader decodes (bytes, payload without its 5-byte
 * trailer, compressed or not): one data block is under its target plus one entry, and the
 * filter, index and properties blocks are held to it too. Part of the table format.
 */
export const tableBlockBytesMax = 64 * MiB;
/** Most data blocks in one table (block cache keys pack a table's block index in 20 bits). */
export const tableBlocksMax = 2 ** 20;
/** Largest table file number (block cache keys pack it in the remaining 33 bits). */
export const tableFileNumberMax = 2 ** 33 - 1;
/**
 * Default capacity of the block cache shared by all tables. Measured (docs/design/lsm.md):
 * 1 M random gets over 1 M keys ran ~40% faster at 128 MiB than at 32 MiB, with the same
 * peak RSS (uncached gets allocate a block per read).
 */
export const blockCacheBytesDefault = 128 * MiB;

// ---- the LSM database (engine/lsm/db.ts) ----
/** Most immutable memtables waiting for their flush before writes are refused. */
export const immutableMemtablesMaxDefault = 2;
/** L0 tables that trigger a compaction into L1 (leveled), or runs that trigger a merge. */
export const l0CompactionTriggerDefault = 4;
/** L0 tables at which writes are refused with OverloadedError until compaction catches up. */
export const l0StallTablesDefault = 24;
/** Levels of a leveled tree (L0 … L6). */
export const levelCountMax = 7;
/** Target size of L1; each deeper level is `levelSizeRatio` times the one above. */
export const levelBytesBaseDefault = 256 * MiB;
export const levelSizeRatio = 10;
/** Target size of one table written by a compaction (cut only between user keys). */
export const tableBytesTargetDefault = 64 * MiB;
/** Manifest size after which it is rewritten as one snapshot edit. */
export const manifestBytesMaxDefault = 4 * MiB;
/** Largest manifest frame (one version edit) a reader accepts. */
export const manifestEditBytesMax = 64 * MiB;
/** Default WAL segment size: small enough that flushed memtables release disk soon. */
export const walSegmentBytesDefault = 32 * MiB;

// ---- the KV primitive (engine/kv) ----
/** Largest user key (bytes). The wire's 4 096-byte limit is the server's, narrower. */
export const kvKeyBytesMax = 16 * KiB;
/** Largest namespace name (UTF-8 bytes). */
export const kvNamespaceBytesMax = 1 * KiB;
/** Largest value (bytes): the wire's value section. */
export const kvValueBytesMax = 16 * MiB;
/** History entries kept per key by default (spec: at least 8), and the most allowed. */
export const kvHistoryDepthDefault = 8;
export const kvHistoryDepthMax = 1_000;
/** Keys in one mget. */
export const kvMgetKeysMax = 256;
/** Scan page size: default and largest. */
export const kvScanLimitDefault = 100;
export const kvScanLimitMax = 1_000;
/** Entries in one putMany. */
export const kvBatchEntriesMax = 10_000;
/** Buffered writes in one transaction, and its idle time before an automatic rollback. */
export const kvTxnOpsMax = 1_000;
export const kvTxnIdleMsDefault = 30_000;
/** Bytes of keys and values one transaction commit (one WAL record) may write. */
export const kvTxnBytesMax = 48 * MiB;
/** Numbers (versions, transaction ids) reserved durably ahead of use in one step. */
export const counterReservationBlock = 4_096;

// ---- queues (engine/queue; wire spec §2.7 and §7.3) ----

/** Longest namespace (UTF-8 bytes) and queue name (the wire key field). */
export const namespaceBytesMax = 128;
export const queueNameBytesMax = 4 * KiB;
/** Largest message payload (the wire value limit). */
export const queuePayloadBytesMax = 16 * MiB;
/** Longest dedup key (bytes). The wire carries it in a TLV option (at most 255 bytes). */
export const queueDedupKeyBytesMax = 1 * KiB;
/** Most messages in one batch enqueue, and most payload bytes (the wire's request bound). */
export const queueBatchMax = 1_000;
export const queueBatchBytesMax = 32 * MiB;
/** Most messages one dequeue or peek returns (larger counts are clamped). */
export const queueDequeueCountMax = 100;
/** Most seqs in one ack, nack, touch, requeue or delete. */
export const queueSeqListMax = 10_000;
/** Default and largest lease (visibility timeout), ms. */
export const queueVisibilityMsDefault = 30_000;
export const queueVisibilityMsMax = 12 * 3_600_000;
/** Largest enqueue or nack delay, ms (30 days). */
export const queueDelayMsMax = 30 * 24 * 3_600_000;
/** Default deliveries before a message is dead-lettered, and the largest setting. */
export const queueMaxDeliveriesDefault = 10;
export const queueMaxDeliveriesMax = 1_000_000;
/** Default and largest dedup window, ms. */
export const queueDedupWindowMsDefault = 300_000;
export const queueDedupWindowMsMax = 7 * 24 * 3_600_000;
/** Default bound of the dedup index (keys per queue); past it a dedup enqueue is refused. */
export const queueDedupKeysMaxDefault = 1_000_000;
/** Default and largest page of a DLQ listing or a queue list. */
export const queuePageLimitDefault = 100;
export const queuePageLimitMax = 1_000;
/** Seqs reserved durably ahead of use (engine model section 2). */
export const queueSeqReserveBlock = 65_536;
/** Default parked dequeues per store (the wire's server-wide parked limit). */
export const queueParkedMaxDefault = 100_000;
/** Default bytes of payloads a store keeps in memory; the rest is read from the log. */
export const queuePayloadCacheBytesDefault = 256 * MiB;
/** Events between checkpoints (at least; more when the queue holds more messages). */
export const queueCheckpointEventsMin = 50_000;
/** Default segment size of a queue's journal (smaller than a stream's: finer reclamation). */
export const queueSegmentBytesDefault = 16 * MiB;
// ---- streams and consumer groups (spec §2.7, §7.4, §7.5) ----

/** Most partitions of one stream. */
export const streamPartitionsMax = 1_024;
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

// ---- actions and workers (engine/action; spec §7.6, §7.7, §9) ----

/** Longest action name (UTF-8 bytes; the wire's 1-255 byte key). */
export const actionNameBytesMax = 255;
/** Longest action description (the wire's u16 length). */
export const actionDescriptionBytesMax = 65_535;
/** Lease of one attempt: default and largest (the queue's longest lease). */
export const actionTimeoutMsDefault = 30_000;
export const actionTimeoutMsMax = queueVisibilityMsMax;
/** Retries after the first attempt: default (4 attempts in all) and largest. */
export const actionMaxRetriesDefault = 3;
export const actionMaxRetriesMax = 10_000;
/** Priority of a run invoked without one (the wire's newest invoke form uses 10). */
export const actionPriorityDefault = 10;
/** Longest run ticket header (ids, idempotency key, caller); the input gets the rest. */
export const actionTicketHeaderBytesMax = 8 * KiB;
/** Largest run input: a ticket (header + input) is one queue payload. */
export const actionInputBytesMax = queuePayloadBytesMax - actionTicketHeaderBytesMax;
/** Largest run output (the wire carries it with a u32 length in ACTION_STATUS). */
export const actionOutputBytesMax = 16 * MiB;
/** Longest error message and outcome name of a run. */
export const actionErrorBytesMax = 64 * KiB;
export const actionOutcomeBytesMax = 1 * KiB;
/** Longest idempotency key. */
export const actionIdempotencyKeyBytesMax = 1 * KiB;
/** Longest canonical labels JSON of a run (it names the run's internal queue). */
export const actionLabelsBytesMax = 2 * KiB;
/** Run ids, task ids and workflow run ids: 3-128 bytes (wire §7.6.1). */
export const actionIdBytesMin = 3;
export const actionIdBytesMax = 128;
/** How long an idempotency key returns its run, and how long finished runs are kept. */
export const actionIdempotencyWindowMsDefault = 24 * 3_600_000;
export const actionRunRetentionMsDefault = 24 * 3_600_000;
/** Retry backoff of a failed attempt: base (doubling per attempt) and cap, before jitter. */
export const actionBackoffMsBaseDefault = 1_000;
export const actionBackoffMsMaxDefault = 60_000;
/** Ids (runs and tasks) reserved durably ahead of use in one step. */
export const actionIdReserveBlock = 65_536;
/** Wait of an ACTION_AWAIT without block_ms, and of awaitResult without one. */
export const actionAwaitBlockMsDefault = 30_000;
/** Default parked awaits and result waits per store (the wire's server-wide parked limit). */
export const actionParkedMaxDefault = 100_000;
/** Default and largest page of an action, run or worker list. */
export const actionPageLimitDefault = 100;
export const actionPageLimitMax = 1_000;
/** Finished runs a filtered run listing examines per page at most. */
export const actionListScanMax = 10_000;
/** Longest worker id and machine id; longest metadata JSON; most processes of a worker. */
export const workerIdBytesMax = 255;
export const workerMetadataBytesMax = 65_535;
export const workerProcessesMax = 1_024;
/** A worker not heard from for this long is unhealthy (wire worker.timeout_ms). */
export const workerTimeoutMsDefault = 60_000;
/** max_concurrency of a worker registered without one (the wire's 0). */
export const workerMaxConcurrencyDefault = 10;

// Segment positions are stored as u32 in the sparse index; a segment may exceed
// segmentBytesMaxLimit by one batch, so the sum must stay below 2^32.
assert(segmentBytesMaxLimit + batchBytesMax < 2 ** 32, 'segment positions must fit u32');
assert(segmentBytesMin <= segmentBytesDefault, 'segment default below minimum');
assert(segmentBytesDefault <= segmentBytesMaxLimit, 'segment default above maximum');
assert(recordKeyBytesMax + recordValueBytesMax < batchBytesMax, 'a record must fit a batch');
assert(indexIntervalBytesDefault <= segmentBytesMin, 'index interval above a segment');
// A data block is finished once it reaches its target, so it holds at most the target plus
// one entry (three varints, a kind byte, a seq varint, key and value) plus its restart array.
const tableEntryBytesMax = lsmKeyBytesMax + lsmValueBytesMax + 4 * 8 + 1;
const tableRestartArrayBytesMax = 4 * (tableBlockBytesTargetMax + 1) + 4;
assert(
  tableBlockBytesTargetMax + tableEntryBytesMax + tableRestartArrayBytesMax <= tableBlockBytesMax,
  'a data block at its largest must fit tableBlockBytesMax',
);
assert(tableBlockBytesDefault <= tableBlockBytesTargetMax, 'block default above maximum');
assert(tableRestartIntervalDefault <= tableRestartIntervalMax, 'restart default above maximum');
assert(bloomBitsPerKeyDefault <= bloomBitsPerKeyMax, 'bloom default above maximum');
assert(tableBlocksMax * (tableFileNumberMax + 1) <= 2 ** 53, 'block cache keys must fit 2^53');
assert(tableBlockBytesMax < 2 ** 32, 'block sizes are stored as u32 in the footer');
assert(lsmKeyBytesMax + lsmValueBytesMax < memtableBytesMaxDefault, 'an entry must fit a memtable');
assert(l0CompactionTriggerDefault < l0StallTablesDefault, 'L0 stalls before it compacts');
assert(immutableMemtablesMaxDefault >= 1, 'a full memtable needs room to become immutable');
assert(levelCountMax >= 2, 'a leveled tree needs L0 and L1');
assert(levelBytesBaseDefault * levelSizeRatio ** (levelCountMax - 2) <= 2 ** 53,
  'level targets must be safe integers');
assert(tableBytesTargetDefault <= levelBytesBaseDefault, 'a table fits its level');
// A KV entry's LSM key is a tag, the namespace, a NUL and the key; its value a record header
// (at most 32 bytes) and the value.
assert(1 + kvNamespaceBytesMax + 1 + kvKeyBytesMax <= lsmKeyBytesMax, 'a KV key fits the LSM');
assert(kvValueBytesMax + 32 <= lsmValueBytesMax, 'a KV value fits the LSM');
assert(kvTxnBytesMax + kvTxnOpsMax * 64 < batchBytesMax, 'a transaction fits one WAL batch');
assert(kvTxnOpsMax <= kvBatchEntriesMax, 'a commit is a batch');
assert(kvScanLimitDefault <= kvScanLimitMax, 'scan default above maximum');
assert(kvHistoryDepthDefault <= kvHistoryDepthMax, 'history default above maximum');
assert(queuePayloadBytesMax <= recordValueBytesMax, 'a queue payload must fit a log record');
assert(queueDedupKeyBytesMax + 64 <= recordKeyBytesMax, 'an enqueue event must fit a record key');
assert(queueBatchMax <= batchRecordsMax, 'a batch enqueue must fit one log batch');
assert(queueBatchBytesMax + queueBatchMax * (queueDedupKeyBytesMax + 128) < batchBytesMax,
  'a batch enqueue with its event headers must fit one log batch');
assert(queueSeqListMax * 8 <= recordValueBytesMax, 'a seq list must fit a record value');
assert(queueVisibilityMsDefault <= queueVisibilityMsMax, 'lease default above maximum');
assert(queueMaxDeliveriesDefault <= queueMaxDeliveriesMax, 'max deliveries default too big');
assert(queueDedupWindowMsDefault <= queueDedupWindowMsMax, 'dedup window default too big');
assert(queuePageLimitDefault <= queuePageLimitMax, 'page default above maximum');
assert(queueSegmentBytesDefault >= segmentBytesMin, 'queue segments below the minimum');
assert(queueSeqReserveBlock >= 2, 'a reservation block holds seqs ahead of use');
assert(streamAppendRecordsMax <= batchRecordsMax, 'a stream append is one log batch');
assert(streamAppendRecordsMax < 2 ** 16, 'a record\'s index in its batch is stored as u16');
assert(streamReadCountDefault <= streamReadCountMax, 'read count default above maximum');
assert(groupReadCountDefault <= groupReadCountMax, 'group read count default above maximum');
assert(groupClaimCountMax <= groupClaimScanMax, 'a claim must be able to scan its count');
assert(groupMaxDeliverDefault <= groupMaxDeliverMax, 'max deliver default above maximum');
assert(streamSequenceBlock >= 2 * streamAppendRecordsMax, 'a reservation covers an append');
assert(streamJournalSegmentBytes >= segmentBytesMin, 'journal segments below the minimum');
assert(streamListLimitDefault <= streamListLimitMax, 'list limit default above maximum');
assert(actionTimeoutMsDefault <= actionTimeoutMsMax, 'action timeout default above maximum');
assert(actionMaxRetriesDefault <= actionMaxRetriesMax, 'max retries default above maximum');
// The internal queues never dead-letter: the action store decides every end of an attempt.
assert(actionMaxRetriesMax + 2 < queueMaxDeliveriesMax, 'attempts stay below the queue limit');
assert(actionPriorityDefault <= 255, 'priorities are u8');
assert(actionInputBytesMax > 0, 'a ticket header leaves room for the input');
assert(actionIdempotencyKeyBytesMax + 2 * actionIdBytesMax + 64 <= actionTicketHeaderBytesMax,
  'a ticket header holds the idempotency key and the caller');
// A run record holds an output or an error, its labels, idempotency key and caller.
assert(Math.max(actionOutputBytesMax, actionErrorBytesMax) + actionLabelsBytesMax +
  actionTicketHeaderBytesMax + 4 * KiB <= lsmValueBytesMax, 'a run record fits an LSM value');
assert(actionNameBytesMax + actionLabelsBytesMax + 16 <= queueNameBytesMax,
  'an internal queue name holds an action id and the labels');
assert(actionIdReserveBlock >= 2, 'a reservation block holds ids ahead of use');
assert(actionAwaitBlockMsDefault <= waitMsMax, 'await default above the longest wait');
assert(actionPageLimitDefault <= actionPageLimitMax, 'page default above maximum');
assert(actionPageLimitMax <= actionListScanMax, 'a filtered page may scan a full page');
assert(1 + namespaceBytesMax + 1 + actionNameBytesMax + 1 + actionIdempotencyKeyBytesMax <=
  lsmKeyBytesMax, 'an idempotency key fits an LSM key');
