// The list of command families the `flo` program offers. Each entry adds its commands to the
// commander program; a family lands here when its engine or server part exists.

import type { Command } from 'commander';
import type { CliIo } from '../output.ts';
import { registerAction } from './action.ts';
import { registerInspect } from './inspect.ts';
import { registerKv } from './kv.ts';
import { registerQueue } from './queue.ts';
import { registerStream } from './stream.ts';
import { registerServe } from './serve.ts';

/** Adds one family of commands to the program. */
export type RegisterCommands = (program: Command, io: CliIo) => void;

export const commandRegistry: RegisterCommands[] = [registerServe, registerInspect,
  registerKv, registerQueue, registerStream, registerAction];
