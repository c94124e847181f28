// LsmDb unit tests: reads see writes at once and after reopen; durability resolves after
// the fsync and concurrent writers share it; a turn's writes are one WAL record; flush and
// compaction move data without changing what reads see; snapshots and open iterators
// survive compactions; write stalls refuse with OverloadedError and whenWritable waits;
// orphans go at open; the manifest is rewritten when it grows; a failed fsync fails the DB;
// tiered compaction reads the same.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../io/clock.ts';
import { MemFs } from '../io/mem_fs.ts';
import { fromUtf8, utf8 } from '../codec/bytes.ts';
import { OverloadedError, StorageIoError } from '../errors.ts';
import { LsmDb } from './db.ts';
import type { LsmOptions } from './db_options.ts';
import { EntryKind } from './internal_key.ts';
import { WriteBatch } from './write_batch.ts';

function options(fs: MemFs, extra: Partial<LsmOptions> = {}): LsmOptions {
  return { fs, clock: new ManualClock(), dir: '/db', memtableBytesMax: 32 * 1024,
    levelBytesBase: 64 * 1024, tableBytesTarget: 16 * 1024, background: false, ...extra };
}

function batchOf(pairs: Array<[string, string | null]>): WriteBatch {
  const batch = new WriteBatch();
  for (const [key, value] of pairs) {
    if (value === null) batch.delete(utf8(key));
    else batch.put(utf8(key), utf8(value));
  }
  return batch;
}

function read(db: LsmDb, key: string, seq?: number): string | null | undefined {
  const entry = db.get(utf8(key), seq);
  if (entry === undefined) return undefined;
  return entry.kind === EntryKind.tombstone ? null : fromUtf8(entry.value);
}

function scan(db: LsmDb, snapshotSeq?: number): string[] {
  const iterator = db.iterator({ snapshotSeq });
  const out: string[] = [];
  try {
    for (iterator.first(); iterator.valid(); iterator.next()) {
      out.push(`${fromUtf8(iterator.key())}=${fromUtf8(iterator.value())}`);
    }
  } finally {
    iterator.close();
  }
  return out;
}

async function fill(db: LsmDb, count: number, tag: string, step = 50): Promise<void> {
  for (let i = 0; i < count; i += step) {
    const pairs: Array<[string, string]> = [];
    for (let j = i; j < Math.min(count, i + step); j++) {
      pairs.push([`k${String((j * 7919) % count).padStart(6, '0')}`, `${tag}${j}`]);
    }
    await db.whenWritable();
    await db.write(batchOf(pairs)).durable;
  }
}

test('LsmDb.get sees a write at once, with seqs per entry, and after reopen', async () => {
  const fs = new MemFs();
  let db = await LsmDb.open(options(fs));
  assert.equal(db.recovery.created, true);
  const result = db.write(batchOf([['a', '1'], ['b', '2'], ['a', '3']]));
  assert.equal(result.seq, 3);
  assert.equal(read(db, 'a'), '3');
  assert.equal(read(db, 'a', 1), '1');
  assert.equal(read(db, 'b', 1), undefined);
  await result.durable;
  assert.equal(db.durableSeq, 3);
  db.write(batchOf([['b', null]]));
  assert.equal(read(db, 'b'), null);
  assert.deepEqual(scan(db), ['a=3']);
  assert.deepEqual(scan(db, 3), ['a=3', 'b=2']);
  await db.close();
  db = await LsmDb.open(options(fs));
  assert.equal(db.recovery.created, false);
  assert.equal(db.recovery.entriesReplayed, 4);
  assert.equal(db.lastSeq, 4);
  assert.deepEqual([read(db, 'a'), read(db, 'b')], ['3', null]);
  await db.close();
});

test('concurrent writes share one fsync in sync mode and resolve after it', async () => {
  const fs = new MemFs();
  const db = await LsmDb.open(options(fs));
  const syncsBefore = fs.stats.syncs;
  const results = Array.from({ length: 20 }, (_, i) => db.write(batchOf([[`k${i}`, 'v']])));
  let resolved = 0;
  for (const result of results) void result.durable.then(() => resolved++);
  assert.equal(resolved, 0);
  await Promise.all(results.map((result) => result.durable));
  assert.ok(fs.stats.syncs - syncsBefore <= 2, `${fs.stats.syncs - syncsBefore} syncs`);
  assert.equal(fs.unsyncedFiles().filter((path) => path.includes('/wal/')).length, 0);
  await db.close();
});

