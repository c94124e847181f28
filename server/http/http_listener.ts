// HttpListener: the operator's HTTP surface (node:http), 127.0.0.1:9001 by default.
//   GET /health        JSON {status, live, ready, uptimeMs, durability, dataDir, version};
//                      200 when ready, 503 while starting or stopping
//   GET /health/live   200 while the process serves at all (liveness probe)
//   GET /health/ready  200 when ready, else 503 (readiness probe)
//   GET /metrics       Prometheus text exposition 0.0.4
// HEAD is answered like GET without a body; other methods get 405, other paths 404. It
// translates and delegates: the health report and the metrics text come from callbacks.
// Created by server/flo_server.ts.

import { ok as assert } from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { bind, boundAddress } from '../bind.ts';

/** The body of GET /health. */
export interface HealthReport {
  /** "ok" when ready, "starting" before, "stopping" during shutdown. */
  readonly status: 'ok' | 'starting' | 'stopping';
  readonly live: boolean;
  readonly ready: boolean;
  readonly uptimeMs: number;
  readonly durability: string;
  readonly dataDir: string;
  readonly version: string;
}

export interface HttpListenerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly health: () => HealthReport;
  readonly metrics: () => string;
}

const PROMETHEUS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

export class HttpListener {
  private readonly server: Server;
  private readonly options: HttpListenerOptions;
  private closing: Promise<void> | null = null;

  private constructor(options: HttpListenerOptions) {
    this.options = options;
    this.server = createServer((request, response) => this.route(request, response));
    // Probes and scrapers reconnect freely; idle keep-alive sockets must not hold up close().
    this.server.keepAliveTimeout = 5_000;
  }

  /** Binds; rejects when the address cannot be bound. */
  static async listen(options: HttpListenerOptions): Promise<HttpListener> {
    assert(Number.isInteger(options.port) && options.port >= 0, 'HTTP port');
    const listener = new HttpListener(options);
    await bind(listener.server, options.port, options.host);
    return listener;
  }

  /** The bound address (the real port when 0 was asked for). */
  get address(): { host: string; port: number } {
    return boundAddress(this.server);
  }

  /** Stops accepting and closes every connection, idle or not. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  private route(request: IncomingMessage, response: ServerResponse): void {
    const path = (request.url ?? '/').split('?', 1)[0]!;
    const method = request.method ?? 'GET';
    const known = path === '/health' || path === '/health/live' || path === '/health/ready' ||
      path === '/metrics';
    if (!known) return send(response, 404, JSON_TYPE, json({ error: `no route ${path}` }), method);
    if (method !== 'GET' && method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return send(response, 405, JSON_TYPE, json({ error: `${method} not allowed` }), method);
    }
    try {
      if (path === '/metrics') {
        return send(response, 200, PROMETHEUS_TYPE, this.options.metrics(), method);
      }
      const health = this.options.health();
      if (path === '/health/live') {
        return send(response, health.live ? 200 : 503, JSON_TYPE, json({ live: health.live }),
          method);
      }
      const status = health.ready ? 200 : 503;
      const body = path === '/health' ? health : { ready: health.ready };
      return send(response, status, JSON_TYPE, json(body), method);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return send(response, 500, JSON_TYPE, json({ error: message }), method);
    }
  }
}

function json(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

function send(
  response: ServerResponse,
  status: number,
  type: string,
  body: string,
  method: string,
): void {
  const bytes = Buffer.from(body, 'utf8');
  response.writeHead(status, {
    'content-type': type,
    'content-length': bytes.length,
    'cache-control': 'no-store',
  });
  response.end(method === 'HEAD' ? undefined : bytes);
}
