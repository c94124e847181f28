// Opens every committed golden KV store (fixtures/kv/v<N>/) with today's code: the manifest
// reads and folds, every table opens and checks out, the inspector finds no problem, and a
// KvStore over a copy answers every value, version, counter, history and deletion the
// generator wrote. A format change that breaks old stores fails here.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../io/clock.ts';
import { MemFs } from '../io/mem_fs.ts';
import { NodeFs } from '../io/node_fs.ts';
import { joinPath } from '../io/file_system.ts';
import { foldEdits } from '../lsm/db_recovery.ts';
import { inspectDb } from '../lsm/inspect_db.ts';
import { readManifest } from '../lsm/manifest.ts';
import { TableReader } from '../lsm/table_reader.ts';
import { tableName } from '../lsm/table_set.ts';
import {
  copyTree, KV_FIXTURE_START_MS, kvFixtureDir, kvFixtureExpected, openFixtureStore,
} from '../../fixtures/kv/generate_kv.ts';

const versions = [1];

for (const version of versions) {
  test(`the golden KV store v${version}: manifest, tables and WAL read back`, () => {
    const fs = new NodeFs();
    const dir = kvFixtureDir(version);
    const manifest = readManifest(fs, dir)!;
    assert.equal(manifest.name, 'MANIFEST-000001');
    assert.equal(manifest.tornTail, false);
    assert.ok(manifest.edits.length >= 4);
    const state = foldEdits(manifest.edits, joinPath(dir, manifest.name));
    assert.ok(state.tables.size >= 1);
    for (const { table } of state.tables.values()) {
      const file = fs.openFile(joinPath(dir, tableName(table.fileNumber)), { readOnly: true });
      const reader = TableReader.open(file, { fileNumber: table.fileNumber });
      assert.equal(reader.properties.entryCount, table.entryCount);
      assert.equal(reader.fileSizeBytes, table.sizeBytes);
      reader.close();
    }
    const report = inspectDb(fs, dir);
    assert.deepEqual(report.problems, []);
    assert.deepEqual(report.orphans, []);
    assert.ok(report.wal !== null && report.wal.totalRecords >= 1, 'a record waits in the WAL');
  });

  test(`the golden KV store v${version}: a KvStore answers what was written`, async () => {
    const fs = new MemFs();
    await copyTree(new NodeFs(), kvFixtureDir(version), fs, '/kv');
    const clock = new ManualClock(KV_FIXTURE_START_MS + kvFixtureExpected.nowOffsetMs);
    const kv = await openFixtureStore(fs, clock);
    const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
    for (const { ns, key, value, version: expected } of kvFixtureExpected.values) {
      const entry = await kv.get(ns, key);
      assert.deepEqual(entry === null ? null : [text(entry.value), entry.version],
        [value, expected], `${ns}/${key}`);
    }
    for (const { ns, key } of kvFixtureExpected.missing) assert.equal(await kv.get(ns, key), null);
    const { ns, key, value } = kvFixtureExpected.counter;
    assert.equal((await kv.incr(ns, key, 0)).value, value);
    const history = kvFixtureExpected.history;
    assert.deepEqual((await kv.history(history.ns, history.key)).map((e) => e.version),
      history.versions);
    assert.ok(kv.nextVersion >= kvFixtureExpected.nextVersionAtLeast);
    assert.deepEqual(kv.namespacesWithData().sort(), ['default', 'other']);
    await kv.close();
  });
}
