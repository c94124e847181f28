// Tests of MetricsRegistry: the exact exposition text of each family type (HELP/TYPE lines,
// escaping, cumulative buckets with le, _sum and _count), collected families, declaration
// checks, and that a failing collector drops only its own family from a scrape.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatValue, MetricsRegistry } from './registry.ts';

test('a labelled counter and a plain gauge render HELP, TYPE and one line per series', () => {
  const registry = new MetricsRegistry();
  const requests = registry.counter({
    name: 'x_requests_total', help: 'Requests.\nBy op', labelNames: ['op', 'status'],
  });
  const gauge = registry.gauge({ name: 'x_open', help: 'Open things.' });
  const get = requests.labels('KV_GET', 'OK');
  get.inc();
  get.inc(2);
  assert.equal(requests.labels('KV_GET', 'OK'), get, 'a child is resolved once and kept');
  requests.labels('a"b\\c\nd', 'OK').inc();
  gauge.set(7);
  const text = registry.render();
  assert.ok(text.startsWith(
    '# HELP x_requests_total Requests.\\nBy op\n# TYPE x_requests_total counter\n' +
    'x_requests_total{op="KV_GET",status="OK"} 3\n' +
    'x_requests_total{op="a\\"b\\\\c\\nd",status="OK"} 1\n' +
    '# HELP x_open Open things.\n# TYPE x_open gauge\nx_open 7\n'), text);
  assert.match(text, /^flo_metrics_collect_errors_total 0$/m);
});

test('a histogram renders cumulative buckets ending in +Inf, then _sum and _count', () => {
  const registry = new MetricsRegistry();
  const latency = registry.histogram({
    name: 'x_seconds', help: 'Latency.', labelNames: ['op'], buckets: [0.001, 0.01, 1],
  });
  const child = latency.labels('PING');
  for (const value of [0.0005, 0.001, 0.002, 0.5, 3]) child.observe(value);
  const text = registry.render();
  assert.ok(text.includes(
    '# HELP x_seconds Latency.\n# TYPE x_seconds histogram\n' +
    'x_seconds_bucket{op="PING",le="0.001"} 2\n' +
    'x_seconds_bucket{op="PING",le="0.01"} 3\n' +
    'x_seconds_bucket{op="PING",le="1"} 4\n' +
    'x_seconds_bucket{op="PING",le="+Inf"} 5\n' +
    'x_seconds_sum{op="PING"} 3.5035\n' +
    'x_seconds_count{op="PING"} 5\n'), text);
});

test('collected families read their samples at each scrape', () => {
  const registry = new MetricsRegistry();
  let depth = 3;
  registry.collected({
    name: 'x_queue_depth', help: 'Ready messages.', type: 'gauge', labelNames: ['queue'],
    collect: () => [{ labels: ['jobs'], value: depth }, { labels: ['mail'], value: 0 }],
  });
  registry.collectedHistogram({
    name: 'x_fsync_seconds', help: 'fsync.', buckets: [0.001, 0.01],
    collect: () => [{ labels: [], bucketCounts: [4, 1], sum: 0.02, count: 6 }],
  });
  assert.match(registry.render(), /^x_queue_depth\{queue="jobs"\} 3$/m);
  depth = 9;
  const text = registry.render();
  assert.match(text, /^x_queue_depth\{queue="jobs"\} 9$/m);
  assert.match(text, /^x_queue_depth\{queue="mail"\} 0$/m);
  assert.match(text, /^x_fsync_seconds_bucket\{le="0.01"\} 5$/m);
  assert.match(text, /^x_fsync_seconds_bucket\{le="\+Inf"\} 6$/m);
  assert.match(text, /^x_fsync_seconds_count 6$/m);
});

test('a collector that throws leaves out its family only, and is counted', () => {
  const registry = new MetricsRegistry();
  registry.gauge({ name: 'x_before', help: 'Before.' }).set(1);
  registry.collected({
    name: 'x_broken', help: 'Broken.', type: 'gauge',
    collect: () => {
      throw new Error('engine closed');
    },
  });
  registry.gauge({ name: 'x_after', help: 'After.' }).set(2);
  const text = registry.render();
  assert.doesNotMatch(text, /x_broken/);
  assert.match(text, /^x_before 1$/m);
  assert.match(text, /^x_after 2$/m);
  assert.match(text, /^flo_metrics_collect_errors_total 1$/m);
});

test('declarations are checked: names, label names, buckets, duplicates, label counts', () => {
  const registry = new MetricsRegistry();
  assert.throws(() => registry.counter({ name: '9bad', help: '' }), RangeError);
  assert.throws(() => registry.counter({ name: 'x', help: '', labelNames: ['le'] }), RangeError);
  assert.throws(() => registry.counter({ name: 'x', help: '', labelNames: ['__a'] }), RangeError);
  assert.throws(() => registry.counter({ name: 'x', help: '', labelNames: ['a', 'a'] }));
  assert.throws(() => registry.histogram({ name: 'h', help: '', buckets: [1, 1] }), RangeError);
  assert.throws(() => registry.histogram({ name: 'h', help: '', buckets: [] }), RangeError);
  assert.throws(() => registry.histogram({ name: 'h', help: '', buckets: [Infinity] }));
  const counter = registry.counter({ name: 'x_total', help: '', labelNames: ['op'] });
  assert.throws(() => registry.counter({ name: 'x_total', help: '' }), /already declared/);
  assert.throws(() => counter.labels(), RangeError);
  assert.throws(() => counter.labels('a', 'b'), RangeError);
});

test('formatValue spells the special values as Prometheus does', () => {
  assert.equal(formatValue(Infinity), '+Inf');
  assert.equal(formatValue(-Infinity), '-Inf');
  assert.equal(formatValue(NaN), 'NaN');
  assert.equal(formatValue(0.25), '0.25');
  assert.equal(formatValue(12), '12');
});
