// Dispatcher: turns one checked request frame into a Reply (or a promise of one) by the
// order of flo-wire.md §3.1 and §3.5: op code (unknown, reply-only, not supported), the
// compressed flag, the envelope and its limits, authentication and the namespace lock, then
// the registered handler. Every failure becomes a reply: WireError and EngineError map to
// their status (server/error_table.ts), anything else, assertion failures included, is
// INTERNAL_ERROR and is reported through onInternalError (spec §3.9: the connection stays
// open). Replies are normalised: NOT_FOUND to a KV op has an empty body (§3.4), messages are
// at most 1 024 bytes. The returned promise never rejects. Called by Connection.

import { ok as assert } from 'node:assert/strict';
import { engineErrorReply } from '../error_table.ts';
import {
  capMessage,
  fail,
  type AuthState,
  type Handler,
  type HandlerRequest,
  type Reply,
  type RequestContext,
} from '../handler.ts';
import type { HandlerTable } from '../handler_table.ts';
import { parseEnvelope, type Envelope } from '../wire/envelope.ts';
import {
  FLAG_COMPRESSED,
  isStatus,
  requestIdBigInt,
  Status,
  type RequestFrame,
} from '../wire/frame.ts';
import type { WireLimits } from '../wire/limits.ts';
import { OpCode, opInfo, opRejection, unregisteredMessage, type OpInfo } from '../wire/opcodes.ts';
import type { TlvOptions } from '../wire/options.ts';
import { WireError } from '../wire/wire_error.ts';

export interface DispatcherOptions {
  readonly handlers: HandlerTable;
  readonly limits: WireLimits;
  /** True when the server has static tokens or a JWT secret (spec §7.1.2). */
  readonly authEnabled: boolean;
  /** Told about every exception that became INTERNAL_ERROR. */
  readonly onInternalError: (error: unknown, op: OpInfo) => void;
}

const EMPTY = new Uint8Array(0);

/** The request a handler sees. The request id becomes a bigint only when asked for. */
class DispatchedRequest implements HandlerRequest {
  readonly op: OpInfo;
  readonly version: number;
  readonly flags: number;
  readonly namespace: string;
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly options: TlvOptions;
  private readonly frame: RequestFrame;

  constructor(frame: RequestFrame, op: OpInfo, envelope: Envelope) {
    this.frame = frame;
    this.op = op;
    this.version = frame.version;
    this.flags = frame.flags;
    this.namespace = envelope.namespace;
    this.key = envelope.key;
    this.value = envelope.value;
    this.options = envelope.options;
  }

  get requestId(): bigint {
    return requestIdBigInt(this.frame);
  }
}

export class Dispatcher {
  private readonly options: DispatcherOptions;

  constructor(options: DispatcherOptions) {
    this.options = options;
  }

  /** The reply to `frame`: immediate, or a promise that never rejects. */
  dispatch(frame: RequestFrame, context: RequestContext): Reply | Promise<Reply> {
    const rejection = opRejection(frame.opCode);
    if (rejection !== null) return fail(Status.BAD_REQUEST, rejection);
    const op = opInfo(frame.opCode)!;
    if ((frame.flags & FLAG_COMPRESSED) !== 0) {
      return fail(Status.BAD_REQUEST, 'not supported: compressed payload');
    }
    let envelope: Envelope;
    try {
      envelope = parseEnvelope(frame.payload, this.options.limits);
    } catch (error) {
      return this.replyForError(error, op);
    }
    const refusal = this.authRefusal(op, envelope.namespace, context.auth);
    if (refusal !== null) return fail(Status.UNAUTHORIZED, refusal);
    const handler = this.options.handlers.get(op.code);
    if (handler === undefined) return fail(Status.BAD_REQUEST, unregisteredMessage(op));
    return this.run(handler, new DispatchedRequest(frame, op, envelope), context);
  }

  private run(
    handler: Handler,
    request: HandlerRequest,
    context: RequestContext,
  ): Reply | Promise<Reply> {
    let result: Reply | Promise<Reply>;
    try {
      result = handler(request, context);
    } catch (error) {
      return this.replyForError(error, request.op);
    }
    if (isThenable(result)) {
      return Promise.resolve(result).then(
        (reply) => this.normalise(reply, request.op),
        (error: unknown) => this.replyForError(error, request.op),
      );
    }
    return this.normalise(result, request.op);
  }

  /** The UNAUTHORIZED message for `op` in `namespace`, or null when it may run (§7.1.2). */
  private authRefusal(op: OpInfo, namespace: string, auth: AuthState): string | null {
    if (!this.options.authEnabled) return null;
    if (op.code === OpCode.PING || op.code === OpCode.AUTH) return null;
    if (!auth.authenticated) return 'authentication required';
    if (auth.namespaceLock === null || op.family === 'cluster') return null;
    // Namespace ops address other namespaces by name: a locked connection may not use them.
    if (op.family === 'namespace') return 'namespace not allowed';
    return namespace === auth.namespaceLock ? null : 'namespace not allowed';
  }

  private normalise(reply: unknown, op: OpInfo): Reply {
    if (!isReply(reply)) {
      return this.replyForError(new Error(`${op.name} handler returned no Reply (a bug)`), op);
    }
    if (reply.status === Status.OK) return reply;
    // KV ops answer NOT_FOUND with an empty body, blocking timeouts included (§3.4).
    if (reply.status === Status.NOT_FOUND && op.family === 'kv') {
      return reply.body.length === 0 ? reply : { status: reply.status, body: EMPTY };
    }
    const body = capMessage(reply.body);
    return body === reply.body ? reply : { status: reply.status, body };
  }

  private replyForError(error: unknown, op: OpInfo): Reply {
    if (error instanceof WireError) return this.normalise(fail(error.status, error.message), op);
    const mapped = engineErrorReply(error);
    if (mapped !== null) return this.normalise(fail(mapped.status, mapped.message), op);
    try {
      this.options.onInternalError(error, op);
    } catch {
      // A failing reporter must not turn one bad request into a crash.
    }
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const reply = fail(Status.INTERNAL_ERROR, `internal error: ${detail}`);
    assert(reply.status === Status.INTERNAL_ERROR, 'internal error reply');
    return reply;
  }
}

function isThenable(value: unknown): value is PromiseLike<Reply> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function isReply(value: unknown): value is Reply {
  if (typeof value !== 'object' || value === null) return false;
  const { status, body } = value as { status?: unknown; body?: unknown };
  return typeof status === 'number' && isStatus(status) && body instanceof Uint8Array;
}
