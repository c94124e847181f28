// `npm run sim -- --seeds N` / `--seed S`: runs the crash simulators outside the test runner,
// for many more seeds than `npm test` does, or to replay one failing seed. Prints one line
// per failure and a summary; exits 1 on any failure.

import { runLogSim } from './log_sim.ts';
import { randomSeed } from '../io/prng.ts';

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
let failures = 0;
let crashes = 0;
for (let i = 0; i < count; i++) {
  try {
    crashes += (await runLogSim(start + i)).crashes;
  } catch (error) {
    failures += 1;
    console.log(error instanceof Error ? error.message : String(error));
  }
}
console.log(`log sim: ${count} seeds from ${start}, ${crashes} crashes, ${failures} failures`);
process.exitCode = failures > 0 ? 1 : 0;
