// ServerMetrics: what the protocol server itself measures, declared in a MetricsRegistry.
// Per op and status: request counts; per op: a latency histogram (arrival to reply, parked
// time included); bytes received and sent; connections open and accepted; frame-level errors
// by reason; parked requests (read from the listener at scrape time).
//
// Hot path: requestDone() indexes arrays by op code and status to children resolved on first
// use, then adds to numbers: no allocation and no map lookup per request. Connection calls
// it through the ConnectionObserver interface (server/tcp/connection.ts).

import { ok as assert } from 'node:assert/strict';
import { statusName } from '../wire/frame.ts';
import { opInfo } from '../wire/opcodes.ts';
import {
  type Counter,
  type Histogram,
  type HistogramChild,
  type MetricsRegistry,
  type ValueChild,
} from './registry.ts';

/** What a connection reports; implemented by ServerMetrics. */
export interface ConnectionObserver {
  connectionOpened(): void;
  connectionClosed(): void;
  received(bytes: number): void;
  sent(bytes: number): void;
  /** A request answered with `status` (or dropped: status -1) after `durationMs`. */
  requestDone(opCode: number, status: number, durationMs: number): void;
  /** A frame-level error (§3.6, §3.7) ended a connection. */
  frameError(reason: string): void;
}

/** Latency bucket bounds (seconds): 100 µs to the 300 s longest wait. */
export const latencyBucketsSeconds: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
  10, 30, 60, 120, 300,
];

/** Op codes are below this; larger or unknown codes share the last slot ("unknown"). */
const OP_SLOTS = 0x400 + 1;
const UNKNOWN_SLOT = 0x400;
/** Statuses 0-12 and one more slot for requests dropped without a reply. */
const STATUS_SLOTS = 14;
const DROPPED_SLOT = 13;

/** Where the listener's live numbers come from once it is bound. */
export interface ServerGauges {
  readonly parkedCount: number;
}

export class ServerMetrics implements ConnectionObserver {
  private readonly requests: Counter;
  private readonly latency: Histogram;
  private readonly requestChildren: (ValueChild | undefined)[];
  private readonly latencyChildren: (HistogramChild | undefined)[];
  private readonly receivedBytes: ValueChild;
  private readonly sentBytes: ValueChild;
  private readonly openConnections: ValueChild;
  private readonly acceptedConnections: ValueChild;
  private readonly frameErrors: Counter;
  private gauges: ServerGauges | null = null;

  constructor(registry: MetricsRegistry) {
    this.requests = registry.counter({
      name: 'flo_requests_total',
      help: 'Requests answered, by op and reply status (DROPPED: the connection closed first).',
      labelNames: ['op', 'status'],
    });
    this.latency = registry.histogram({
      name: 'flo_request_duration_seconds',
      help: 'Time from a request\'s arrival to its reply, parked time included.',
      labelNames: ['op'],
      buckets: latencyBucketsSeconds,
    });
    this.requestChildren = new Array<ValueChild | undefined>(OP_SLOTS * STATUS_SLOTS);
    this.latencyChildren = new Array<HistogramChild | undefined>(OP_SLOTS);
    this.receivedBytes = registry.counter({
      name: 'flo_received_bytes_total', help: 'Bytes read from protocol connections.',
    }).labels();
    this.sentBytes = registry.counter({
      name: 'flo_sent_bytes_total', help: 'Bytes written to protocol connections.',
    }).labels();
    this.openConnections = registry.gauge({
      name: 'flo_connections', help: 'Open protocol connections.',
    }).labels();
    this.acceptedConnections = registry.counter({
      name: 'flo_connections_accepted_total', help: 'Protocol connections accepted.',
    }).labels();
    this.frameErrors = registry.counter({
      name: 'flo_frame_errors_total',
      help: 'Connections ended by a frame-level error, by reason.',
      labelNames: ['reason'],
    });
    registry.collected({
      name: 'flo_parked_requests',
      help: 'Blocking requests waiting (server-wide).',
      type: 'gauge',
      collect: () => [{ labels: [], value: this.gauges?.parkedCount ?? 0 }],
    });
  }

  /** Connects the gauges read from the listener (once it is bound). */
  bind(gauges: ServerGauges): void {
    this.gauges = gauges;
  }

  connectionOpened(): void {
    this.openConnections.value++;
    this.acceptedConnections.value++;
  }

  connectionClosed(): void {
    this.openConnections.value--;
    assert(this.openConnections.value >= 0, 'more connections closed than opened');
  }

  received(bytes: number): void {
    this.receivedBytes.value += bytes;
  }

  sent(bytes: number): void {
    this.sentBytes.value += bytes;
  }

  requestDone(opCode: number, status: number, durationMs: number): void {
    const opSlot = opCode >= 0 && opCode < UNKNOWN_SLOT && opInfo(opCode) !== undefined
      ? opCode : UNKNOWN_SLOT;
    const statusSlot = status >= 0 && status < DROPPED_SLOT ? status : DROPPED_SLOT;
    assert(Number.isFinite(durationMs), 'a request duration is a finite number');
    const index = opSlot * STATUS_SLOTS + statusSlot;
    assert(index < this.requestChildren.length, 'the request slot exists');
    const counter = this.requestChildren[index] ?? this.resolveRequest(opSlot, statusSlot);
    counter.value++;
    const histogram = this.latencyChildren[opSlot] ?? this.resolveLatency(opSlot);
    histogram.observe(Math.max(0, durationMs) / 1000);
  }

  frameError(reason: string): void {
    this.frameErrors.labels(reason).inc();
  }

  private resolveRequest(opSlot: number, statusSlot: number): ValueChild {
    const status = statusSlot === DROPPED_SLOT ? 'DROPPED' : statusName(statusSlot);
    const child = this.requests.labels(opLabel(opSlot), status);
    this.requestChildren[opSlot * STATUS_SLOTS + statusSlot] = child;
    return child;
  }

  private resolveLatency(opSlot: number): HistogramChild {
    const child = this.latency.labels(opLabel(opSlot));
    this.latencyChildren[opSlot] = child;
    return child;
  }
}

function opLabel(opSlot: number): string {
  return opSlot === UNKNOWN_SLOT ? 'unknown' : opInfo(opSlot)!.name;
}
