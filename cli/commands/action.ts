// `flo action …` and `flo worker list`: the actions and workers of a running server, through
// FloClient: register (settings), invoke (input as text or --hex, priority, delay,
// idempotency key, labels; prints the run id), status (every field of ACTION_STATUS), list
// and runs (every page, or --max), delete (cancels the action's runs), and the worker list.
// Inputs and outputs print as text when printable, 0x-hex otherwise; --json prints what
// scripts need exactly (bytes as {utf8} or {hex}, times in ms). Errors are one line with the
// status (exit code 1); bad arguments are usage errors (exit code 2).

import { InvalidArgumentError, type Command } from 'commander';
import type { RunInfo } from '../../client/mod.ts';
import { describeBytes, formatTimestamp, jsonBytes } from '../bytes_format.ts';
import { formatTable, type CliIo } from '../output.ts';
import {
  allPages, integer, payloadOf, print, remote, withClient, type RemoteOptions, type Run,
} from './remote.ts';

interface RegisterFlags extends RemoteOptions {
  timeoutMs?: number;
  maxRetries?: number;
  description?: string;
}

interface InvokeFlags extends RemoteOptions {
  hex?: boolean;
  priority?: number;
  delayMs?: number;
  idempotencyKey?: string;
  labels?: Record<string, string | number | boolean | null>;
}

interface ListFlags extends RemoteOptions {
  limit?: number;
  max?: number;
}


/** Adds `flo action` and `flo worker` with their subcommands. */
export function registerAction(program: Command, io: CliIo): void {
  const action = program.command('action').description('actions and their runs on a running ' +
    'server');
  const run: Run = (options, work) => withClient(io, options, work);

  remote(action.command('register <name>'))
    .description('register an action, or replace its settings')
    .option('--timeout-ms <ms>', 'lease of one attempt (default 30000)', integer)
    .option('--max-retries <n>', 'attempts after the first (default 3)', integer)
    .option('--description <text>', 'what the action does')
    .action((name: string, flags: RegisterFlags) => run(flags, async (c) => {
      await c.action.register(name, { timeoutMs: flags.timeoutMs, maxRetries: flags.maxRetries,
        description: flags.description });
      print(io, flags, { action: name, registered: true }, () => `registered ${name}\n`);
    }));

  remote(action.command('invoke <name> [input]'))
    .description('start a run of the action; prints its run id')
    .option('--hex', 'the input is hex bytes')
    .option('--priority <n>', '0-255, lower runs first (default 10)', integer)
    .option('--delay-ms <ms>', 'eligible only after this long', integer)
    .option('--idempotency-key <key>', 'a repeat within 24 h returns the first run\'s id')
    .option('--labels <json>', 'only workers holding these labels run it, e.g. {"gpu":true}',
      labelsOf)
    .action((name: string, input: string | undefined, flags: InvokeFlags) =>
      run(flags, async (c) => {
        const runId = await c.action.invoke(name, payloadOf(input ?? '', flags.hex), {
          priority: flags.priority, delayMs: flags.delayMs,
          idempotencyKey: flags.idempotencyKey, labels: flags.labels,
        });
        print(io, flags, { runId }, () => `${runId}\n`);
      }));

  remote(action.command('status <run-id>'))
    .description('a run\'s status, times, output or error')
    .action((runId: string, flags: RemoteOptions) => run(flags, async (c) => {
      const info = await c.action.status(runId);
      print(io, flags, statusJson(info), () => statusText(info));
    }));

  addListCommands(action, io, run);
  addWorkerCommands(program, io, run);
}

function addListCommands(action: Command, io: CliIo, run: Run): void {
  remote(action.command('list [prefix]'))
    .description('registered actions (whose name starts with the prefix), by name')
    .option('--limit <n>', 'actions per request, 1-1000 (default 100)', integer)
    .option('--max <n>', 'stop after this many actions', integer)
    .action((prefix: string | undefined, flags: ListFlags) => run(flags, async (c) => {
      const actions = await allPages((cursor) =>
        c.action.list(prefix ?? '', { limit: flags.limit, cursor }), flags.max);
      print(io, flags, actions, () => actions.length === 0 ? '(no actions)\n'
        : formatTable(['action', 'timeout_ms', 'max_retries', 'description'],
          actions.map((a) => [a.name, String(a.timeoutMs), String(a.maxRetries),
            a.description ?? ''])));
    }));

  remote(action.command('runs [action]'))
    .description('runs of the action (of every action without one), newest first')
    .option('--limit <n>', 'runs per request, 1-1000 (default 100)', integer)
    .option('--max <n>', 'stop after this many runs', integer)
    .action((name: string | undefined, flags: ListFlags) => run(flags, async (c) => {
      const runs = await allPages((cursor) =>
        c.action.listRuns(name ?? '', { limit: flags.limit, cursor }), flags.max);
      print(io, flags, runs, () => runs.length === 0 ? '(no runs)\n'
        : formatTable(['run', 'action', 'status', 'created'], runs.map((r) => [r.runId,
          r.action, r.status, formatTimestamp(r.createdAtMs)])));
    }));

  remote(action.command('delete <name>'))
    .description('delete the action; its pending and running runs are cancelled')
    .action((name: string, flags: RemoteOptions) => run(flags, async (c) => {
      await c.action.delete(name);
      print(io, flags, { action: name, deleted: true }, () => 'deleted\n');
    }));
}

function addWorkerCommands(program: Command, io: CliIo, run: Run): void {
  const worker = program.command('worker').description('the workers of a running server');
  remote(worker.command('list'))
    .description('registered workers, by id')
    .option('--limit <n>', 'workers per request, 1-1000 (default 100)', integer)
    .option('--max <n>', 'stop after this many workers', integer)
    .action((flags: ListFlags) => run(flags, async (c) => {
      const workers = await allPages((cursor) =>
        c.worker.list({ limit: flags.limit, cursor }), flags.max);
      print(io, flags, workers, () => workers.length === 0 ? '(no workers)\n'
        : formatTable(['worker', 'type', 'status', 'load', 'last_seen', 'processes'],
          workers.map((w) => [w.workerId, w.type, w.status,
            `${w.currentLoad}/${w.maxConcurrency}`, formatTimestamp(w.lastSeenMs),
            w.processes.map((p) => p.kind === 'action' ? p.name : `${p.name} (stream)`)
              .join(', ')])));
    }));
}

function statusJson(info: RunInfo) {
  return { ...info, output: info.output === null ? null : jsonBytes(info.output) };
}

function statusText(info: RunInfo): string {
  const time = (ms: number | null): string => ms === null ? '-' : formatTimestamp(ms);
  const rows = [
    ['run', info.runId], ['status', info.status], ['created', time(info.createdAtMs)],
    ['started', time(info.startedAtMs)], ['completed', time(info.completedAtMs)],
    ['retries', String(info.retryCount)],
  ];
  if (info.output !== null) rows.push(['output', describeBytes(info.output)]);
  if (info.error !== null) rows.push(['error', info.error]);
  return rows.map(([name, value]) => `${name!.padEnd(10)}${value}\n`).join('');
}

/** --labels: a JSON object whose values are strings, numbers, booleans or null. */
function labelsOf(text: string): Record<string, string | number | boolean | null> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError(`expected a JSON object, got "${text}"`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError(`expected a JSON object, got "${text}"`);
  }
  return parsed as Record<string, string | number | boolean | null>;
}
