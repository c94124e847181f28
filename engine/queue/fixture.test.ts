// Opens the golden queue fixture (fixtures/queue/v1, made by fixtures/queue/generate_queue.ts:
// a checkpoint plus a tail of events, as a crash leaves them) and checks the recovered queue
// exactly, so a change that cannot read old journals fails here; and checks that the
// generator still writes the committed bytes, so a silent format change fails too.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemFs } from '../io/mem_fs.ts';
import { NodeFs } from '../io/node_fs.ts';
import { treeFiles } from '../testing/fixture_tree.ts';
import { copyTree } from '../../fixtures/copy_tree.ts';
import { ManualClock } from '../io/clock.ts';
import { QueueStore } from './queue_store.ts';
import {
  QUEUE_FIXTURE_START_MS, writeQueueFixture,
} from '../../fixtures/queue/generate_queue.ts';

const fixtureDir = new URL('../../fixtures/queue/v1', import.meta.url).pathname;

// A copy in memory: a test may change it without touching the committed files.
function loadFixture(): MemFs {
  const fs = new MemFs();
  copyTree(new NodeFs(), fixtureDir, fs, '/store');
  return fs;
}

const decoder = new TextDecoder();

test('the v1 queue fixture recovers to exactly the state it was written with', async () => {
  const clock = new ManualClock(QUEUE_FIXTURE_START_MS + 20);
  const store = await QueueStore.open({ fs: loadFixture(), clock, dir: '/store' });
  assert.deepEqual(await store.stats('', 'jobs'), {
    enqueued: 7, dequeued: 3, acked: 1, nacked: 1, dlqTotal: 1, leasesExpired: 0, ready: 3,
    delayed: 1, leased: 1, dlq: 1, oldestReadyAgeMs: 20,
  });
  const ready = await store.peek('', 'jobs', 10);
  assert.deepEqual(ready.map((m) => [m.seq, decoder.decode(m.payload), m.priority]),
    [[7, 'tail', 0], [3, 'b2', 2], [4, 'b3', 2]]);
  const dead = await store.dlqList('', 'jobs');
  assert.deepEqual(dead.messages.map((m) => [m.seq, decoder.decode(m.payload),
    m.deliveryCount]), [[6, 'dedup', 1]]);
  assert.equal(await store.enqueue('', 'jobs', new Uint8Array(1), { dedupKey: 'k' }), 6);
  // The fixture is a crash image: numbering resumes above the durable reservation.
  assert.equal(await store.enqueue('', 'jobs', new Uint8Array(1)), 65_538);
  clock.advance(5_000);
  const [redelivered] = await store.dequeue('', 'jobs', { count: 1 });
  assert.deepEqual([redelivered?.seq, redelivered?.deliveryCount], [7, 1]);
  assert.equal((await store.stats('', 'jobs')).leasesExpired, 1, 'seq 2 was touched to +5 s');
  await store.close();
});

test('the queue fixture generator still writes the committed bytes', async () => {
  const committed = loadFixture();
  const fs = new MemFs();
  await writeQueueFixture(fs, '/regen');
  for (const path of treeFiles(committed, '/store')) {
    assert.deepEqual(fs.readFile(`/regen/${path}`), committed.readFile(`/store/${path}`),
      `${path} changed`);
  }
});
