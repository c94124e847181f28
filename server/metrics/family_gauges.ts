// The queue and stream families' gauges, read from the engine at scrape time:
//   flo_queue_messages{namespace,queue,state}   state = ready | delayed | leased | dlq
//   flo_stream_group_lag{namespace,stream,group}      records not yet acked (GroupInfo.lag)
//   flo_stream_group_pending{namespace,stream,group}  delivered and not yet acked
// Label cardinality is bounded: each family reports at most `seriesMax` queues (or groups),
// the largest by messages (or lag); the rest are summed into one series whose labels are all
// empty, which no real queue or group has (an empty namespace means "default", and names are
// never empty). Values are the engine's applied state, at most one fsync ahead of durable.

import type { QueueDepth, QueueStore, GroupGauge, StreamStore } from '../../engine/mod.ts';
import type { MetricsRegistry, Sample } from './registry.ts';

/** Queues (or groups) reported by name per scrape before the rest are summed. */
export const gaugeSeriesMaxDefault = 1000;

const QUEUE_STATES = ['ready', 'delayed', 'leased', 'dlq'] as const;

/** Declares flo_queue_messages over `queue`. */
export function registerQueueGauges(
  metrics: MetricsRegistry,
  queue: QueueStore,
  seriesMax = gaugeSeriesMaxDefault,
): void {
  metrics.collected({
    name: 'flo_queue_messages',
    help: 'Messages per queue by state (ready, delayed, leased, dlq); empty labels sum the ' +
      'queues beyond the series limit.',
    type: 'gauge',
    labelNames: ['namespace', 'queue', 'state'],
    collect: () => queueSamples(queue.depths(), seriesMax),
  });
}

/** Declares flo_stream_group_lag and flo_stream_group_pending over `stream`. */
export function registerStreamGauges(
  metrics: MetricsRegistry,
  stream: StreamStore,
  seriesMax = gaugeSeriesMaxDefault,
): void {
  const labelNames = ['namespace', 'stream', 'group'];
  metrics.collected({
    name: 'flo_stream_group_lag',
    help: 'Records of the stream a consumer group has not acknowledged (undelivered plus ' +
      'pending); empty labels sum the groups beyond the series limit.',
    type: 'gauge',
    labelNames,
    collect: () => groupSamples(stream.groupGauges(), seriesMax, (gauge) => gauge.lag),
  });
  metrics.collected({
    name: 'flo_stream_group_pending',
    help: 'Records delivered to a consumer group and not yet acknowledged; empty labels sum ' +
      'the groups beyond the series limit.',
    type: 'gauge',
    labelNames,
    collect: () => groupSamples(stream.groupGauges(), seriesMax, (gauge) => gauge.pending),
  });
}

function queueSamples(depths: QueueDepth[], seriesMax: number): Sample[] {
  const total = (depth: QueueDepth): number =>
    depth.ready + depth.delayed + depth.leased + depth.dlq;
  const { shown, rest } = largest(depths, seriesMax, total);
  const samples: Sample[] = [];
  for (const depth of shown) {
    for (const state of QUEUE_STATES) {
      samples.push({ labels: [depth.namespace, depth.name, state], value: depth[state] });
    }
  }
  if (rest.length > 0) {
    for (const state of QUEUE_STATES) {
      samples.push({ labels: ['', '', state], value: sum(rest, (depth) => depth[state]) });
    }
  }
  return samples;
}

function groupSamples(
  gauges: GroupGauge[],
  seriesMax: number,
  value: (gauge: GroupGauge) => number,
): Sample[] {
  // Ranked by lag for both families, so they name the same groups.
  const { shown, rest } = largest(gauges, seriesMax, (gauge) => gauge.lag);
  const samples: Sample[] = shown.map((gauge) => ({
    labels: [gauge.namespace, gauge.stream, gauge.group], value: value(gauge),
  }));
  if (rest.length > 0) samples.push({ labels: ['', '', ''], value: sum(rest, value) });
  return samples;
}

/** The `max` items of largest `size` (ties keep their order), and the others. */
function largest<T>(items: T[], max: number, size: (item: T) => number) {
  if (items.length <= max) return { shown: items, rest: [] as T[] };
  const ranked = items.map((item, index) => ({ item, index, size: size(item) }))
    .sort((a, b) => b.size - a.size || a.index - b.index);
  return {
    shown: ranked.slice(0, max).map((entry) => entry.item),
    rest: ranked.slice(max).map((entry) => entry.item),
  };
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += value(item);
  return total;
}
