// Opens the golden log fixture (fixtures/log/v1, made by fixtures/log/generate_log.ts) and
// checks every record, so a format change that cannot read old files fails here; and checks
// that the generator still produces the committed bytes, so a silent format change fails too.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { MemFs } from '../io/mem_fs.ts';
import { ManualClock } from '../io/clock.ts';
import { SegmentedLog } from './segmented_log.ts';
import { logFixtureBatches, writeLogFixture } from '../../fixtures/log/generate_log.ts';

const fixtureDir = new URL('../../fixtures/log/v1/', import.meta.url);

function loadFixture(): MemFs {
  const fs = new MemFs();
  fs.mkdirp('/fixture');
  for (const name of readdirSync(fixtureDir)) {
    const file = fs.openFile(`/fixture/${name}`, { create: true });
    file.writeAt(readFileSync(new URL(name, fixtureDir)), 0);
    file.close();
  }
  return fs;
}

test('the v1 log fixture opens and holds every record it was written with', async () => {
  const fs = loadFixture();
  const clock = new ManualClock(1_800_000_000_000);
  const log = await SegmentedLog.open({ fs, clock, dir: '/fixture' });
  assert.equal(log.recovery.lostBytes, 0);
  assert.deepEqual(log.recovery.rebuiltIndexes, []);
  const expected = logFixtureBatches().flat();
  const records = await log.read(0, { maxRecords: 1000, maxBytes: 1 << 30 });
  assert.equal(records.length, expected.length);
  records.forEach((record, index) => {
    const input = expected[index]!;
    assert.equal(record.offset, index);
    assert.deepEqual([...record.value], [...input.value], `record ${index}`);
    assert.deepEqual(record.key === null ? null : [...record.key],
      input.key === undefined || input.key === null ? null : [...input.key]);
    assert.equal(record.headers.length, input.headers?.length ?? 0);
  });
  assert.equal(records[4]!.timestampMs, 1_700_000_005_000);
  assert.ok(log.segmentInfo().length >= 3, 'the fixture spans sealed segments');
  assert.equal(log.offsetForTimestamp(1_700_000_005_000), 4);
  await log.close();
});

test('the log fixture generator still writes the committed bytes', async () => {
  const fs = new MemFs();
  await writeLogFixture(fs, '/regen');
  const committed = readdirSync(fixtureDir).sort();
  assert.deepEqual(fs.list('/regen'), committed);
  for (const name of committed) {
    const expected = new Uint8Array(readFileSync(new URL(name, fixtureDir)));
    assert.deepEqual(fs.readFile(`/regen/${name}`), expected, `${name} changed`);
  }
});
