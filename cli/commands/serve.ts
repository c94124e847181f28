// `flo serve`: runs the server over a data directory until SIGTERM or SIGINT. Settings come
// from flags, FLO_* variables and an optional JSON file (serve_config.ts); a bad value is one
// line on stderr and exit code 2. The engine's directory lock makes a second server on the
// same directory fail with one line (exit code 1), as does an address in use. On a signal
// the server shuts down gracefully (spec §3.8, then the engine flushes and fsyncs and
// closes) and the command resolves with exit code 0; a second signal exits at once with 1.
// The start-up line (from startFloServer) prints the bound ports, so port 0 works in tests.

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { openFlo, type Flo } from '../../engine/mod.ts';
import { startFloServer, type RunningFloServer } from '../../server/mod.ts';
import type { CliIo } from '../output.ts';
import {
  resolveServeConfig,
  ServeConfigError,
  settingsHelp,
  type ServeConfig,
  type ServeFlags,
} from './serve_config.ts';

/** Exit code of a bad setting (a usage error). */
export const EXIT_BAD_CONFIG = 2;
/** Exit code of a server that could not start or stop cleanly. */
export const EXIT_FAILED = 1;

/** What serve needs from the process; tests may pass their own. */
export interface ServeProcess {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Registers a one-shot handler for SIGTERM and SIGINT; returns how to remove it. */
  onSignal(handler: (signal: string) => void): () => void;
  /** Ends the process at once (a second signal during shutdown). */
  exit(code: number): void;
}

export function nodeProcess(): ServeProcess {
  return {
    env: process.env,
    cwd: process.cwd(),
    onSignal: (handler) => {
      process.on('SIGTERM', handler);
      process.on('SIGINT', handler);
      return () => {
        process.off('SIGTERM', handler);
        process.off('SIGINT', handler);
      };
    },
    exit: (code) => process.exit(code),
  };
}

/** Adds `flo serve`. */
export function registerServe(
  program: Command,
  io: CliIo,
  host: ServeProcess = nodeProcess(),
): void {
  program.command('serve')
    .description('serve the Flo protocol (and HTTP health/metrics) over a data directory')
    .option('--data-dir <dir>', 'data directory, created if missing (default ./data)')
    .option('--listen <host:port>', 'Flo protocol address (default 127.0.0.1:9000)')
    .option('--http <host:port>', 'HTTP health/metrics address, or "off" (default ' +
      '127.0.0.1:9001)')
    .option('--durability <mode>', 'sync (default), async or memory')
    .option('--sync-interval-ms <ms>', 'fsync period of async durability (default 100)')
    .option('--action-run-retention-ms <ms>', 'finished action runs are kept at least this ' +
      'long (default 86400000: 24 h)')
    .option('--worker-timeout-ms <ms>', 'a worker not heard from for this long is unhealthy ' +
      'and its tasks are offered again (default 60000)')
    .option('--auth-token <token>', 'a static token; repeat for more (prefer FLO_AUTH_TOKENS)',
      (token: string, previous: string[] = []) => [...previous, token])
    .option('--jwt-secret <secret>', 'HS256 secret for JWT tokens (prefer FLO_JWT_SECRET)')
    .option('--node-id <id>', 'node id reported by CLUSTER_STATUS (default node-1)')
    .option('--config <file>', 'JSON config file (keys: see below)')
    .option('--dev', 'run in memory (durability memory); nothing touches the disk')
    .addHelpText('after', `\n${settingsHelp()}\n`)
    .action(async (flags: ServeFlags) => {
      io.exitCode = await runServe(flags, io, host);
    });
}

/** Runs the server until a signal; resolves with the exit code. */
export async function runServe(flags: ServeFlags, io: CliIo, host: ServeProcess): Promise<number> {
  let config: ServeConfig;
  try {
    config = resolveServeConfig(flags, host.env, (path) => readFileSync(path, 'utf8'), host.cwd);
  } catch (error) {
    if (!(error instanceof ServeConfigError)) throw error;
    io.err(`flo serve: ${error.message}\n`);
    return EXIT_BAD_CONFIG;
  }
  const started = await start(config, io);
  if (started === null) return EXIT_FAILED;
  const signal = await new Promise<string>((resolve) => {
    const remove = host.onSignal((name) => {
      remove();
      resolve(name);
    });
  });
  io.out(`flo: ${signal} received, shutting down\n`);
  const removeForce = host.onSignal((name) => {
    io.err(`flo serve: ${name} during shutdown, exiting at once\n`);
    host.exit(EXIT_FAILED);
  });
  try {
    await started.close();
    io.out('flo: stopped\n');
    return 0;
  } catch (error) {
    io.err(`flo serve: shutdown failed: ${messageOf(error)}\n`);
    return EXIT_FAILED;
  } finally {
    removeForce();
  }
}

async function start(config: ServeConfig, io: CliIo): Promise<RunningFloServer | null> {
  let flo: Flo;
  try {
    flo = await openFlo({
      dir: config.dataDir,
      durability: config.durability,
      syncIntervalMs: config.syncIntervalMs,
      action: {
        runRetentionMs: config.actionRunRetentionMs,
        workerTimeoutMs: config.workerTimeoutMs,
      },
    });
  } catch (error) {
    io.err(`flo serve: cannot open data dir ${JSON.stringify(config.dataDir)}: ` +
      `${messageOf(error)}\n`);
    return null;
  }
  try {
    return await startFloServer(flo, {
      host: config.listen.host,
      port: config.listen.port,
      http: config.http === null ? false : config.http,
      auth: {
        tokens: config.authTokens,
        ...(config.jwtSecret === null ? {} : { jwtSecret: config.jwtSecret }),
      },
      nodeId: config.nodeId,
      log: (line) => io.out(`${line}\n`),
    });
  } catch (error) {
    await flo.close();
    io.err(`flo serve: cannot start: ${messageOf(error)}\n`);
    return null;
  }
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');
}
