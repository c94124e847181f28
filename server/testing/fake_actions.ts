// FakeActions: a small in-memory stand-in for the action and worker families, registered like
// a real family, so the client's ActionWorker can be tested over TCP with what it saw
// recorded (registrations, touches, drains); client/action_worker_flo.test.ts runs the
// worker against the real families (server/handlers/action.ts). It keeps runs FIFO per
// action, parks ACTION_AWAIT until a run is pending (first come, first served; an aborted
// wait takes nothing), checks that COMPLETE, FAIL and TOUCH name the run's current task,
// retries failed attempts while retries remain, and tracks worker registrations, heartbeats
// and drains. It records what it saw for tests to assert on. Only the newest ACTION_INVOKE
// form is read. Only tests import this file.

import { Buffer } from 'node:buffer';
import { fail, ok, type Reply, type RequestContext, type HandlerRequest } from '../handler.ts';
import type { HandlerTable } from '../handler_table.ts';
import { BodyReader } from '../wire/body_reader.ts';
import { BodyWriter } from '../wire/body_writer.ts';
import { Status } from '../wire/frame.ts';
import { OpCode } from '../wire/opcodes.ts';
import { OptionTag } from '../wire/option_tags.ts';

export interface FakeRun {
  readonly runId: string;
  readonly action: string;
  readonly input: Uint8Array;
  status: 'pending' | 'running' | 'completed' | 'failed';
  attempts: number;
  taskId: string | null;
  output: string | null;
  error: string | null;
  touches: number;
}

interface Waiter {
  readonly actions: readonly string[];
  readonly take: (run: FakeRun) => void;
}

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

export class FakeActions {
  readonly actions = new Map<string, { timeoutMs: number; maxRetries: number }>();
  readonly runs: FakeRun[] = [];
  /** WORKER_REGISTER count per worker id. */
  readonly registrations = new Map<string, number>();
  readonly deregistered: string[] = [];
  readonly draining = new Set<string>();
  heartbeats = 0;
  private waiters: Waiter[] = [];
  private nextRun = 1;

  register(table: HandlerTable): void {
    table.register(OpCode.ACTION_REGISTER, (request) => {
      const reader = new BodyReader(request.value);
      reader.u8();
      const timeoutMs = reader.u32();
      this.actions.set(text(request.key), { timeoutMs, maxRetries: reader.u32() });
      return ok(request.key.slice());
    });
    table.register(OpCode.ACTION_INVOKE, (request) => this.invoke(request));
    table.register(OpCode.ACTION_AWAIT, (request, context) => this.awaitTask(request, context));
    table.register(OpCode.ACTION_COMPLETE, (request) => this.finish(request, 'complete'));
    table.register(OpCode.ACTION_FAIL, (request) => this.finish(request, 'fail'));
    table.register(OpCode.ACTION_TOUCH, (request) => this.finish(request, 'touch'));
    table.register(OpCode.WORKER_REGISTER, (request) => {
      const id = text(request.key);
      this.registrations.set(id, (this.registrations.get(id) ?? 0) + 1);
      this.draining.delete(id);
      return ok();
    });
    table.register(OpCode.WORKER_HEARTBEAT, (request) => {
      this.heartbeats++;
      return ok(Uint8Array.of(this.draining.has(text(request.key)) ? 2 : 0));
    });
    table.register(OpCode.WORKER_DEREGISTER, (request) => {
      this.deregistered.push(text(request.key));
      return ok();
    });
    table.register(OpCode.WORKER_DRAIN, (request) => {
      this.draining.add(text(request.key));
      return ok();
    });
  }

  /** Runs of `action` in a state. */
  count(status: FakeRun['status']): number {
    return this.runs.filter((run) => run.status === status).length;
  }

  private invoke(request: HandlerRequest): Reply {
    const action = text(request.key);
    if (!this.actions.has(action)) return fail(Status.NOT_FOUND, 'action not found');
    const reader = new BodyReader(request.value);
    if (request.value.length > 0 && reader.flag()) reader.bytesU16();
    const run: FakeRun = {
      runId: `run-${this.nextRun++}`, action, input: reader.rest().slice(), status: 'pending',
      attempts: 0, taskId: null, output: null, error: null, touches: 0,
    };
    this.runs.push(run);
    this.wake(run);
    return ok(Buffer.from(run.runId));
  }

  private async awaitTask(request: HandlerRequest, context: RequestContext): Promise<Reply> {
    const worker = text(request.key);
    const reader = new BodyReader(request.value);
    const actions = Array.from({ length: reader.u32() }, () => text(reader.bytesU16()));
    const blockMs = request.options.uint(OptionTag.block_ms) ?? 30_000;
    if (this.draining.has(worker)) return ok();
    const ready = this.runs.find((run) => run.status === 'pending' && actions.includes(run.action));
    if (ready !== undefined) return this.assign(ready, request.version);
    if (blockMs === 0 || !context.park()) return ok();
    const run = await new Promise<FakeRun | null>((resolve) => {
      const waiter: Waiter = { actions, take: (taken) => done(taken) };
      const timer = setTimeout(() => done(null), blockMs);
      const done = (taken: FakeRun | null): void => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((other) => other !== waiter);
        resolve(taken);
      };
      context.signal.addEventListener('abort', () => done(null), { once: true });
      this.waiters.push(waiter);
    });
    return run === null ? ok() : this.assign(run, request.version);
  }

  /** Hands a pending run to the first waiter that can take it. */
  private wake(run: FakeRun): void {
    const waiter = this.waiters.find((candidate) => candidate.actions.includes(run.action));
    if (waiter === undefined) return;
    // Reserved now: a poll arriving before the waiter's reply is built must not take it too.
    run.status = 'running';
    waiter.take(run);
  }

  private assign(run: FakeRun, version: number): Reply {
    run.status = 'running';
    run.attempts++;
    run.taskId = `${run.runId}:${run.attempts}`;
    const body = new BodyWriter().utf8U16(run.taskId).utf8U16(run.action).i64(1_700_000_000_000)
      .u32(run.attempts);
    if (version === 1) body.u8(0);
    return ok(body.bytes(run.input).toBytes());
  }

  private finish(request: HandlerRequest, what: 'complete' | 'fail' | 'touch'): Reply {
    const reader = new BodyReader(request.value);
    const action = text(reader.bytesU16());
    const taskId = text(reader.bytesU16());
    const run = this.runs.find((candidate) => candidate.taskId === taskId);
    if (run === undefined || run.status !== 'running' || run.action !== action) {
      return fail(Status.NOT_FOUND, 'unknown task');
    }
    if (what === 'touch') {
      run.touches++;
    } else if (what === 'complete') {
      reader.bytesU16();
      run.output = text(reader.bytesU16());
      run.status = 'completed';
    } else {
      const retry = reader.u8() === 1;
      run.error = text(reader.rest());
      const { maxRetries } = this.actions.get(run.action)!;
      run.status = retry && run.attempts < maxRetries + 1 ? 'pending' : 'failed';
      if (run.status === 'pending') this.wake(run);
    }
    return ok();
  }
}