test('a turn\'s writes are one WAL record; size, freeze and sync hand it over early', async () => {
  const fs = new MemFs();
  let db = await LsmDb.open(options(fs, { memtableBytesMax: 1 << 30 }));
  const walRecords = (): number => db.stats().wal.nextOffset;
  const start = walRecords();
  const results = Array.from({ length: 20 }, (_, i) => db.write(batchOf([[`k${i}`, 'v']])));
  assert.equal(walRecords(), start, 'the group waits for its microtask');
  assert.ok(results.every((result) => result.durable === results[0]!.durable));
  await results[19]!.durable;
  assert.equal(walRecords(), start + 1);
  assert.equal(db.durableSeq, 20);

  // A batch above the group's limit: the group goes first, then the batch on its own.
  const small = db.write(batchOf([['small', 'v']]));
  const big = db.write(batchOf([['big', 'x'.repeat(1100 * 1024)]]));
  assert.equal(walRecords(), start + 3);
  assert.notEqual(small.durable, big.durable);
  await big.durable;
  assert.equal(db.durableSeq, big.seq);

  const last = db.write(batchOf([['last', 'v']]));
  await db.sync();
  assert.equal(walRecords(), start + 4);
  assert.equal(db.durableSeq, last.seq);
  await db.close();
  db = await LsmDb.open(options(fs));
  assert.equal(db.recovery.entriesReplayed, 23);
  assert.deepEqual([read(db, 'k19'), read(db, 'small'), read(db, 'last')], ['v', 'v', 'v']);
  await db.close();

  // A memtable that fills mid-turn freezes at a group boundary: its WAL end covers it.
  const frozenFs = new MemFs();
  db = await LsmDb.open(options(frozenFs));
  const writes = Array.from({ length: 400 }, (_, i) =>
    db.write(batchOf([[`f${String(i).padStart(3, '0')}`, 'y'.repeat(100)]])));
  assert.ok(db.stats().wal.nextOffset >= 2, 'a freeze handed a group over');
  await Promise.all(writes.map((write) => write.durable));
  await db.flush();
  await db.close();
  db = await LsmDb.open(options(frozenFs));
  assert.equal(scan(db).length, 400);
  await db.close();
});

test('flush and compaction keep every read the same, and free the WAL', async () => {
  const fs = new MemFs();
  const db = await LsmDb.open(options(fs, { walSegmentBytes: 4096 }));
  await fill(db, 3000, 'a');
  await fill(db, 3000, 'b');
  const before = scan(db);
  assert.equal(before.length, 3000);
  await db.compact();
  const stats = db.stats();
  assert.ok(stats.flushes > 0 && stats.compactions > 0, JSON.stringify(stats));
  assert.ok(stats.levels[0]!.tables < 4);
  assert.ok(stats.wal.firstOffset > 0, 'flushed WAL segments were dropped');
  assert.deepEqual(scan(db), before);
  assert.equal(read(db, 'k000007'), before.find((line) => line.startsWith('k000007='))!
    .split('=')[1]);
  await db.compactAll();
  const levels = db.stats().levels.filter((level) => level.tables > 0);
  assert.equal(levels.length, 1);
  // Only the newest version of each key is left after a full compaction without snapshots.
  assert.equal(levels[0]!.entries, 3000);
  assert.deepEqual(scan(db), before);
  await db.close();
});

test('a snapshot keeps old versions through compaction; an open iterator its tables', async () => {
  const fs = new MemFs();
  const db = await LsmDb.open(options(fs));
  await fill(db, 500, 'old');
  const snapshot = db.snapshot();
  const iterator = db.iterator();
  iterator.first();
  await fill(db, 500, 'new');
  for (let i = 0; i < 500; i += 50) await db.write(batchOf([[`k${String(i).padStart(6, '0')}`,
    null]])).durable;
  await db.compactAll();
  const old = scan(db, snapshot.seq);
  assert.equal(old.length, 500);
  assert.ok(old.every((line) => line.includes('=old')));
  let count = 0;
  for (; iterator.valid(); iterator.next()) {
    assert.match(fromUtf8(iterator.value()), /^old/);
    count += 1;
  }
  iterator.close();
  assert.equal(count, 500);
  snapshot.release();
  await db.compactAll();
  assert.equal(scan(db).length, 490);
  assert.equal(db.stats().levels.reduce((sum, level) => sum + level.entries, 0), 490);
  await db.close();
  assert.deepEqual(fs.list('/db').filter((name) => name.endsWith('.sst')).length,
    db.stats().levels.reduce((sum, level) => sum + level.tables, 0));
});

