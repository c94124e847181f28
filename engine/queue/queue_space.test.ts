// Space reclamation: a steady produce/consume workload keeps the journal bounded (segments
// whose messages are all acked are dropped at checkpoints), also when a few messages stay
// for good (a DLQ entry, a long delay): compaction copies them forward so old segments go.
// The relocated messages keep their payloads, also across a reopen.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemFs } from '../io/mem_fs.ts';
import { ManualClock } from '../io/clock.ts';
import { joinPath } from '../io/file_system.ts';
import { QueueStore } from './queue_store.ts';
import { inspectQueue } from './inspect_queue.ts';

const SEGMENT_BYTES = 4096;

function treeBytes(fs: MemFs, dir: string): number {
  let total = 0;
  for (const name of fs.list(dir)) {
    const path = joinPath(dir, name);
    const stat = fs.stat(path)!;
    total += stat.isDirectory ? treeBytes(fs, path) : stat.sizeBytes;
  }
  return total;
}

async function cycles(store: QueueStore, count: number, fs: MemFs): Promise<number> {
  let peak = 0;
  const payload = new Uint8Array(200).fill(7);
  for (let i = 0; i < count; i++) {
    await store.enqueue('', 'steady', payload);
    const [message] = await store.dequeue('', 'steady');
    await store.ack('', 'steady', [message!.seq]);
    if (i % 50 === 0) peak = Math.max(peak, treeBytes(fs, '/queues'));
  }
  return peak;
}

test('a steady produce/consume workload keeps the journal bounded', async () => {
  const fs = new MemFs();
  const store = await QueueStore.open({ fs, clock: new ManualClock(), dir: '/queues',
    segmentBytes: SEGMENT_BYTES, checkpointEvents: 100 });
  const peak = await cycles(store, 4000, fs);
  // 4000 cycles write about 1.1 MB of events; the journal holds a few segments at most.
  assert.ok(peak < 12 * SEGMENT_BYTES, `journal peaked at ${peak} bytes`);
  await store.close();
  assert.ok(treeBytes(fs, '/queues') < 4 * SEGMENT_BYTES);
});

test('acked leases do not pile up in memory until their deadlines', async () => {
  const fs = new MemFs();
  const store = await QueueStore.open({ fs, clock: new ManualClock(), dir: '/queues' });
  // A lease due before all the others keeps the dead entries behind it in the heap.
  await store.enqueue('', 'steady', new Uint8Array(1));
  await store.dequeue('', 'steady', { visibilityTimeoutMs: 1000 });
  await cycles(store, 5000, fs);
  // Each ack left a lease entry due 30 s later; the index drops them once they dominate.
  store.checkInvariants();
  assert.equal((await store.stats('', 'steady')).leased, 1);
  await store.close();
});

test('messages that stay (DLQ, long delay) are compacted forward, not pinning the journal',
  async () => {
    const fs = new MemFs();
    const clock = new ManualClock();
    const options = { fs, clock, dir: '/queues', segmentBytes: SEGMENT_BYTES,
      checkpointEvents: 100, payloadCacheBytes: 0 };
    const store = await QueueStore.open(options);
    const dead = new Uint8Array(300).fill(1);
    const later = new Uint8Array(300).fill(2);
    await store.enqueue('', 'steady', dead, { maxRetries: 0 });
    const [first] = await store.dequeue('', 'steady');
    await store.nack('', 'steady', [first!.seq]);
    await store.enqueue('', 'steady', later, { delayMs: 30 * 24 * 3_600_000 });
    const peak = await cycles(store, 4000, fs);
    assert.ok(peak < 16 * SEGMENT_BYTES, `journal peaked at ${peak} bytes`);
    await store.close();
    const reopened = await QueueStore.open(options);
    const page = await reopened.dlqList('', 'steady');
    assert.deepEqual(page.messages.map((m) => [m.seq, m.payload]), [[1, dead]]);
    clock.advance(30 * 24 * 3_600_000);
    const [due] = await reopened.dequeue('', 'steady');
    assert.deepEqual([due?.seq, due?.payload], [2, later]);
    await reopened.close();
  });

test('close writes a final checkpoint even when it must compact first', async () => {
  const fs = new MemFs();
  const options = { fs, clock: new ManualClock(), dir: '/queues', segmentBytes: SEGMENT_BYTES,
    checkpointEvents: 1_000_000 };
  const store = await QueueStore.open(options);
  await store.enqueue('', 'steady', new Uint8Array(300).fill(3), { delayMs: 60_000 });
  // 123 cycles leave the kept journal mostly garbage at close (found by search): the final
  // checkpoint relocates the delayed message first.
  await cycles(store, 123, fs);
  await store.close();
  const inspection = await inspectQueue(fs, '/queues', '', 'steady', { nowMs: 0 });
  assert.equal(inspection.journal.replayedEvents, 0, 'the final checkpoint covers everything');
  assert.equal(inspection.nextSeq, 125, 'a clean close keeps the exact seq counter');
  const reopened = await QueueStore.open(options);
  assert.equal((await reopened.stats('', 'steady')).delayed, 1);
  await reopened.close();
});
