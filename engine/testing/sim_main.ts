// `npm run sim -- --seeds N` / `--seed S` [--only log|kv]: runs the crash simulators (the
// segmented log's and the KV store's) outside the test runner, for many more seeds than
// `npm test` does, or to replay one failing seed. Prints one line per failure and a summary
// per simulator; exits 1 on any failure.

import { runLogSim } from './log_sim.ts';
import { runKvSim } from './kv_sim.ts';
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
let failed = false;
const simulators: Array<[string, (seed: number) => Promise<{ crashes: number }>]> = [
  ['log', runLogSim], ['kv', runKvSim],
];
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1]
  : undefined;
for (const [name, run] of simulators) {
  if (only !== undefined && only !== name) continue;
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
