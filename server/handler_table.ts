// HandlerTable: which Handler answers which op code. Families fill it at start-up
// (registerSystemHandlers, and the engine families later); the connection layer only reads it.
// Only ops the op table marks full or stub may be registered, each once.

import type { Handler } from './handler.ts';
import { opInfo } from './wire/opcodes.ts';

export class HandlerTable {
  private readonly handlers = new Map<number, Handler>();

  /** Registers `handler` for `opCode`; throws if the op cannot be handled or already is. */
  register(opCode: number, handler: Handler): this {
    const op = opInfo(opCode);
    if (op === undefined) throw new RangeError(`op code 0x${opCode.toString(16)} is not an op`);
    if (op.support === 'notSupported') {
      throw new RangeError(`${op.name} is not supported by this server: ${op.message}`);
    }
    if (this.handlers.has(opCode)) throw new Error(`${op.name} already has a handler`);
    this.handlers.set(opCode, handler);
    return this;
  }

  /** The handler of `opCode`, or undefined. */
  get(opCode: number): Handler | undefined {
    return this.handlers.get(opCode);
  }
}