test('a full memtable with flushes pending refuses writes; whenWritable waits', async () => {
  const fs = new MemFs();
  const db = await LsmDb.open(options(fs, { immutableMemtablesMax: 1 }));
  let refused: unknown = null;
  for (let i = 0; i < 2000 && refused === null; i++) {
    try {
      db.write(batchOf([[`key${i}`, 'x'.repeat(100)]]));
    } catch (error) {
      refused = error;
    }
  }
  assert.ok(refused instanceof OverloadedError, String(refused));
  assert.match((refused as Error).message, /memtable is full/);
  assert.ok(db.stats().writeStalls >= 1);
  await db.whenWritable();
  assert.equal(db.writeStall(), null);
  db.write(batchOf([['after', 'stall']]));
  await db.close();
});

test('orphan tables and manifests are deleted at open', async () => {
  const fs = new MemFs();
  let db = await LsmDb.open(options(fs));
  await fill(db, 500, 'v');
  await db.flush();
  await db.close();
  for (const name of ['999999.sst', 'MANIFEST-000077', 'CURRENT.tmp']) {
    fs.openFile(`/db/${name}`, { create: true }).close();
  }
  db = await LsmDb.open(options(fs));
  assert.deepEqual(db.recovery.orphansRemoved.sort(),
    ['999999.sst', 'CURRENT.tmp', 'MANIFEST-000077'].sort());
  assert.equal(scan(db).length, 500);
  await db.close();
});

test('the manifest is rewritten once it grows past its limit', async () => {
  const fs = new MemFs();
  let db = await LsmDb.open(options(fs, { manifestBytesMax: 1024 }));
  for (let round = 0; round < 30; round++) {
    await fill(db, 60, `r${round}`);
    await db.flush();
  }
  await db.compact();
  const manifests = fs.list('/db').filter((name) => name.startsWith('MANIFEST-'));
  assert.equal(manifests.length, 1);
  assert.notEqual(manifests[0], 'MANIFEST-000001');
  const before = scan(db);
  await db.close();
  db = await LsmDb.open(options(fs, { manifestBytesMax: 1024 }));
  assert.deepEqual(scan(db), before);
  await db.close();
});

test('a failed WAL fsync fails the DB: the write rejects and later writes throw', async () => {
  const fs = new MemFs();
  const db = await LsmDb.open(options(fs));
  fs.injectFault('sync', '/wal/');
  const result = db.write(batchOf([['a', '1']]));
  await assert.rejects(result.durable, StorageIoError);
  assert.throws(() => db.write(batchOf([['b', '2']])), StorageIoError);
  await assert.rejects(db.flush(), StorageIoError);
  await db.close();
});

test('tiered compaction keeps reads the same and merges runs of similar size', async () => {
  const fs = new MemFs();
  const db = await LsmDb.open(options(fs, { compactionStyle: 'tiered' }));
  await fill(db, 3000, 'a');
  await fill(db, 3000, 'b');
  const before = scan(db);
  await db.compact();
  const stats = db.stats();
  assert.ok(stats.compactions > 0);
  assert.ok(stats.levels.slice(1).every((level) => level.tables === 0));
  assert.ok(stats.levels[0]!.tables < 4);
  assert.deepEqual(scan(db), before);
  await db.compactAll();
  assert.equal(db.stats().levels[0]!.tables, 1);
  assert.deepEqual(scan(db), before);
  await db.close();
});

test('background work flushes and compacts without being asked', async () => {
  const fs = new MemFs();
  const db = await LsmDb.open(options(fs, { background: true }));
  for (let i = 0; i < 6000; i += 50) {
    const pairs: Array<[string, string]> = [];
    for (let j = i; j < i + 50; j++) pairs.push([`k${(j * 7919) % 6000}`, `v${j}`]);
    await db.whenWritable();
    await db.write(batchOf(pairs)).durable;
  }
  await db.close();
  const reopened = await LsmDb.open(options(fs));
  const stats = reopened.stats();
  assert.ok(stats.levels.some((level, index) => index > 0 && level.tables > 0));
  assert.equal(scan(reopened).length, 6000);
  await reopened.close();
});
