// A server in a child process for flo-bench: ours (`flo serve`) or a peer (redis-server,
// nats-server). Spawned with its arguments, it is ready once a line of its output (stdout or
// stderr) matches `ready`, whose first capture group, when it has one, is the port it listens
// on. stop() sends SIGTERM (the graceful stop of all three) and SIGKILL if the process has not
// exited after STOP_TIMEOUT_MS. Only the process started here is ever signalled.
// peakRssBytes() reads the child's high-water RSS and cpuMicros() the CPU time of all its
// threads so far (Linux /proc; null elsewhere).

import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const OUTPUT_KEPT_CHARS = 4096;

export interface ChildServerSpec {
  /** For messages: "flo serve", "redis-server". */
  name: string;
  command: string;
  args: string[];
  /** Matches the line that says the server is ready; group 1, if any, is the port. */
  ready: RegExp;
  /** The port, when `ready` does not capture it (chosen by the caller). */
  port?: number;
}

export interface ChildServer {
  readonly port: number;
  readonly pid: number;
  /** Peak resident set size of the server so far, or null when it cannot be read. */
  peakRssBytes(): number | null;
  /** CPU time of the server so far (user + system, all threads), µs, or null. */
  cpuMicros(): number | null;
  /** Graceful stop (SIGTERM, then SIGKILL after a timeout); resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts the server and resolves once it prints its ready line; rejects if it exits first. */
export function startChildServer(spec: ChildServerSpec): Promise<ChildServer> {
  const child = spawn(spec.command, spec.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise<ChildServer>((resolve, reject) => {
    let output = '';
    const fail = (error: Error): void => {
      clearTimeout(timer);
      if (child.exitCode === null) child.kill('SIGKILL');
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error(`${spec.name} did not start in ` +
      `${START_TIMEOUT_MS} ms: ${output.slice(-OUTPUT_KEPT_CHARS)}`)), START_TIMEOUT_MS);
    child.once('error', (error) => fail(new Error(`${spec.name} could not start: ` +
      `${error.message}`)));
    child.once('exit', (code) => fail(new Error(`${spec.name} exited with ${code}: ` +
      `${output.slice(-OUTPUT_KEPT_CHARS)}`)));
    const watch = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const match = spec.ready.exec(output);
      if (match === null) return;
      const port = match[1] === undefined ? spec.port : Number(match[1]);
      if (port === undefined || !Number.isSafeInteger(port) || port <= 0) {
        fail(new Error(`${spec.name}: no port in its ready line "${match[0]}"`));
        return;
      }
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.removeAllListeners('error');
      for (const stream of [child.stdout!, child.stderr!]) {
        stream.removeAllListeners('data');
        stream.resume(); // keep draining, so a chatty server never blocks on a full pipe
      }
      resolve(running(child, port));
    };
    child.stdout!.on('data', watch);
    child.stderr!.on('data', watch);
  });
}

/** VmHWM of a process, bytes; null when /proc cannot tell (not Linux, or it has exited). */
export function peakRssOf(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
    return kib === undefined ? null : Number(kib) * 1024;
  } catch {
    return null;
  }
}

// Linux reports utime and stime (fields 14 and 15 of /proc/PID/stat) in clock ticks of
// sysconf(_SC_CLK_TCK), which is 100 on every Linux platform Node runs on.
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system) of process `pid` so far, µs; null when /proc cannot tell. */
export function cpuMicrosOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1e6) / CLOCK_TICKS_PER_SECOND : null;
  } catch {
    return null;
  }
}

function running(child: ChildProcess, port: number): ChildServer {
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', resolve);
  });
  return {
    port,
    pid: child.pid!,
    peakRssBytes: () => peakRssOf(child.pid!),
    cpuMicros: () => cpuMicrosOf(child.pid!),
    stop: async () => {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** The path of an executable `name` in the directories of `searchPath`, or null. */
export function findExecutable(name: string, searchPath: string): string | null {
  for (const dir of searchPath.split(delimiter)) {
    if (dir === '') continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for servers that need one named). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address === null || typeof address === 'string') reject(new Error('no port'));
        else resolve(address.port);
      });
    });
  });
}
