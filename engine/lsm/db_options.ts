// The LSM database's options: what a caller may set, the defaults, and the checks (bad
// options are the caller's mistake: TypeError / RangeError naming the option). The
// defaults were chosen by measurement (docs/design/lsm.md).

import { checkIntOr } from '../args.ts';
import type { Clock } from '../io/clock.ts';
import type { FileSystem } from '../io/file_system.ts';
import {
  blockCacheBytesDefault, bloomBitsPerKeyDefault, bloomBitsPerKeyMax,
  immutableMemtablesMaxDefault, l0CompactionTriggerDefault, l0StallTablesDefault,
  levelBytesBaseDefault, levelSizeRatio,
  manifestBytesMaxDefault, memtableBytesMaxDefault, segmentBytesMaxLimit, segmentBytesMin,
  syncIntervalMsDefault, tableBlockBytesDefault, tableBlockBytesTargetMax,
  tableBytesTargetDefault, walSegmentBytesDefault,
} from '../limits.ts';
import type { Durability } from '../log/segmented_log.ts';
import type { CompactionStyle } from './compaction_picker.ts';

export interface LsmOptions {
  fs: FileSystem;
  clock: Clock;
  dir: string;
  /** Default 'sync': a write resolves once its WAL record is fsynced (group commit). */
  durability?: Durability;
  /** fsync period of the async mode (default 100 ms). */
  syncIntervalMs?: number;
  /** Memtable size at which it becomes immutable and is flushed (default 64 MiB). */
  memtableBytesMax?: number;
  /** Immutable memtables waiting for flush before writes are refused (default 2). */
  immutableMemtablesMax?: number;
  /** 'leveled' (default) or 'tiered'. */
  compactionStyle?: CompactionStyle;
  /** L0 tables (or tiered runs) that trigger a compaction (default 4). */
  l0CompactionTrigger?: number;
  /** L0 tables at which writes are refused with OverloadedError (default 24). */
  l0StallTables?: number;
  /** Target size of L1 (default 256 MiB); deeper levels are 10x the one above. */
  levelBytesBase?: number;
  /** Size at which a compaction cuts its output table (default 64 MiB). */
  tableBytesTarget?: number;
  /** Block cache shared by all tables (default 128 MiB). */
  blockCacheBytes?: number;
  /** Target data block size (default 4 KiB). */
  blockBytes?: number;
  /** Table block compression (default 'lz4'). */
  compression?: 'lz4' | 'none';
  bloomBitsPerKey?: number;
  /** WAL segment size (default 32 MiB). */
  walSegmentBytes?: number;
  /** Manifest size after which it is rewritten (default 4 MiB). */
  manifestBytesMax?: number;
  /** Run flushes and compactions in the background (default true; tests drive them). */
  background?: boolean;
  /** Seed of the memtables' skiplist heights (deterministic tests). */
  seed?: number;
}

/** The options with every default applied. */
export type ResolvedLsmOptions = Required<LsmOptions>;

/** Checks `options` and fills in the defaults. @throws TypeError, RangeError */
export function resolveLsmOptions(options: LsmOptions): ResolvedLsmOptions {
  if (options === null || typeof options !== 'object') throw new TypeError('options required');
  if (typeof options.dir !== 'string' || options.dir.length === 0) {
    throw new TypeError('dir must be a non-empty string');
  }
  const durability = options.durability ?? 'sync';
  if (!['sync', 'async', 'memory'].includes(durability)) {
    throw new RangeError(`durability must be sync, async or memory, got "${durability}"`);
  }
  const style = options.compactionStyle ?? 'leveled';
  if (style !== 'leveled' && style !== 'tiered') {
    throw new RangeError(`compactionStyle must be leveled or tiered, got "${style}"`);
  }
  const GiB = 2 ** 30;
  const trigger = checkIntOr(options.l0CompactionTrigger, 'l0CompactionTrigger', 2, 1000,
    l0CompactionTriggerDefault);
  const compression = options.compression ?? 'lz4';
  if (compression !== 'lz4' && compression !== 'none') {
    throw new RangeError(`compression must be lz4 or none, got "${compression}"`);
  }
  return {
    fs: options.fs,
    clock: options.clock,
    dir: options.dir,
    durability,
    syncIntervalMs: checkIntOr(options.syncIntervalMs, 'syncIntervalMs', 1, 3_600_000,
      syncIntervalMsDefault),
    memtableBytesMax: checkIntOr(options.memtableBytesMax, 'memtableBytesMax', 32 * 1024, 16 * GiB,
      memtableBytesMaxDefault),
    immutableMemtablesMax: checkIntOr(options.immutableMemtablesMax, 'immutableMemtablesMax',
      1, 64, immutableMemtablesMaxDefault),
    compactionStyle: style,
    l0CompactionTrigger: trigger,
    l0StallTables: checkIntOr(options.l0StallTables, 'l0StallTables', trigger + 1, 10_000,
      Math.max(l0StallTablesDefault, trigger + 1)),
    levelBytesBase: checkIntOr(options.levelBytesBase, 'levelBytesBase', 4096, 64 * GiB,
      levelBytesBaseDefault),
    tableBytesTarget: checkIntOr(options.tableBytesTarget, 'tableBytesTarget', 1024, 16 * GiB,
      tableBytesTargetDefault),
    blockCacheBytes: checkIntOr(options.blockCacheBytes, 'blockCacheBytes', 0, 1024 * GiB,
      blockCacheBytesDefault),
    blockBytes: checkIntOr(options.blockBytes, 'blockBytes', 64, tableBlockBytesTargetMax,
      tableBlockBytesDefault),
    compression,
    bloomBitsPerKey: checkIntOr(options.bloomBitsPerKey, 'bloomBitsPerKey', 1,
      bloomBitsPerKeyMax, bloomBitsPerKeyDefault),
    walSegmentBytes: checkIntOr(options.walSegmentBytes, 'walSegmentBytes', segmentBytesMin,
      segmentBytesMaxLimit, walSegmentBytesDefault),
    manifestBytesMax: checkIntOr(options.manifestBytesMax, 'manifestBytesMax', 1024, 4 * GiB,
      manifestBytesMaxDefault),
    background: options.background ?? true,
    seed: checkIntOr(options.seed, 'seed', 0, 2 ** 32 - 1, 1),
  } satisfies ResolvedLsmOptions;
}

/** The level size ratio (fixed; part of the leveled design, not an option). */
export const LEVEL_SIZE_RATIO = levelSizeRatio;
