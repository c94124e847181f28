// TestFamily: a toy op family for the server's tests, registered like a real one. It has a
// tiny in-memory KV whose KV_PUT resolves after a delay the request asks for (option 0xf0, a
// tag the spec leaves undefined), like a write waiting for its fsync, and whose KV_GET with
// block_ms parks until a put or the timeout; QUEUE_DEQUEUE always parks; other ops fail in
// the ways the dispatcher must translate. It records the order in which requests started.
// Next to real families it fills only the ops they leave free. Only tests import this file.

import { Buffer } from 'node:buffer';
import { ConflictError, NotFoundError } from '../../engine/mod.ts';
import { fail, ok, type Handler, type Reply, type RequestContext } from '../handler.ts';
import type { HandlerTable } from '../handler_table.ts';
import { BodyWriter } from '../wire/body_writer.ts';
import { Status } from '../wire/frame.ts';
import { OpCode } from '../wire/opcodes.ts';
import { OptionTag } from '../wire/option_tags.ts';

/** Option tag a test uses to make KV_PUT take that many milliseconds. */
export const DELAY_TAG = 0xf0;
/** Bytes of a STREAM_READ reply (large, to fill write buffers). */
export const BIG_REPLY_BYTES = 64 * 1024;

export class TestFamily {
  /** KV_PUT keys and KV_GET keys, in the order their handlers started. */
  readonly started: string[] = [];
  /** STREAM_READ handler calls. */
  bigReads = 0;
  private readonly values = new Map<string, { version: number; value: Uint8Array }>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private version = 0;

  /**
   * Registers the toy handlers. Ops that already have a handler (a real family registered
   * first, as startFloServer does) keep it: the toy only stands in for what is missing.
   */
  register(table: HandlerTable): void {
    const add = (opCode: number, handler: Handler): void => {
      if (table.get(opCode) === undefined) table.register(opCode, handler);
    };
    this.registerAll(add);
  }

  private registerAll(add: (opCode: number, handler: Handler) => void): void {
    add(OpCode.KV_PUT, async (request) => {
      const key = Buffer.from(request.key).toString('utf8');
      this.started.push(`put ${key}`);
      const delayMs = request.options.uint(DELAY_TAG) ?? 0;
      const value = request.value.slice();
      const version = ++this.version;
      this.values.set(key, { version, value });
      for (const wake of this.waiters.get(key) ?? []) wake();
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      return ok(new BodyWriter(8).u64(version).toBytes());
    });
    add(OpCode.KV_GET, (request, context) => this.get(request.key, request, context));
    add(OpCode.QUEUE_DEQUEUE, async (_request, context) => {
      if (!context.park()) return ok(new Uint8Array(4));
      await aborted(context.signal);
      return fail(Status.INTERNAL_ERROR, 'unreachable: the wait was aborted');
    });
    add(OpCode.STREAM_APPEND, () => {
      throw new Error('boom');
    });
    add(OpCode.KV_DELETE, () => Promise.reject(new NotFoundError('no such key')));
    add(OpCode.QUEUE_ENQUEUE, () => {
      throw new ConflictError('dedup key conflict');
    });
    add(OpCode.QUEUE_PEEK, () => fail(Status.BAD_REQUEST, 'x'.repeat(5000)));
    add(OpCode.KV_EXISTS, (_request, context) => {
      context.park();
      return ok();
    });
    add(OpCode.STREAM_READ, () => {
      this.bigReads++;
      return ok(new Uint8Array(BIG_REPLY_BYTES));
    });
    add(OpCode.QUEUE_STATS, () => 'not a reply' as unknown as Reply);
  }

  private async get(
    keyBytes: Uint8Array,
    request: { options: { uint(tag: number): number | undefined } },
    context: RequestContext,
  ): Promise<Reply> {
    const key = Buffer.from(keyBytes).toString('utf8');
    this.started.push(`get ${key}`);
    const blockMs = request.options.uint(OptionTag.block_ms) ?? 0;
    if (!this.values.has(key) && blockMs > 0 && context.park()) {
      await new Promise<void>((resolve) => {
        const waiters = this.waiters.get(key) ?? new Set();
        this.waiters.set(key, waiters);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, blockMs);
        waiters.add(done);
        context.signal.addEventListener('abort', done);
      });
    }
    const entry = this.values.get(key);
    if (entry === undefined) return fail(Status.NOT_FOUND, 'never sent: KV bodies are empty');
    return ok(new BodyWriter().u64(entry.version).bytes(entry.value).toBytes());
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
