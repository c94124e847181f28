// `npm run sim -- --seeds N` / `--seed S` [--only log|stream]: runs the crash simulators
// outside the test runner, for many more seeds than `npm test` does, or to replay one failing
// seed. Prints one line per failure and a summary per simulator; exits 1 on any failure.

import { runLogSim } from './log_sim.ts';
import { runStreamSim } from './stream_sim.ts';
import { randomSeed } from '../io/prng.ts';

const simulators: Record<string, (seed: number) => Promise<{ crashes: number }>> = {
  log: runLogSim,
  stream: runStreamSim,
};

function argument(name: string): number | undefined {
  const index = process.argv.indexOf(name);
  if (index < 0) return undefined;
  const value = Number(process.argv[index + 1]);
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} needs an integer`);
  return value;
}

const single = argument('--seed');
const count = single === undefined ? (argument('--seeds') ?? 1000) : 1;
const start = single ?? randomSeed();
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex < 0 ? Object.keys(simulators) : [process.argv[onlyIndex + 1] ?? ''];
let failed = false;
for (const name of only) {
  const run = simulators[name];
  if (run === undefined) throw new RangeError(`--only takes one of ${Object.keys(simulators)}`);
  let failures = 0;
  let crashes = 0;
  for (let i = 0; i < count; i++) {
    try {
      crashes += (await run(start + i)).crashes;
    } catch (error) {
      failures += 1;
      console.log(error instanceof Error ? error.message : String(error));
    }
  }
  console.log(`${name} sim: ${count} seeds from ${start}, ${crashes} crashes, ` +
    `${failures} failures`);
  failed ||= failures > 0;
}
process.exitCode = failed ? 1 : 0;
