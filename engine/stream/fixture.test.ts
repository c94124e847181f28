// Opens the golden stream fixture (fixtures/stream/v1, made by
// fixtures/stream/generate_stream.ts) and checks records, trims, group state and numbering,
// so a format change that cannot read old stores fails here; and checks that the generator
// still produces the committed bytes, so a silent format change fails too.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemFs } from '../io/mem_fs.ts';
import { NodeFs } from '../io/node_fs.ts';
import { ManualClock } from '../io/clock.ts';
import { StreamStore } from './stream_store.ts';
import { inspectStream } from './inspect_stream.ts';
import { treeFiles } from '../testing/fixture_tree.ts';
import {
  STREAM_FIXTURE_START_MS, writeStreamFixture,
} from '../../fixtures/stream/generate_stream.ts';
import { copyTree } from '../../fixtures/copy_tree.ts';

const fixtureDir = new URL('../../fixtures/stream/v1', import.meta.url).pathname;
const decoder = new TextDecoder();

function loadFixture(): MemFs {
  const fs = new MemFs();
  copyTree(new NodeFs(), fixtureDir, fs, '/fixture');
  return fs;
}

test('the v1 stream fixture opens with its records, trims, groups and numbering', async () => {
  const fs = loadFixture();
  const clock = new ManualClock(STREAM_FIXTURE_START_MS + 10_000);
  const store = await StreamStore.open({ fs, clock, dir: '/fixture' });
  assert.deepEqual(store.list('').streams, [{ name: 'orders', partitionCount: 2 }]);
  const records = await store.read('', 'orders');
  assert.deepEqual(records.map((r) => [r.sequence, r.partition, decoder.decode(r.payload)]), [
    [2, 1, 'order 1'], [3, 1, 'order 2'], [4, 1, ''], [5, 1, 'keyed'], [6, 1, 'explicit time'],
    [7, 0, 'after the checkpoint'],
  ]);
  assert.deepEqual(records[0]!.headers.map(([k, v]) => [decoder.decode(k), decoder.decode(v)]),
    [['content-type', 'text/plain']]);
  assert.equal(records[4]!.timestampMs, STREAM_FIXTURE_START_MS + 5_000);
  const info = await store.info('', 'orders');
  assert.deepEqual([info.count, info.first.sequence, info.last.sequence, info.retention.maxRecords],
    [6, 2, 7, 1_000]);
  const group = await store.groups.info('', 'orders', 'billing');
  assert.deepEqual([group.cursor.sequence, group.pending, group.deadLettered, group.lag,
    group.maxDeliver], [6, 1, 2, 2, 2]);
  assert.deepEqual((await store.groups.pending('', 'orders', 'billing')).map((p) =>
    [p.id.sequence, p.consumer, p.deliveryCount]), [[5, 'a', 2]]);
  const dead = await store.groups.deadLetters('', 'orders', 'billing');
  assert.deepEqual(dead.entries.map((d) => [d.id.sequence, d.consumer, d.deliveryCount]),
    [[3, 'b', 2], [4, 'b', 2]]);
  assert.equal(decoder.decode((await store.read('tenant', 'audit'))[0]!.payload), 'audit entry');
  // The fixture stopped without a clean close: numbering resumes past the reservation.
  const next = await store.append('', 'orders', [{ payload: new Uint8Array(1) }]);
  assert.equal(next.sequence, 65_544);
  await store.close();
});

test('the stream fixture inspector rebuilds the same group state read-only', () => {
  const fs = loadFixture();
  const sizes = () => treeFiles(fs, '/fixture')
    .map((path) => [path, fs.readFile(`/fixture/${path}`).length]);
  const before = sizes();
  const result = inspectStream(fs, '/fixture', '', 'orders')!;
  assert.deepEqual(result.partitions.map((p) => [p.records, p.firstSequence, p.lastSequence]),
    [[1, 7, 7], [5, 2, 6]]);
  assert.deepEqual(result.groups.map((g) => [g.name, g.cursorSequence, g.pending, g.deadLettered,
    g.lag]), [['billing', 6, 1, 2, 2]]);
  assert.equal(result.journal.trimSequence, 2);
  assert.deepEqual(result.journal.problems, []);
  assert.equal(inspectStream(fs, '/fixture', 'default', 'audit'), null);
  assert.equal(inspectStream(fs, '/fixture', 'tenant', 'audit')!.partitions[0]!.records, 1);
  assert.deepEqual(sizes(), before, 'the inspector changes nothing');
});

test('the stream fixture generator still writes the committed bytes', async () => {
  const regenerated = await writeStreamFixture('/regen');
  const disk = new NodeFs();
  const committed = treeFiles(disk, fixtureDir);
  assert.deepEqual(treeFiles(regenerated, '/regen'), committed);
  for (const path of committed) {
    assert.deepEqual(regenerated.readFile(`/regen/${path}`),
      new Uint8Array(disk.readFile(`${fixtureDir}/${path}`)), `${path} changed`);
  }
});
