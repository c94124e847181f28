// The queue and stream families end to end: FloClient (client/) against startFloServer over
// a real engine, on loopback. Queues with leases that expire and come back, nacks, the DLQ,
// stats and paging; streams with headers, ranges, tail reads, trims and consumer groups
// (redelivery, nack, touch, claim, pending, info); pattern reads, also parked; and server
// restarts in the middle of traffic: a graceful one on a temp dir in sync mode, and a
// simulated power cut (MemFs crash clone), after which every acknowledged write is there.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemFs, openFlo, type FloOptions } from '../engine/mod.ts';
import { Prng } from '../engine/io/prng.ts';
import { startFloServer, type RunningFloServer } from '../server/mod.ts';
import { FloClient } from './client.ts';
import { FloBadRequestError, FloConflictError, FloNotFoundError } from './errors.ts';

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function serve(t: TestContext, options: Partial<FloOptions> = {}, port = 0) {
  const flo = await openFlo({ dir: '/data', durability: 'memory', ...options });
  const server = await startFloServer(flo, { port, http: false, log: () => {} });
  t.after(() => server.close());
  return server;
}

function clientOf(t: TestContext, server: RunningFloServer, namespace?: string): FloClient {
  const client = new FloClient({ port: server.address.port, backoffMsMin: 5, backoffMsMax: 50,
    ...(namespace === undefined ? {} : { namespace }) });
  t.after(() => client.close());
  return client;
}

test('queues: priorities, leases that expire and come back, nack, DLQ, stats and list',
  async (t) => {
    const client = clientOf(t, await serve(t));
    const { queue } = client;
    assert.equal(await queue.enqueue('jobs', 'low', { priority: 9 }), 1);
    assert.deepEqual(await queue.enqueueBatch('jobs', ['a', 'b']), [2, 3]);
    assert.equal(await queue.enqueue('jobs', 'once', { maxRetries: 0, priority: 5 }), 4);
    assert.equal(await queue.enqueue('jobs', 'dup', { dedupKey: 'k' }), 5);
    assert.equal(await queue.enqueue('jobs', 'dup again', { dedupKey: 'k' }), 5);
    assert.deepEqual((await queue.peek('jobs', { count: 10 })).map((m) => text(m.payload)),
      ['a', 'b', 'dup', 'once', 'low']);
    const leased = await queue.dequeue('jobs', { count: 2, visibilityTimeoutMs: 150 });
    assert.deepEqual(leased.map((m) => [m.seq, m.deliveryCount]), [[2, 1], [3, 1]]);
    await queue.ack('jobs', [2]);
    await sleep(300); // seq 3's lease expires
    const again = await queue.dequeue('jobs', { count: 3 });
    assert.deepEqual(again.map((m) => [m.seq, m.deliveryCount]), [[3, 2], [5, 1], [4, 1]]);
    await queue.nack('jobs', [3]);
    await queue.nack('jobs', [4]); // max_retries 0: to the DLQ
    await queue.nack('jobs', [5], { toDlq: true });
    assert.deepEqual((await queue.dlqList('jobs')).map((m) => m.seq), [4, 5]);
    await queue.dlqRequeue('jobs', [4]);
    await queue.dlqDelete('jobs', [5]);
    assert.deepEqual(await queue.dlqStats('jobs'), { current: 0, total: 2 });
    const rest = await queue.dequeue('jobs', { count: 10 });
    assert.deepEqual(rest.map((m) => [m.seq, m.deliveryCount]), [[3, 3], [4, 1], [1, 1]]);
    await queue.extendLease('jobs', [3], { extendMs: 5000 });
    await queue.touch('jobs', [4]);
    await queue.ack('jobs', [3, 4, 1, 999]);
    const stats = await queue.stats('jobs');
    assert.deepEqual({ ...stats }, { enqueued: 5, dequeued: 8, acked: 4, nacked: 3,
      dlqTotal: 2, leasesExpired: 1, ready: 0, leased: 0, dlqCurrent: 0 });
    await queue.enqueue('mail', 'm', { delayMs: 60_000 });
    assert.equal(await queue.promoteDue('mail'), 0);
    assert.equal(await queue.purge('mail'), 1);
    const page = await queue.list('', { limit: 1 });
    assert.deepEqual(page.items.map((item) => text(item.name)), ['jobs']);
    const next = await queue.list('', { cursor: page.cursor });
    assert.deepEqual(next.items.map((item) => [text(item.name), item.pending]), [['mail', 0]]);
    assert.equal(next.hasMore, false);
  });

test('a parked dequeue through the client wakes on an enqueue from another client',
  async (t) => {
    const server = await serve(t);
    const [consumer, producer] = [clientOf(t, server), clientOf(t, server)];
    const waiting = consumer.queue.dequeue('q', { blockMs: 5000 });
    await sleep(20);
    await producer.queue.enqueue('q', 'wake up');
    assert.deepEqual((await waiting).map((m) => text(m.payload)), ['wake up']);
    assert.deepEqual(await consumer.queue.dequeue('q', { blockMs: 50 }), [], 'times out empty');
  });

