// Opens every committed golden table (fixtures/table/v<N>/) with today's reader: each entry,
// each lookup and the properties must match what the generator wrote, so a format change
// that breaks old files fails here.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeFs } from '../io/node_fs.ts';
import {
  tableFixtureEntries, tableFixtureOptions, tableFixturePath,
} from '../../fixtures/table/generate_table.ts';
import { asLookup, drain, show } from '../testing/lsm_model.ts';
import { inspectTable } from './inspect_table.ts';
import { EntryKind } from './internal_key.ts';
import { TableReader } from './table_reader.ts';

const versions = [1];

for (const version of versions) {
  test(`the golden table v${version} opens and holds every entry it was written with`, () => {
    const fs = new NodeFs();
    const path = tableFixturePath(version);
    const reader = TableReader.open(fs.openFile(path, { readOnly: true }), { fileNumber: 1 });
    try {
      const iterator = reader.iterator();
      iterator.first();
      assert.deepEqual(show(drain(iterator)), show(tableFixtureEntries));
      for (const entry of tableFixtureEntries) {
        assert.deepEqual(show([reader.get(entry.key, entry.seq)]), show([asLookup(entry)]));
      }
      const properties = reader.properties;
      assert.equal(properties.entryCount, tableFixtureEntries.length);
      assert.equal(properties.tombstoneCount,
        tableFixtureEntries.filter((entry) => entry.kind === EntryKind.tombstone).length);
      assert.equal(properties.creationTimeMs, tableFixtureOptions.creationTimeMs);
      assert.equal(properties.smallestSeq, 1);
      assert.equal(properties.largestSeq, 10);
      assert.equal(properties.dataBlockCount, 3);
      assert.ok(properties.compressedBlockCount >= 1, 'the fixture has an LZ4 block');
      assert.ok(properties.compressedBlockCount < 3, 'the fixture has a plain block');
    } finally {
      reader.close();
    }
    const report = inspectTable(fs, path, { entries: true });
    assert.deepEqual(report.problems, []);
    assert.equal(report.entries?.length, tableFixtureEntries.length);
  });
}
