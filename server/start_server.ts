// startServer(): the Flo protocol on a TCP port, with the system family built in and the
// engine families registered through `register`. It wires the handler table, dispatcher,
// authenticator and listener together; server/flo_server.ts adds the engine, HTTP and metrics
// around it. Re-exported by server/mod.ts.

import { RealClock, type Clock } from '../engine/mod.ts';
import { HandlerTable } from './handler_table.ts';
import type { ConnectionObserver } from './metrics/server_metrics.ts';
import { Authenticator, type AuthConfig } from './system/authenticator.ts';
import { registerSystemHandlers } from './system/system_handlers.ts';
import { NO_OBSERVER } from './tcp/connection.ts';
import { Dispatcher } from './tcp/dispatch.ts';
import { FloListener } from './tcp/listener.ts';
import {
  checkWireLimits,
  incompleteFrameMsDefault,
  inFlightMaxDefault,
  parkedMaxDefault,
  wireLimitsDefault,
  type WireLimits,
} from './wire/limits.ts';
import type { OpInfo } from './wire/opcodes.ts';

/**
 * After a frame-level error, how long immediate requests may still finish before the error
 * frame and FIN (the spec wants the FIN within 1 s).
 */
const frameErrorGraceMs = 500;

/** Options of startServer(). Every limit defaults to flo-wire.md §2.7. */
export interface ServerOptions {
  /** Address to bind; default 127.0.0.1. */
  readonly host?: string;
  /** Port to bind; default 9000; 0 picks a free port. */
  readonly port?: number;
  /** Static tokens and/or a JWT secret; authentication is off when neither is given. */
  readonly auth?: AuthConfig;
  /** Node id reported by CLUSTER_STATUS / CLUSTER_MEMBERS; default node-1. */
  readonly nodeId?: string;
  /** Wall clock and timers (JWT expiry, incomplete-frame timer); default the real clock. */
  readonly clock?: Clock;
  /** Payload, value, namespace and key limits. */
  readonly limits?: Partial<WireLimits>;
  /** Requests in flight per connection before OVERLOADED; default 4 096. */
  readonly inFlightMax?: number;
  /** Parked requests server-wide; default 100 000. */
  readonly parkedMax?: number;
  /** Time to receive one started frame (ms); default 60 000. */
  readonly incompleteFrameMs?: number;
  /** How long shutdown waits for immediate requests (ms); default 10 000. */
  readonly shutdownGraceMs?: number;
  /** Write buffer above which a connection stops reading (bytes); default 1 MiB. */
  readonly writeHighWaterBytes?: number;
  /** Registers the engine families' handlers (the system family is always there). */
  readonly register?: (table: HandlerTable) => void;
  /** Told about every exception that was answered INTERNAL_ERROR; default: stderr. */
  readonly onInternalError?: (error: unknown, op: OpInfo) => void;
  /** Told about connections, bytes, requests and frame errors (ServerMetrics); default none. */
  readonly observer?: ConnectionObserver;
}

/** A running server. */
export interface FloServer {
  /** The bound address (the real port when 0 was asked for). */
  readonly address: { host: string; port: number };
  /** Open connections. */
  readonly connectionCount: number;
  /** Parked requests across connections. */
  readonly parkedCount: number;
  /** Graceful shutdown (spec §3.8); resolves when every connection has closed. */
  shutdown(): Promise<void>;
}

/**
 * Starts a Flo protocol server.
 *
 * @param options Address, authentication, limits and the engine families' handlers.
 * @returns The running server, once it is bound.
 * @throws RangeError for limits outside what the encoding allows; the bind error otherwise.
 * @example
 * const server = await startServer({ port: 0, register: (t) => registerKv(t, flo.kv) });
 * // … later
 * await server.shutdown();
 */
export async function startServer(options: ServerOptions = {}): Promise<FloServer> {
  const clock = options.clock ?? new RealClock();
  const limits = checkWireLimits({ ...wireLimitsDefault, ...options.limits });
  const authenticator = new Authenticator(options.auth ?? {}, clock);
  const handlers = new HandlerTable();
  let listener: FloListener | null = null;
  registerSystemHandlers(handlers, {
    authenticator,
    nodeId: options.nodeId ?? 'node-1',
    address: () => {
      const { host, port } = listener!.address;
      return `${host}:${port}`;
    },
  });
  options.register?.(handlers);
  const dispatcher = new Dispatcher({
    handlers,
    limits,
    authEnabled: authenticator.enabled,
    onInternalError: options.onInternalError ?? reportInternalError,
  });
  listener = await FloListener.listen({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 9000,
    dispatcher,
    clock,
    payloadBytesMax: limits.payloadBytesMax,
    inFlightMax: positive(options.inFlightMax ?? inFlightMaxDefault, 'inFlightMax'),
    parkedMax: nonNegative(options.parkedMax ?? parkedMaxDefault, 'parkedMax'),
    incompleteFrameMs: positive(
      options.incompleteFrameMs ?? incompleteFrameMsDefault,
      'incompleteFrameMs',
    ),
    closeGraceMs: frameErrorGraceMs,
    shutdownGraceMs: nonNegative(options.shutdownGraceMs ?? 10_000, 'shutdownGraceMs'),
    writeHighWaterBytes: positive(options.writeHighWaterBytes ?? 1 << 20, 'writeHighWaterBytes'),
    observer: options.observer ?? NO_OBSERVER,
  });
  const bound = listener;
  return {
    get address() {
      return bound.address;
    },
    get connectionCount() {
      return bound.connectionCount;
    },
    get parkedCount() {
      return bound.parkedCount;
    },
    shutdown: () => bound.shutdown(),
  };
}

function reportInternalError(error: unknown, op: OpInfo): void {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  console.error(`flo server: ${op.name} failed with an internal error: ${detail}`);
}

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

function nonNegative(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
  return value;
}
