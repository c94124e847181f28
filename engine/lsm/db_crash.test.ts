// The LSM's crash catalogue (LevelDB fault_injection_test, scaled down): for each named
// moment, crash there (a failpoint throws, the DB fails), take crash clones of the file
// system (synced bytes plus a random prefix of the rest, torn writes, zero fill), reopen
// each and check that every acknowledged write is present, no deleted key reappears, a
// write batch is all or nothing, and no orphan file is left.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../io/clock.ts';
import { MemFs } from '../io/mem_fs.ts';
import { Prng } from '../io/prng.ts';
import { armFailpoint, disarmAllFailpoints } from '../io/failpoint.ts';
import { fromUtf8, utf8 } from '../codec/bytes.ts';
import { LsmDb } from './db.ts';
import type { LsmOptions } from './db_options.ts';
import { EntryKind } from './internal_key.ts';
import { WriteBatch } from './write_batch.ts';

const CLONES = 12;

function options(fs: MemFs, extra: Partial<LsmOptions> = {}): LsmOptions {
  return { fs, clock: new ManualClock(), dir: '/db', durability: 'sync',
    memtableBytesMax: 32 * 1024, levelBytesBase: 32 * 1024, tableBytesTarget: 8 * 1024,
    l0CompactionTrigger: 2, walSegmentBytes: 8 * 1024, background: false, ...extra };
}

/** Acknowledged state: key -> value, or null for a deleted key. */
type Acked = Map<string, string | null>;

async function workload(db: LsmDb, acked: Acked, round: number, keys = 300): Promise<void> {
  for (let i = 0; i < keys; i += 20) {
    const batch = new WriteBatch();
    const written: Array<[string, string | null]> = [];
    for (let j = i; j < i + 20; j++) {
      const key = `key${(j * 37) % keys}`;
      const value = (j + round) % 7 === 0 ? null : `r${round}-${j}-${'x'.repeat(j % 50)}`;
      if (value === null) batch.delete(utf8(key));
      else batch.put(utf8(key), utf8(value));
      written.push([key, value]);
    }
    await db.whenWritable();
    await db.write(batch).durable;
    for (const [key, value] of written) acked.set(key, value);
  }
}

async function checkClones(fs: MemFs, acked: Acked, seed: number, extra = {}): Promise<void> {
  const prng = new Prng(seed);
  for (let clone = 0; clone < CLONES; clone++) {
    const crashed = fs.crashClone(prng, { zeroFill: clone % 3 === 0 });
    const db = await LsmDb.open(options(crashed, extra));
    for (const [key, value] of acked) {
      const entry = db.get(utf8(key));
      const actual = entry === undefined || entry.kind === EntryKind.tombstone ? null
        : fromUtf8(entry.value);
      assert.equal(actual, value, `clone ${clone}: key ${key}`);
    }
    const files = crashed.list('/db');
    const live = db.stats().levels.reduce((sum, level) => sum + level.tables, 0);
    assert.equal(files.filter((name) => name.endsWith('.sst')).length, live, files.join(' '));
    assert.equal(files.filter((name) => name.startsWith('MANIFEST-')).length, 1);
    assert.ok(!files.some((name) => name.endsWith('.tmp')), files.join(' '));
    await db.close();
  }
}

// Fills the DB, arms `failpoint`, runs `action` until the failpoint fires, then checks
// clones of what the crash left.
async function crashAt(
  failpoint: string, action: (db: LsmDb, acked: Acked) => Promise<unknown>,
  extra: Partial<LsmOptions> = {}, keys = 300,
): Promise<void> {
  const fs = new MemFs();
  const db = await LsmDb.open(options(fs, extra));
  const acked: Acked = new Map();
  await workload(db, acked, 0, keys);
  await workload(db, acked, 1, keys);
  let fired = false;
  armFailpoint(failpoint, () => {
    fired = true;
    throw new Error(`crash at ${failpoint}`);
  });
  try {
    await action(db, acked).catch(() => undefined);
  } finally {
    disarmAllFailpoints();
  }
  assert.ok(fired, `failpoint ${failpoint} was reached`);
  await checkClones(fs, acked, failpoint.length, extra);
  await db.close();
}

test('crash between a table write and its manifest edit', async () => {
  await crashAt('lsm.flush.before-manifest', (db) => db.flush());
});

test('crash after a manifest edit is written, before its fsync', async () => {
  await crashAt('lsm.manifest.before-sync', (db) => db.flush());
});

test('crash in the middle of a compaction', async () => {
  await crashAt('lsm.compaction.step', (db) => db.compactAll(), {}, 1500);
});

test('crash after compaction outputs are synced, before the manifest edit', async () => {
  await crashAt('lsm.compaction.before-manifest', (db) => db.compactAll());
});

test('crash between a rewritten manifest and the CURRENT rename', async () => {
  await crashAt('lsm.manifest.before-current-rename', async (db, acked) => {
    for (let round = 2; round < 40; round++) {
      await workload(db, acked, round, 40);
      await db.flush();
    }
  }, { manifestBytesMax: 1024 });
});

test('crash during WAL writes: acknowledged batches stay, a batch is all or nothing',
  async () => {
    const fs = new MemFs();
    const db = await LsmDb.open(options(fs));
    const acked: Acked = new Map();
    await workload(db, acked, 0);
    // Batches in flight: each writes one token to three keys.
    const inflight = Array.from({ length: 10 }, (_, i) => {
      const batch = new WriteBatch();
      for (const key of ['a', 'b', 'c']) batch.put(utf8(`group-${key}`), utf8(`token${i}`));
      return db.write(batch).durable;
    });
    const prng = new Prng(7);
    for (let clone = 0; clone < CLONES; clone++) {
      const crashed = fs.crashClone(prng, { zeroFill: clone % 2 === 0 });
      const reopened = await LsmDb.open(options(crashed));
      const tokens = ['a', 'b', 'c'].map((key) => {
        const entry = reopened.get(utf8(`group-${key}`));
        return entry === undefined ? null : fromUtf8(entry.value);
      });
      assert.equal(new Set(tokens).size, 1, `torn batch: ${tokens.join(',')}`);
      for (const [key, value] of acked) {
        const entry = reopened.get(utf8(key));
        assert.equal(entry?.kind === EntryKind.value ? fromUtf8(entry.value) : null, value);
      }
      await reopened.close();
    }
    await Promise.all(inflight);
    await db.close();
  });
