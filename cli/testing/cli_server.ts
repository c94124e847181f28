// Test support for the remote commands (`flo queue …`, `flo stream …`): a real in-process
// server (startFloServer over an in-memory engine) closed when the test ends, and a runner
// of main(argv, io) against it that returns the exit code and the captured output.
// Only tests import this file.

import type { TestContext } from 'node:test';
import { openFlo } from '../../engine/mod.ts';
import { startFloServer } from '../../server/mod.ts';
import { main } from '../main.ts';
import { collectingIo } from '../output.ts';

/** Starts a server on 127.0.0.1 (a free port); resolves with its `host:port`. */
export async function serveForCli(t: TestContext): Promise<string> {
  const flo = await openFlo({ dir: '/data', durability: 'memory' });
  const server = await startFloServer(flo, { port: 0, http: false, log: () => {} });
  t.after(() => server.close());
  return `127.0.0.1:${server.address.port}`;
}

/** Runs `flo …args --addr addr`; resolves with the exit code, stdout and stderr. */
export async function runFlo(addr: string, ...args: string[]) {
  const io = collectingIo();
  const code = await main(['node', 'flo', ...args, '--addr', addr], io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}
