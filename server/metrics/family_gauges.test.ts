// Tests of the queue and stream gauges: the series a scrape of a real server's /metrics shows
// after queue and group traffic, and the label bound (the largest queues or groups by name,
// the rest summed into one series with empty labels).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openFlo } from '../../engine/mod.ts';
import { startFloServer } from '../flo_server.ts';
import { registerQueueGauges, registerStreamGauges } from './family_gauges.ts';
import { MetricsRegistry } from './registry.ts';

const lines = (text: string, name: string): string[] =>
  text.split('\n').filter((line) => line.startsWith(`${name}{`)).sort();

test('GET /metrics shows queue depths by state and group lag and pending', async (t) => {
  const flo = await openFlo({ dir: '/data', durability: 'memory' });
  const server = await startFloServer(flo, { port: 0, http: { port: 0 }, log: () => {} });
  t.after(() => server.close());
  await flo.queue.enqueueBatch('', 'jobs', [Uint8Array.of(1), Uint8Array.of(2)]);
  await flo.queue.enqueue('', 'jobs', Uint8Array.of(3), { delayMs: 60_000 });
  await flo.queue.dequeue('', 'jobs');
  for (let index = 0; index < 3; index++) {
    await flo.stream.append('t1', 'events', [{ payload: Uint8Array.of(index) }]);
  }
  await flo.stream.groups.read('t1', 'events', 'billing', 'c', { count: 1 });
  const response = await fetch(`http://127.0.0.1:${server.httpAddress!.port}/metrics`);
  const text = await response.text();
  assert.deepEqual(lines(text, 'flo_queue_messages'), [
    'flo_queue_messages{namespace="default",queue="jobs",state="delayed"} 1',
    'flo_queue_messages{namespace="default",queue="jobs",state="dlq"} 0',
    'flo_queue_messages{namespace="default",queue="jobs",state="leased"} 1',
    'flo_queue_messages{namespace="default",queue="jobs",state="ready"} 1',
  ]);
  assert.deepEqual(lines(text, 'flo_stream_group_lag'),
    ['flo_stream_group_lag{namespace="t1",stream="events",group="billing"} 3']);
  assert.deepEqual(lines(text, 'flo_stream_group_pending'),
    ['flo_stream_group_pending{namespace="t1",stream="events",group="billing"} 1']);
  assert.match(text, /^# TYPE flo_queue_messages gauge$/m);
});

test('past the series limit the smaller queues and groups are summed under empty labels',
  async (t) => {
    const flo = await openFlo({ dir: '/data', durability: 'memory' });
    t.after(() => flo.close());
    const registry = new MetricsRegistry();
    registerQueueGauges(registry, flo.queue, 2);
    registerStreamGauges(registry, flo.stream, 1);
    const sizes: Array<[string, number]> = [['a', 1], ['b', 5], ['c', 2], ['d', 4]];
    for (const [name, count] of sizes) {
      const payloads = Array.from({ length: count }, () => new Uint8Array(1));
      await flo.queue.enqueueBatch('', name, payloads);
    }
    for (const [name, count] of [['s1', 2], ['s2', 7], ['s3', 1]] as const) {
      for (let index = 0; index < count; index++) {
        await flo.stream.append('', name, [{ payload: new Uint8Array(1) }]);
      }
      await flo.stream.groups.create('', name, 'g');
    }
    const text = registry.render();
    assert.deepEqual(lines(text, 'flo_queue_messages').filter((line) => line.includes('ready')), [
      'flo_queue_messages{namespace="",queue="",state="ready"} 3',
      'flo_queue_messages{namespace="default",queue="b",state="ready"} 5',
      'flo_queue_messages{namespace="default",queue="d",state="ready"} 4',
    ]);
    assert.equal(lines(text, 'flo_queue_messages').length, 12, '2 queues + the rest, 4 states');
    assert.deepEqual(lines(text, 'flo_stream_group_lag'), [
      'flo_stream_group_lag{namespace="",stream="",group=""} 3',
      'flo_stream_group_lag{namespace="default",stream="s2",group="g"} 7',
    ]);
    assert.deepEqual(lines(text, 'flo_stream_group_pending'), [
      'flo_stream_group_pending{namespace="",stream="",group=""} 0',
      'flo_stream_group_pending{namespace="default",stream="s2",group="g"} 0',
    ]);
  });
