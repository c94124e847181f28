// FloListener: the TCP listener of the Flo protocol (node:net). Binds 127.0.0.1:9000 by
// default, sets TCP_NODELAY, keeps half-open sockets so a peer's FIN does not cut off replies
// still being computed (§3.7), and gives each socket a Connection sharing one Dispatcher and
// one server-wide ParkBudget. shutdown() is the graceful stop of §3.8: stop accepting, let
// every connection finish its immediate requests and answer its parked ones with their
// timeout outcome, flush, close; connections still open after the grace are destroyed.
// Created by server/start_server.ts startServer().

import { ok as assert } from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { Clock } from '../../engine/mod.ts';
import { bind, boundAddress } from '../bind.ts';
import type { ConnectionObserver } from '../metrics/server_metrics.ts';
import { Connection, ParkBudget, type ConnectionConfig } from './connection.ts';
import type { Dispatcher } from './dispatch.ts';

export interface ListenerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly dispatcher: Dispatcher;
  readonly clock: Clock;
  readonly payloadBytesMax: number;
  readonly inFlightMax: number;
  readonly parkedMax: number;
  readonly incompleteFrameMs: number;
  readonly closeGraceMs: number;
  readonly shutdownGraceMs: number;
  readonly writeHighWaterBytes: number;
  readonly observer: ConnectionObserver;
}

export class FloListener {
  private readonly server: Server;
  private readonly options: ListenerOptions;
  private readonly config: ConnectionConfig;
  private readonly connections = new Set<Connection>();
  private nextConnectionId = 1;
  private shutdownPromise: Promise<void> | null = null;

  private constructor(options: ListenerOptions) {
    this.options = options;
    this.config = {
      dispatcher: options.dispatcher,
      clock: options.clock,
      payloadBytesMax: options.payloadBytesMax,
      inFlightMax: options.inFlightMax,
      incompleteFrameMs: options.incompleteFrameMs,
      closeGraceMs: options.closeGraceMs,
      writeHighWaterBytes: options.writeHighWaterBytes,
      parkBudget: new ParkBudget(options.parkedMax),
      observer: options.observer,
    };
    this.server = createServer({
      allowHalfOpen: true,
      noDelay: true,
      highWaterMark: options.writeHighWaterBytes,
    });
    this.server.on('connection', (socket) => this.accept(socket));
  }

  /** Binds and starts accepting; rejects when the address cannot be bound. */
  static async listen(options: ListenerOptions): Promise<FloListener> {
    assert(options.shutdownGraceMs >= 0, 'shutdown grace');
    const listener = new FloListener(options);
    await bind(listener.server, options.port, options.host);
    return listener;
  }

  /** The bound address (the real port when 0 was asked for). */
  get address(): { host: string; port: number } {
    return boundAddress(this.server);
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Parked requests across all connections. */
  get parkedCount(): number {
    return this.config.parkBudget.count;
  }

  /** Graceful shutdown (§3.8). Idempotent; resolves when every connection has closed. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.stop();
    return this.shutdownPromise;
  }

  private async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const graceMs = this.options.shutdownGraceMs;
    const all = Promise.all([...this.connections].map((c) => c.shutdown(graceMs)));
    // Past the grace (plus the time to flush and FIN), whatever is still open is cut.
    const timer = this.options.clock.setTimer(graceMs + 1_000, () => {
      for (const connection of this.connections) connection.destroy();
    });
    await all;
    timer.cancel();
    await closed;
  }

  private accept(socket: Socket): void {
    if (this.shutdownPromise !== null) {
      socket.destroy();
      return;
    }
    const connection = new Connection(socket, this.config, this.nextConnectionId++);
    this.connections.add(connection);
    void connection.closed.then(() => this.connections.delete(connection));
  }
}