test('streams: headers, ranges, tail reads, info, trim, create, alter, delete, list',
  async (t) => {
    const client = clientOf(t, await serve(t), 'tenant');
    const { stream } = client;
    await stream.create('events', { partitions: 2, retentionCount: 1000 });
    await assert.rejects(stream.create('events'), FloConflictError);
    const first = await stream.append('events', [
      { payload: 'a', headers: [['type', 'created']] }, { payload: 'b' }]);
    assert.equal(first.sequence, 1);
    await stream.append('events', 'c', { partition: 1 });
    const all = await stream.read('events');
    assert.deepEqual(all.map((r) => [r.sequence, text(r.payload), r.headers.map(([k, v]) =>
      [text(k), text(v)]), text(r.stream)]),
    [[1, 'a', [['type', 'created']], 'events'], [2, 'b', [], 'events'], [3, 'c', [], 'events']]);
    assert.deepEqual((await stream.read('events', { start: 2, end: 2 })).map((r) => r.sequence),
      [2]);
    assert.deepEqual((await stream.read('events', { partition: 1 })).map((r) => r.sequence), [3]);
    const tail = stream.read('events', { tail: true, blockMs: 5000 });
    await sleep(20);
    await stream.append('events', 'd');
    assert.deepEqual((await tail).map((r) => text(r.payload)), ['d']);
    const info = await stream.info('events');
    assert.deepEqual([info.first.sequence, info.last.sequence, info.count, info.partitionCount,
      info.retentionCount], [1, 4, 4, 2, 1000]);
    assert.deepEqual(await stream.trim('events', { keepCount: 2, dryRun: true }),
      { removed: 2, firstSeq: 3 });
    assert.deepEqual(await stream.trim('events', { before: 3 }), { removed: 2, firstSeq: 3 });
    await stream.alter('events', { partitions: 4, retentionCount: 0 });
    assert.equal((await stream.info('events')).partitionCount, 4);
    await assert.rejects(stream.alter('events', { partitions: 1 }), FloBadRequestError);
    await assert.rejects(stream.delete('events'), FloConflictError);
    await stream.append('audit', 'x');
    const page = await stream.list('', { limit: 1 });
    assert.deepEqual(page.items.map((item) => text(item.name)), ['audit']);
    assert.deepEqual((await stream.list('', { cursor: page.cursor })).items
      .map((item) => [text(item.name), item.partitionCount]), [['events', 4]]);
    await stream.delete('events', { force: true });
    await assert.rejects(stream.info('events'), FloNotFoundError);
    assert.deepEqual(await stream.read('events', { namespace: 'default' }), []);
  });

test('consumer groups: one consumer per record, redelivery, nack, touch, claim, info',
  async (t) => {
    const client = clientOf(t, await serve(t));
    const { group } = client.stream;
    for (const payload of ['1', '2', '3', '4']) await client.stream.append('s', payload);
    await group.create('s', 'g', { ackTimeoutMs: 150, maxDeliver: 3 });
    const a = await group.read('s', 'g', 'a', { count: 2 });
    const b = await group.read('s', 'g', 'b', { count: 10 });
    assert.deepEqual([a.map((r) => r.sequence), b.map((r) => r.sequence)], [[1, 2], [3, 4]]);
    await group.ack('s', 'g', [1]);
    await group.nack('s', 'g', [3]);
    assert.deepEqual((await group.read('s', 'g', 'a')).map((r) => r.sequence), [3]);
    await group.touch('s', 'g', [4], { extendAckMs: 10_000 });
    await sleep(300); // 2 and 3 pass their ack deadline, 4 was touched
    assert.deepEqual((await group.read('s', 'g', 'c')).map((r) => r.sequence), [2, 3]);
    const pending = await group.pending('s', 'g');
    assert.deepEqual(pending.map((p) => [p.id.sequence, p.deliveryCount, p.consumer]),
      [[2, 2, 'c'], [3, 3, 'c'], [4, 1, 'b']]);
    const claim = await group.claim('s', 'g', 'b');
    assert.deepEqual(claim.records.map((r) => r.sequence), [4]);
    assert.equal(claim.next, null);
    const stolen = await group.claim('s', 'g', 'd', { minIdleMs: 1, count: 1 });
    assert.deepEqual(stolen.records.map((r) => r.sequence), [2]);
    assert.deepEqual(stolen.next, { timestampMs: pending[1]!.id.timestampMs, sequence: 3 });
    const info = await group.info('s', 'g');
    assert.deepEqual([info.cursor.sequence, info.pending, info.deadLettered, info.ackTimeoutMs,
      info.maxDeliver], [4, 3, 0, 150, 3]);
    assert.deepEqual(info.consumers.map((c) => c.name).sort(), ['a', 'b', 'c', 'd']);
    await group.configure('s', 'g', { maxDeliver: 0 });
    await group.join('s', 'g', 'e');
    await group.leave('s', 'g', 'c');
    assert.deepEqual((await group.read('s', 'g', 'e')).map((r) => r.sequence), [3]);
    await group.delete('s', 'g');
    await assert.rejects(group.info('s', 'g'), FloNotFoundError);
  });

