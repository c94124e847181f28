#!/usr/bin/env node
// The `flo-bench` command: loads the TypeScript sources through tsx (no build step) and runs
// the benchmark tool in bench/main.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../bench/main.ts');
process.exitCode = await main(process.argv);
