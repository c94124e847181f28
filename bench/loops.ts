// The measuring loop of the phases that issue calls concurrently (queue, action, server):
// `loops` async loops, each claiming `per` ops at a time (`at` is the index of the first it
// claimed), until `limit` ops are claimed or the phase's time is up; latency per call,
// progress, and the process's peak RSS while it runs.

import type { ScenarioOptions } from './scenario.ts';
import { LatencySamples, trackPeakRss } from './stats.ts';

export interface LoopResult {
  ops: number;
  seconds: number;
  latency: LatencySamples;
  peakRssBytes: number;
}

/** Runs `step(at, loop)` on `loops` loops; see the header. ops = the ops completed. */
export async function runLoops(options: ScenarioOptions, label: string, limit: number,
  loops: number, per: number, step: (at: number, loop: number) => Promise<void>,
): Promise<LoopResult> {
  options.progress.start(label, limit);
  const latency = new LatencySamples();
  const rss = trackPeakRss();
  let claimed = 0;
  let done = 0;
  const startMs = performance.now();
  const deadlineMs = startMs + options.durationMs;
  const loop = async (index: number): Promise<void> => {
    while (claimed < limit && performance.now() < deadlineMs) {
      const at = claimed;
      claimed += per;
      const beganMs = performance.now();
      await step(at, index);
      latency.add(performance.now() - beganMs);
      done += per;
      options.progress.update(done);
    }
  };
  await Promise.all(Array.from({ length: loops }, (_, index) => loop(index)));
  const seconds = (performance.now() - startMs) / 1000;
  return { ops: done, seconds, latency, peakRssBytes: rss.stop() };
}
