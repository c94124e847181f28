// Small statistics for benchmarks: latency samples kept in a bounded reservoir (so a long
// phase does not grow memory), percentiles, medians, and peak RSS tracking.

/** Keeps at most `capacity` latency samples, uniformly chosen (reservoir sampling). */
export class LatencySamples {
  private readonly samples: number[] = [];
  private seen = 0;
  private readonly capacity: number;
  private state = 0x9e3779b9;

  constructor(capacity = 100_000) {
    this.capacity = capacity;
  }

  add(ms: number): void {
    this.seen += 1;
    if (this.samples.length < this.capacity) {
      this.samples.push(ms);
      return;
    }
    // xorshift32: deterministic, and the bench does not touch Math.random.
    this.state ^= this.state << 13;
    this.state ^= this.state >>> 17;
    this.state ^= this.state << 5;
    const slot = (this.state >>> 0) % this.seen;
    if (slot < this.capacity) this.samples[slot] = ms;
  }

  /** The p-th percentile (0-100) in ms, or null without samples. */
  percentile(p: number): number | null {
    if (this.samples.length === 0) return null;
    const sorted = [...this.samples].sort((a, b) => a - b);
    const rank = Math.ceil((p / 100) * sorted.length) - 1;
    const index = Math.min(sorted.length - 1, Math.max(0, rank));
    return sorted[index]!;
  }
}

/** Median of a non-empty list. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Tracks the process's peak RSS while a phase runs (sampled every 50 ms). */
export function trackPeakRss(): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  return {
    stop(): number {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}
