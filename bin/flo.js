#!/usr/bin/env node
// The `flo` command: loads the TypeScript sources through tsx (no build step) and runs the
// commander program in cli/main.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv);
