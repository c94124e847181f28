// LatencyHistogram: counts of durations (ms) in fixed buckets, for latencies the engine
// measures itself and an operator wants to see (the fsync of a log: SegmentedLog.fsyncLatency,
// served by the server as a Prometheus histogram). Observing is O(buckets) with no
// allocation; a snapshot copies the counts. Bucket i counts observations in
// (boundsMs[i-1], boundsMs[i]]; those above the last bound only enter `count` and `sumMs`.

import { assert } from '../assert.ts';

/** Upper bounds (ms) of the buckets: 50 µs to 5 s, about ×2.5 apart. */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000,
];

/** A copy of a histogram's state. */
export interface LatencySnapshot {
  readonly boundsMs: readonly number[];
  /** Per-bucket counts (not cumulative), one per bound. */
  readonly bucketCounts: readonly number[];
  readonly sumMs: number;
  /** Every observation, those above the last bound included. */
  readonly count: number;
}

export class LatencyHistogram {
  private readonly counts = new Array<number>(LATENCY_BOUNDS_MS.length).fill(0);
  private sumMs = 0;
  private count = 0;

  /** Records one duration (ms, not negative). */
  observe(durationMs: number): void {
    assert(Number.isFinite(durationMs), 'a duration is a number');
    const value = Math.max(0, durationMs);
    this.sumMs += value;
    this.count += 1;
    for (let index = 0; index < LATENCY_BOUNDS_MS.length; index++) {
      if (value <= LATENCY_BOUNDS_MS[index]!) {
        this.counts[index]! += 1;
        return;
      }
    }
  }

  snapshot(): LatencySnapshot {
    assert(this.counts.reduce((sum, n) => sum + n, 0) <= this.count, 'buckets within count');
    return { boundsMs: LATENCY_BOUNDS_MS, bucketCounts: [...this.counts], sumMs: this.sumMs,
      count: this.count };
  }
}
