// The action store's crash simulator (after queue_sim.ts): a seeded workload of concurrent
// invokes, awaits, completes, fails with retry and clock advances (leases run out), with
// crashes taken at random moments as MemFs crash clones, each reopened and checked:
// - sync mode: every invoke acknowledged to its caller has its run (never lost); every
//   complete acknowledged leaves its run completed with that output;
// - both modes: a recovered completed run carries the output its worker computed from its
//   own input; a run seen completed stays completed (in every later epoch); no task is
//   handed out for a completed run (never completed twice); run ids are never reused; once
//   every lease ran out, every run listed pending or running is offered (none is stuck);
//   in sync mode no acknowledged run shows as lost (action_recovery.ts);
// - async mode: what survives is a consistent prefix (the same checks on what recovered).
// The workload then continues on the recovered store. Used by action_crash.test.ts and
// `npm run sim -- --action`.

import { equalBytes } from '../codec/bytes.ts';
import { MemFs } from '../io/mem_fs.ts';
import { ManualClock } from '../io/clock.ts';
import { Prng } from '../io/prng.ts';
import type { Durability } from '../log/segmented_log.ts';
import { openFlo, type Flo } from '../flo.ts';
import type { Task } from '../action/action_types.ts';
import { lostRunError } from '../action/run_state.ts';

export interface ActionSimResult {
  seed: number;
  durability: Durability;
  invokes: number;
  crashes: number;
  runsChecked: number;
}

const TIMEOUT_MS = 300;
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const inputOf = (id: number): Uint8Array => Uint8Array.of(id & 0xff, (id >> 8) & 0xff, 0x49);
const outputOf = (input: Uint8Array): Uint8Array => Uint8Array.of(0x4f, ...input);

class Tracking {
  /** run id → the input it was invoked with (acknowledged invokes). */
  readonly invoked = new Map<string, Uint8Array>();
  /** Run ids whose complete was acknowledged (sync: they must stay completed). */
  readonly completedAcked = new Set<string>();
  /** Run ids seen completed after a recovery, or acknowledged so (sync). */
  readonly completedSeen = new Set<string>();
  readonly revealed = new Set<string>();
  held: Task[] = [];
}

/** Runs one seeded simulation; throws an Error naming the seed when an invariant breaks. */
export async function runActionSim(seed: number, steps = 120): Promise<ActionSimResult> {
  const prng = new Prng(seed);
  const durability: Durability = prng.chance(0.7) ? 'sync' : 'async';
  try {
    return await simulate(seed, prng, durability, steps);
  } catch (error) {
    throw new Error(`action sim seed ${seed} (${durability}): ${String(error)}`,
      { cause: error });
  }
}

