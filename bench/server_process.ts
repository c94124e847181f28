// A Flo server in a child process for flo-bench's `server` scenario: `flo serve` (bin/flo.js)
// on 127.0.0.1 with a free port (it picks one and prints it), HTTP off, over a data directory
// in the given durability. The port comes from the start-up line; see child_server.ts for
// how it is stopped and how its peak RSS is read.

import { fileURLToPath } from 'node:url';
import { startChildServer } from './child_server.ts';

const FLO_BIN = fileURLToPath(new URL('../bin/flo.js', import.meta.url));

/** Starts `flo serve` and resolves once it prints its address. */
export function startServerProcess(dataDir: string, durability: 'sync' | 'async') {
  return startChildServer({
    name: 'flo serve',
    command: process.execPath,
    args: [FLO_BIN, 'serve', '--listen', '127.0.0.1:0', '--http', 'off',
      '--durability', durability, '--data-dir', dataDir],
    ready: /serving on 127\.0\.0\.1:(\d+),/,
  });
}
