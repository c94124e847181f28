// Chooses the next compaction for a version. Two styles (docs/design/lsm.md compares their
// measured write amplification):
//
// - leveled (default; LevelDB, RocksDB's default): L0 is compacted into L1 once it holds
//   `l0Trigger` tables (all of L0 plus the L1 tables they overlap); a level n >= 1 whose
//   bytes exceed base * ratio^(n-1) moves one table (round-robin by key) into level n+1,
//   merging it with the tables it overlaps there, or just relinking it (a trivial move)
//   when it overlaps none. The level with the highest score (size over target) goes first.
// - tiered (RocksDB universal): every table is a sorted run in L0, newest first; once there
//   are `l0Trigger` runs, the newest runs whose sizes are within 1% of the sum of the runs
//   newer than them are merged into one (at least two), so each byte is rewritten about
//   once per size doubling.

import { assert } from '../assert.ts';
import { levelCountMax } from '../limits.ts';
import { compareRange } from './internal_key.ts';
import type { LiveTable, Version } from './version.ts';

export type CompactionStyle = 'leveled' | 'tiered';

export interface PickerOptions {
  style: CompactionStyle;
  l0Trigger: number;
  levelBytesBase: number;
  levelSizeRatio: number;
}

/** The tables of one input level. */
export interface PickedLevel {
  level: number;
  tables: LiveTable[];
}

export interface CompactionPick {
  /** Input levels, upper first; L0 tables newest first, others by key. */
  inputs: PickedLevel[];
  outputLevel: number;
  /** One table that moves down unchanged (only its manifest entry changes). */
  trivialMove: boolean;
  /** Why, for stats and inspection. */
  reason: string;
}

/** The target size of level `level` >= 1. */
export function levelTargetBytes(options: PickerOptions, level: number): number {
  assert(level >= 1, 'L0 is bounded by count');
  return options.levelBytesBase * options.levelSizeRatio ** (level - 1);
}

/**
 * The next compaction, or null when every level is within its target.
 * @param pointers per level, the largest key of the last table compacted out of it
 * (round-robin); updated by the caller once the compaction is installed.
 */
export function pickCompaction(
  version: Version, options: PickerOptions, pointers: Array<Uint8Array | null>,
): CompactionPick | null {
  return options.style === 'tiered' ? pickTiered(version, options)
    : pickLeveled(version, options, pointers);
}

function pickLeveled(
  version: Version, options: PickerOptions, pointers: Array<Uint8Array | null>,
): CompactionPick | null {
  let bestLevel = -1;
  let bestScore = 1;
  const l0Score = version.levels[0]!.length / options.l0Trigger;
  if (l0Score >= bestScore) {
    bestLevel = 0;
    bestScore = l0Score;
  }
  for (let level = 1; level < levelCountMax - 1; level++) {
    const score = version.levelBytes(level) / levelTargetBytes(options, level);
    if (score > bestScore) {
      bestLevel = level;
      bestScore = score;
    }
  }
  if (bestLevel < 0) return null;
  const reason = `L${bestLevel} score ${bestScore.toFixed(2)}`;
  if (bestLevel === 0) {
    const l0 = [...version.levels[0]!];
    const [smallest, largest] = spanOf(l0);
    const below = version.overlapping(1, smallest, largest);
    return {
      inputs: [{ level: 0, tables: l0 }, { level: 1, tables: below }],
      outputLevel: 1, trivialMove: false, reason,
    };
  }
  const table = nextByPointer(version.levels[bestLevel]!, pointers[bestLevel] ?? null);
  const below = version.overlapping(bestLevel + 1, table.meta.smallestKey, table.meta.largestKey);
  return {
    inputs: [{ level: bestLevel, tables: [table] }, { level: bestLevel + 1, tables: below }],
    outputLevel: bestLevel + 1, trivialMove: below.length === 0, reason,
  };
}

// The first table after the pointer's key, wrapping to the first table.
function nextByPointer(tables: readonly LiveTable[], pointer: Uint8Array | null): LiveTable {
  assert(tables.length > 0, 'no table to pick');
  if (pointer === null) return tables[0]!;
  const next = tables.find((table) => compareRange(table.meta.smallestKey, 0,
    table.meta.smallestKey.length, pointer, 0, pointer.length) > 0);
  return next ?? tables[0]!;
}

/** The smallest and largest key over `tables`. REQUIRES: at least one table. */
export function spanOf(tables: readonly LiveTable[]): [Uint8Array, Uint8Array] {
  assert(tables.length > 0, 'span of no tables');
  let smallest = tables[0]!.meta.smallestKey;
  let largest = tables[0]!.meta.largestKey;
  for (const { meta } of tables) {
    if (compareRange(meta.smallestKey, 0, meta.smallestKey.length, smallest, 0,
      smallest.length) < 0) smallest = meta.smallestKey;
    if (compareRange(meta.largestKey, 0, meta.largestKey.length, largest, 0,
      largest.length) > 0) largest = meta.largestKey;
  }
  return [smallest, largest];
}

const TIERED_SIZE_RATIO = 1.01;

function pickTiered(version: Version, options: PickerOptions): CompactionPick | null {
  const runs = version.levels[0]!;
  if (runs.length < options.l0Trigger) return null;
  for (let start = 0; start < runs.length - 1; start++) {
    let sum = runs[start]!.meta.sizeBytes;
    let end = start + 1;
    while (end < runs.length && runs[end]!.meta.sizeBytes <= sum * TIERED_SIZE_RATIO) {
      sum += runs[end]!.meta.sizeBytes;
      end += 1;
    }
    if (end - start >= 2) {
      return {
        inputs: [{ level: 0, tables: runs.slice(start, end) }], outputLevel: 0,
        trivialMove: false, reason: `${end - start} runs of similar size`,
      };
    }
  }
  // No window of similar sizes: merge the newest runs down to the trigger.
  const count = runs.length - options.l0Trigger + 2;
  return {
    inputs: [{ level: 0, tables: runs.slice(0, count) }], outputLevel: 0,
    trivialMove: false, reason: `${runs.length} runs, merging the newest ${count}`,
  };
}