async function simulate(seed: number, prng: Prng, durability: Durability, steps: number) {
  const clock = new ManualClock(1_700_000_000_000);
  const open = (fs: MemFs): Promise<Flo> => openFlo({ dir: '/sim', fs, clock, durability,
    syncIntervalMs: 50, action: { prng: new Prng(seed), segmentBytes: 4096,
      backoffMsBase: 0 } });
  let fs = new MemFs();
  let flo = await open(fs);
  await flo.action.register('', 'job', { timeoutMs: TIMEOUT_MS, maxRetries: 1_000 });
  const track = new Tracking();
  const result: ActionSimResult = { seed, durability, invokes: 0, crashes: 0, runsChecked: 0 };
  let epoch = 0;
  let nextId = 1;
  for (let step = 0; step < steps; step++) {
    const at = epoch;
    const current = (): boolean => at === epoch;
    const roll = prng.int(0, 100);
    if (roll < 30) {
      const input = inputOf(nextId++);
      result.invokes += 1;
      flo.action.invoke('', 'job', input).then((runId) => {
        if (!current()) return;
        if (track.revealed.has(runId)) throw new Error(`run id ${runId} handed out twice`);
        track.revealed.add(runId);
        track.invoked.set(runId, input);
      }, () => undefined);
    } else if (roll < 50) {
      flo.action.awaitTask('', 'w', ['job'], { blockMs: 0 }).then((task) => {
        if (task !== null && current()) onTask(track, task);
      }, () => undefined);
    } else if (roll < 70 && track.held.length > 0) {
      const task = track.held.splice(prng.int(0, track.held.length), 1)[0]!;
      flo.action.complete('', task.taskId, outputOf(task.input)).then(() => {
        if (!current()) return;
        track.completedAcked.add(task.runId);
        if (durability === 'sync') track.completedSeen.add(task.runId);
      }, () => undefined);
    } else if (roll < 77 && track.held.length > 0) {
      const task = track.held.splice(prng.int(0, track.held.length), 1)[0]!;
      flo.action.fail('', task.taskId, 'again').catch(() => undefined);
    } else if (roll < 87) {
      clock.advance(prng.pick([10, 60, 200, TIMEOUT_MS]));
    } else if (roll < 97) {
      for (let i = prng.int(1, 4); i > 0; i--) await turn();
    } else {
      for (let i = prng.int(0, 3); i > 0; i--) await turn();
      const clone = fs.crashClone(prng);
      epoch += 1;
      result.crashes += 1;
      await flo.close().catch(() => undefined);
      fs = clone;
      flo = await open(fs);
      result.runsChecked += await checkRecovered(flo, clock, track, durability);
    }
  }
  await flo.close();
  return result;
}

function onTask(track: Tracking, task: Task): void {
  if (track.completedSeen.has(task.runId)) {
    throw new Error(`run ${task.runId} was completed and is handed out again`);
  }
  const input = track.invoked.get(task.runId);
  if (input !== undefined && !equalBytes(input, task.input)) {
    throw new Error(`task ${task.taskId} carries another run's input`);
  }
  track.held.push(task);
}

// After a crash: the acknowledged runs are there (sync), completed runs are right and stay
// so, and once every lease has run out a drain hands out no completed run.
async function checkRecovered(flo: Flo, clock: ManualClock, track: Tracking,
  durability: Durability): Promise<number> {
  track.held = [];
  const runs = new Map<string, Awaited<ReturnType<Flo['action']['status']>>>();
  let cursor: Uint8Array | undefined;
  do {
    const page = await flo.action.listRuns('', 'job', { limit: 500, cursor });
    for (const run of page.runs) runs.set(run.runId, run);
    cursor = page.hasMore ? page.cursor : undefined;
  } while (cursor !== undefined);
  if (durability === 'sync') {
    for (const runId of track.invoked.keys()) {
      const run = runs.get(runId);
      if (run === undefined || run.error === lostRunError) {
        throw new Error(`acknowledged run ${runId} is lost`);
      }
    }
  }
  for (const runId of track.completedSeen) {
    if (runs.get(runId)?.status !== 'completed') {
      throw new Error(`run ${runId} was completed and is now ${runs.get(runId)?.status}`);
    }
  }
  for (const [runId, run] of runs) {
    track.revealed.add(runId);
    if (run.status !== 'completed') continue;
    const input = track.invoked.get(runId);
    if (input !== undefined && !equalBytes(run.output!, outputOf(input))) {
      throw new Error(`run ${runId} completed with another run's output`);
    }
    track.completedSeen.add(runId);
  }
  clock.advance(TIMEOUT_MS);
  for (;;) {
    const task = await flo.action.awaitTask('', 'w', ['job'], { blockMs: 0 });
    if (task === null) break;
    onTask(track, task);
    if (track.held.length > 50) return runs.size;
  }
  // Every lease has run out and the drain took all: no run may be left pending or running
  // without being offered (a run whose ticket was lost shows as failed instead).
  const offered = new Set(track.held.map((task) => task.runId));
  for (const [runId, run] of runs) {
    if ((run.status === 'pending' || run.status === 'running') && !offered.has(runId)) {
      throw new Error(`run ${runId} is ${run.status} and never offered after recovery`);
    }
  }
  return runs.size;
}
