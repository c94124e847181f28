// The action family's gauge, read from the engine at scrape time:
//   flo_action_parked_waits   ACTION_AWAITs waiting for a task (and embedded result waits)
// Runs by status and workers by status are not offered: the engine keeps no counters of them
// that a scrape could read without walking every run or worker (ActionStore.parkedCount is a
// plain counter).

import type { ActionStore } from '../../engine/mod.ts';
import type { MetricsRegistry } from './registry.ts';

/** Declares the action metrics over `action`. */
export function registerActionGauges(metrics: MetricsRegistry, action: ActionStore): void {
  metrics.collected({
    name: 'flo_action_parked_waits',
    help: 'ACTION_AWAIT requests (and embedded result waits) waiting in the action store.',
    type: 'gauge',
    collect: () => [{ labels: [], value: action.parkedCount }],
  });
}
