// A Flo server in a child process for flo-bench's `server` scenario: `flo serve` (bin/flo.js)
// on 127.0.0.1 with a free port, HTTP off, over a data directory in the given durability.
// The port comes from the start-up line; stop() sends SIGTERM (the graceful stop) and waits
// for the exit. peakRssBytes() reads the child's high-water RSS (Linux /proc; null elsewhere).

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FLO_BIN = fileURLToPath(new URL('../bin/flo.js', import.meta.url));
const START_TIMEOUT_MS = 30_000;

export interface ServerProcess {
  readonly port: number;
  readonly pid: number;
  /** Peak resident set size of the server so far, or null when it cannot be read. */
  peakRssBytes(): number | null;
  /** Graceful stop (SIGTERM); resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `flo serve` and resolves once it prints its address. */
export function startServerProcess(dataDir: string, durability: 'sync' | 'async') {
  const child = spawn(process.execPath, [FLO_BIN, 'serve', '--listen', '127.0.0.1:0',
    '--http', 'off', '--durability', durability, '--data-dir', dataDir],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise<ServerProcess>((resolve, reject) => {
    let output = '';
    let errors = '';
    const timer = setTimeout(() => fail(new Error('flo serve did not start in time')),
      START_TIMEOUT_MS);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.stderr!.on('data', (chunk: Buffer) => {
      errors += chunk.toString('utf8');
    });
    child.once('exit', (code) => fail(new Error(`flo serve exited with ${code}: ${errors}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /serving on 127\.0\.0\.1:(\d+),/.exec(output);
      if (match === null) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      resolve(running(child, Number(match[1])));
    });
  });
}

function running(child: ChildProcess, port: number): ServerProcess {
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    port,
    pid: child.pid!,
    peakRssBytes: () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const kib = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
        return kib === undefined ? null : Number(kib) * 1024;
      } catch {
        return null;
      }
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