test('pattern reads: one group over every matching stream, parked until a new one appends',
  async (t) => {
    const server = await serve(t);
    const [reader, writer] = [clientOf(t, server), clientOf(t, server)];
    await writer.stream.append('orders.eu', 'eu-1');
    await writer.stream.append('orders.us', 'us-1');
    await writer.stream.append('billing', 'b-1');
    const got = await reader.stream.group.read('orders.*', 'g', 'c', { count: 10 });
    assert.deepEqual(got.map((r) => [text(r.stream), text(r.payload)]).sort(),
      [['orders.eu', 'eu-1'], ['orders.us', 'us-1']]);
    for (const record of got) {
      await reader.stream.group.ack(text(record.stream), 'g', [record.sequence]);
    }
    const parked = reader.stream.group.read('orders.*', 'g', 'c', { blockMs: 5000 });
    await sleep(20);
    await writer.stream.append('orders.jp', 'jp-1');
    assert.deepEqual((await parked).map((r) => [text(r.stream), text(r.payload)]),
      [['orders.jp', 'jp-1']]);
    assert.deepEqual(await reader.stream.group.pending('orders.eu', 'g'), []);
  });

/** Enqueues and appends from `writers` concurrent loops until stopped; records the acked. */
function traffic(client: FloClient) {
  const acked = { queue: new Map<number, string>(), stream: new Set<string>() };
  let running = true;
  let counter = 0;
  const loop = async (): Promise<void> => {
    while (running) {
      const payload = `m${counter++}`;
      try {
        const seq = await client.queue.enqueue('work', payload);
        acked.queue.set(seq, payload);
        await client.stream.append('log', payload);
        acked.stream.add(payload);
      } catch {
        await sleep(5); // the server is restarting: not acknowledged, try the next one
      }
    }
  };
  const loops = Array.from({ length: 4 }, loop);
  return { acked, stop: async () => {
    running = false;
    await Promise.all(loops);
  } };
}

async function checkAcked(client: FloClient, acked: ReturnType<typeof traffic>['acked']) {
  const seen = new Map<number, string>();
  for (;;) {
    const messages = await client.queue.dequeue('work', { count: 100 });
    if (messages.length === 0) break;
    for (const message of messages) seen.set(message.seq, text(message.payload));
  }
  for (const [seq, payload] of acked.queue) assert.equal(seen.get(seq), payload, `seq ${seq}`);
  const appended = new Set<string>();
  for (let start = 1; ;) {
    const records = await client.stream.read('log', { start, count: 1000 });
    if (records.length === 0) break;
    for (const record of records) appended.add(text(record.payload));
    start = records.at(-1)!.sequence + 1;
  }
  for (const payload of acked.stream) assert.ok(appended.has(payload), payload);
  return { queued: seen.size, appended: appended.size };
}

test('a graceful restart on a temp dir in sync mode keeps every acknowledged write',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'flo-families-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const options: Partial<FloOptions> = { dir, durability: 'sync' };
    let server = await serve(t, options);
    const port = server.address.port;
    const client = clientOf(t, server);
    await client.stream.group.create('log', 'g');
    const load = traffic(client);
    await sleep(150);
    await server.close();
    server = await serve(t, options, port);
    await sleep(150);
    await load.stop();
    const ackedCount = load.acked.queue.size;
    assert.ok(ackedCount > 10, `some writes were acknowledged (${ackedCount})`);
    const counts = await checkAcked(client, load.acked);
    assert.ok(counts.queued >= load.acked.queue.size);
    const delivered = await client.stream.group.read('log', 'g', 'c', { count: 1000 });
    assert.ok(delivered.length >= load.acked.stream.size, 'the group kept its start');
  });

test('after a simulated power cut every acknowledged write is still there (sync)',
  async (t) => {
    const fs = new MemFs({ trackCrashes: true });
    const options: Partial<FloOptions> = { fs, durability: 'sync' };
    const flo = await openFlo({ dir: '/data', ...options });
    const first = await startFloServer(flo, { port: 0, http: false, log: () => {} });
    t.after(() => first.close().catch(() => undefined));
    const client = clientOf(t, first);
    const load = traffic(client);
    await sleep(150);
    // The power cut: what was acknowledged by now must be in the synced bytes.
    const acked = { queue: new Map(load.acked.queue), stream: new Set(load.acked.stream) };
    const crashed = fs.crashClone(new Prng(7));
    await load.stop();
    const second = await serve(t, { fs: crashed, durability: 'sync' });
    const after = clientOf(t, second);
    assert.ok(acked.queue.size > 10, `some writes were acknowledged (${acked.queue.size})`);
    await checkAcked(after, acked);
  });
