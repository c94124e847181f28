// fast-check parameters shared by every property test. fast-check prints the seed and the
// shrink path of a failure; feed them back with FC_SEED=… FC_PATH=… to replay it exactly.
// FC_RUNS scales the number of runs (CI keeps the defaults; `npm run fuzz` raises them).

import type { Parameters } from 'fast-check';

/** Parameters for fc.assert, honouring FC_SEED, FC_PATH and FC_RUNS. */
export function fcParams<T>(numRuns = 100): Parameters<T> {
  const params: Parameters<T> = { numRuns: Number(process.env['FC_RUNS'] ?? numRuns) };
  const seed = process.env['FC_SEED'];
  if (seed !== undefined) {
    params.seed = Number(seed);
    const path = process.env['FC_PATH'];
    if (path !== undefined) params.path = path;
  }
  return params;
}
