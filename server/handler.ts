// The handler interface: how an op family plugs into the server without touching server/tcp.
// A Handler gets the decoded request and a RequestContext and returns a Reply, or a promise
// of one (a write waiting for its fsync, a parked wait). The connection keeps arrival order
// for replies of immediate requests and starts later requests at once either way. A handler
// whose op may block (§3.3) calls context.park() when it starts to wait; its reply then leaves
// the ordering. Throwing is allowed: WireError and EngineError become their status
// (server/error_table.ts), anything else INTERNAL_ERROR. Families register handlers in a
// HandlerTable (server/handler_table.ts); see server/system/system_handlers.ts for examples.

import { Buffer } from 'node:buffer';
import { Status } from './wire/frame.ts';
import { messageBytesMax } from './wire/limits.ts';
import type { OpInfo } from './wire/opcodes.ts';
import type { TlvOptions } from './wire/options.ts';

/** A reply: status and body. A non-OK body is a UTF-8 message of at most 1 024 bytes. */
export interface Reply {
  readonly status: Status;
  readonly body: Uint8Array;
}

/** A connection's authentication state (spec §7.1.2). */
export interface AuthState {
  readonly authenticated: boolean;
  /** The JWT `sub` claim, or empty. */
  readonly subject: string;
  /** The namespace the connection is locked to, or null. */
  readonly namespaceLock: string | null;
}

export const UNAUTHENTICATED: AuthState = {
  authenticated: false,
  subject: '',
  namespaceLock: null,
};

/** A decoded request. Byte fields are views of the received frame: copy what you keep. */
export interface HandlerRequest {
  readonly op: OpInfo;
  /** Header version, 1 or 2 (only ACTION_AWAIT's reply layout depends on it). */
  readonly version: number;
  readonly flags: number;
  /** The u64 request id (exact). */
  readonly requestId: bigint;
  /** The effective namespace: "default" when the envelope's was empty. */
  readonly namespace: string;
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly options: TlvOptions;
}

export interface RequestContext {
  /** The connection's authentication state. */
  readonly auth: AuthState;
  /** Replaces the connection's authentication state (AUTH). */
  setAuth(state: AuthState): void;
  /**
   * Aborted when this request's answer is no longer wanted: the connection closed, the
   * server is shutting down while the request is parked, or park() was refused. Pass it to
   * the engine's waits; a wait that was aborted must take nothing (spec §3.3).
   */
  readonly signal: AbortSignal;
  /**
   * Declares that this request is starting to wait (only the blocking ops of §3.3 may). The
   * request leaves the connection's reply ordering and later replies go out at once. Returns
   * false when the server-wide parked limit is reached or the connection is closing: the
   * request has then already been answered with its timeout outcome, and the signal is
   * aborted, so the handler should stop waiting (whatever it returns is dropped).
   */
  park(): boolean;
  /** A number naming the connection (logs, tests). */
  readonly connectionId: number;
}

export type Handler = (request: HandlerRequest, context: RequestContext) => Reply | Promise<Reply>;

const EMPTY = new Uint8Array(0);

/** OK with `body` (empty by default). */
export function ok(body: Uint8Array = EMPTY): Reply {
  return { status: Status.OK, body };
}

/** A non-OK reply whose body is `message` (UTF-8, cut to 1 024 bytes at a character). */
export function fail(status: Status, message: string): Reply {
  return { status, body: capMessage(Buffer.from(message, 'utf8')) };
}

/** `body` cut to at most 1 024 bytes without splitting a UTF-8 character. */
export function capMessage(body: Uint8Array): Uint8Array {
  if (body.length <= messageBytesMax) return body;
  let cut = messageBytesMax;
  while (cut > 0 && (body[cut]! & 0xc0) === 0x80) cut--;
  return body.subarray(0, cut);
}
