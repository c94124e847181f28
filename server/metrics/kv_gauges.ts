// The KV family's metrics, read from the engine at scrape time (one KvStore.stats() call per
// family, which reads counters the LSM keeps; nothing is scanned):
//   flo_kv_lsm_tables{level}, flo_kv_lsm_bytes{level}, flo_kv_lsm_entries{level}
//                                   sorted tables per LSM level, their bytes and entries
//                                   (entries count every kept version and tombstone)
//   flo_kv_memtable_bytes, flo_kv_wal_bytes      what is not yet in tables
//   flo_kv_parked_gets, flo_kv_open_transactions
//   flo_kv_lsm_flushes_total, flo_kv_lsm_compactions_total, flo_kv_lsm_write_stalls_total
//   flo_kv_wal_fsync_duration_seconds            histogram of the WAL's fsyncs
// Keys or bytes per namespace are not offered: the engine does not count them (a put does
// not read whether its key is new), and counting at scrape time would be a full scan.

import { LATENCY_BOUNDS_MS, type KvStore, type LsmStats } from '../../engine/mod.ts';
import type { MetricsRegistry, Sample } from './registry.ts';

type Value = (stats: LsmStats) => number;

/** Declares the KV metrics over `kv`. */
export function registerKvGauges(metrics: MetricsRegistry, kv: KvStore): void {
  const levels = (name: string, help: string, value: (level: LsmStats['levels'][number]) =>
    number): void => metrics.collected({
    name, help, type: 'gauge', labelNames: ['level'],
    collect: () => kv.stats().lsm.levels.map((level): Sample =>
      ({ labels: [String(level.level)], value: value(level) })),
  });
  levels('flo_kv_lsm_tables', 'Sorted tables per LSM level of the KV store.',
    (level) => level.tables);
  levels('flo_kv_lsm_bytes', 'Bytes of the sorted tables per LSM level of the KV store.',
    (level) => level.bytes);
  levels('flo_kv_lsm_entries', 'Entries (kept versions and tombstones) per LSM level.',
    (level) => level.entries);
  const single = (name: string, help: string, type: 'gauge' | 'counter', value: Value) =>
    metrics.collected({ name, help, type, collect: () => [{ labels: [], value:
      value(kv.stats().lsm) }] });
  single('flo_kv_memtable_bytes', 'Bytes held in the KV memtables (not yet in tables).',
    'gauge', (stats) => stats.memtableBytes);
  single('flo_kv_wal_bytes', 'Bytes of the KV write-ahead log on disk.', 'gauge',
    (stats) => stats.wal.bytes);
  single('flo_kv_lsm_flushes_total', 'Memtable flushes of the KV store.', 'counter',
    (stats) => stats.flushes);
  single('flo_kv_lsm_compactions_total', 'Compactions of the KV store.', 'counter',
    (stats) => stats.compactions);
  single('flo_kv_lsm_write_stalls_total', 'Writes the KV store refused or held for room.',
    'counter', (stats) => stats.writeStalls);
  metrics.collected({
    name: 'flo_kv_parked_gets', help: 'KV_GET requests waiting (block_ms or wait_ms).',
    type: 'gauge', collect: () => [{ labels: [], value: kv.stats().parkedGets }],
  });
  metrics.collected({
    name: 'flo_kv_open_transactions', help: 'KV transactions begun and not yet ended.',
    type: 'gauge', collect: () => [{ labels: [], value: kv.stats().openTransactions }],
  });
  metrics.collectedHistogram({
    name: 'flo_kv_wal_fsync_duration_seconds',
    help: 'How long each fsync of the KV write-ahead log took.',
    buckets: LATENCY_BOUNDS_MS.map((ms) => ms / 1000),
    collect: () => {
      const fsync = kv.stats().lsm.walFsync;
      return [{ labels: [], bucketCounts: fsync.bucketCounts, sum: fsync.sumMs / 1000,
        count: fsync.count }];
    },
  });
}
