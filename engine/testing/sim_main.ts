// `npm run sim -- --seeds N` / `--seed S` [--log] [--kv] [--queue] [--stream] [--action]:
// runs the crash simulators outside the test runner, for many more seeds than `npm test`
// does, or to replay one failing seed. Without a simulator flag every simulator runs. Prints
// one line per failure and a summary per simulator; exits 1 on any failure.

import { runLogSim } from './log_sim.ts';
import { runKvSim } from './kv_sim.ts';
import { runQueueSim } from './queue_sim.ts';
import { runStreamSim } from './stream_sim.ts';
import { runActionSim } from './action_sim.ts';
import { randomSeed } from '../io/prng.ts';

function argument(name: string): number | undefined {
  const index = process.argv.indexOf(name);
  if (index < 0) return undefined;
  const value = Number(process.argv[index + 1]);
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} needs an integer`);
  return value;
}

const sims = [
  { name: 'log', run: async (seed: number) => (await runLogSim(seed)).crashes },
  { name: 'kv', run: async (seed: number) => (await runKvSim(seed)).crashes },
  { name: 'queue', run: async (seed: number) => (await runQueueSim(seed)).crashes },
  { name: 'stream', run: async (seed: number) => (await runStreamSim(seed)).crashes },
  { name: 'action', run: async (seed: number) => (await runActionSim(seed)).crashes },
];
const chosen = sims.filter((sim) => process.argv.includes(`--${sim.name}`));
const single = argument('--seed');
const count = single === undefined ? (argument('--seeds') ?? 1000) : 1;
const start = single ?? randomSeed();
let failures = 0;
for (const sim of chosen.length > 0 ? chosen : sims) {
  let crashes = 0;
  let simFailures = 0;
  for (let i = 0; i < count; i++) {
    try {
      crashes += await sim.run(start + i);
    } catch (error) {
      simFailures += 1;
      console.log(error instanceof Error ? error.message : String(error));
    }
  }
  failures += simFailures;
  console.log(`${sim.name} sim: ${count} seeds from ${start}, ${crashes} crashes, ` +
    `${simFailures} failures`);
}
process.exitCode = failures > 0 ? 1 : 0;
