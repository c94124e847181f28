// The `flo` command line: commander wiring only. Each command lives in cli/commands/<name>.ts
// and talks to the engine (embedded), the client (remote) or the inspectors (files on disk)
// through their mod.ts. Errors print one clear line on stderr and give a non-zero exit code;
// usage errors (an unknown option, a missing argument) give 2, as a bad setting does.

import { Command, CommanderError } from 'commander';
import { floVersion } from '../server/mod.ts';
import { commandRegistry } from './commands/registry.ts';
import { processIo, type CliIo } from './output.ts';

/** Builds the program; `out`/`err` are injectable so tests can capture output. */
export function buildProgram(io: CliIo = processIo()): Command {
  const program = new Command('flo')
    .description('Flo: KV, work queues, streams and actions on one durable engine.')
    .version(floVersion)
    .showHelpAfterError()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
  for (const register of commandRegistry) register(program, io);
  return program;
}

/** Runs the CLI with `argv` (as process.argv); resolves to the exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return io.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const message = error instanceof Error ? error.message : String(error);
    io.err(`flo: ${message}\n`);
    return 1;
  }
}
