// startFloServer: the whole server over one open engine. It composes the protocol listener
// (server/mod.ts startServer: the system family built in, plus every entry of
// server/handlers/families.ts and any extra families the caller passes), the HTTP listener
// (health and metrics), and the metrics registry that both the connections (ServerMetrics)
// and the families (their own gauges) report into.
//
// Start order: HTTP first (probes see "starting"), then the protocol port, then ready; one
// log line names both addresses, the data directory and the durability. close() is the
// graceful stop: not ready, protocol shutdown per spec §3.8 (stop accepting, finish the
// immediate requests, answer parked ones with their timeout outcome, flush, close), then
// flo.close() (flush and fsync), then HTTP. Called by cli/commands/serve.ts and tests.

import { ok as assert } from 'node:assert/strict';
import type { Flo } from '../engine/mod.ts';
import { engineFamilies, type RegisterFamily } from './handlers/families.ts';
import { HttpListener, type HealthReport } from './http/http_listener.ts';
import { MetricsRegistry } from './metrics/registry.ts';
import { ServerMetrics } from './metrics/server_metrics.ts';
import { startServer, type FloServer, type ServerOptions } from './start_server.ts';
import { floVersion } from './version.ts';
import { checkWireLimits, replyBytesSoftDefault, wireLimitsDefault } from './wire/limits.ts';

/** Configuration of startFloServer(); the protocol options are those of startServer(). */
export interface FloServerConfig extends Omit<ServerOptions, 'register' | 'observer'> {
  /** The HTTP listener's address (default 127.0.0.1:9001), or false for none. */
  readonly http?: { readonly host?: string; readonly port?: number } | false;
  /** Families to register after the built-in ones (tests, embedders with their own ops). */
  readonly families?: readonly RegisterFamily[];
  /** Where the start-up line goes; default stdout. */
  readonly log?: (line: string) => void;
  /** Reply body soft limit (bytes, §3.4): lists are cut short before passing it (32 MiB). */
  readonly replyBytesSoft?: number;
}

/** A running server; it owns the engine it was given. */
export interface RunningFloServer {
  /** The protocol listener's bound address. */
  readonly address: { host: string; port: number };
  /** The HTTP listener's bound address, or null without HTTP. */
  readonly httpAddress: { host: string; port: number } | null;
  /** Where families and embedders add metrics. */
  readonly metrics: MetricsRegistry;
  /** True from start-up until close() begins. */
  readonly ready: boolean;
  /** Open protocol connections. */
  readonly connectionCount: number;
  /** Requests parked (waiting) across connections. */
  readonly parkedCount: number;
  /** Graceful stop, then flo.close(). Idempotent; rejects if closing the engine fails. */
  close(): Promise<void>;
}

/**
 * Serves `flo` over the Flo protocol and HTTP.
 *
 * On success the server owns `flo` and closes it in close(); if start-up fails (an address in
 * use), whatever was started is stopped and the caller still owns `flo`.
 *
 * @param flo An open engine (openFlo).
 * @param config Addresses, authentication, limits, extra families, the log.
 * @returns The running server once both listeners are bound.
 * @throws The bind error; RangeError for bad limits.
 * @example
 * const flo = await openFlo({ dir: './data' });
 * const server = await startFloServer(flo, { port: 9000, http: { port: 9001 } });
 * process.once('SIGTERM', () => void server.close());
 */
export async function startFloServer(
  flo: Flo,
  config: FloServerConfig = {},
): Promise<RunningFloServer> {
  const replyBytesSoft = config.replyBytesSoft ?? replyBytesSoftDefault;
  if (!Number.isSafeInteger(replyBytesSoft) || replyBytesSoft < 1024) {
    throw new RangeError(`replyBytesSoft must be an integer of at least 1024, got ` +
      `${replyBytesSoft}`);
  }
  const limits = checkWireLimits({ ...wireLimitsDefault, ...config.limits });
  const registry = new MetricsRegistry();
  const serverMetrics = new ServerMetrics(registry);
  registry.gauge({
    name: 'flo_build_info', help: 'Always 1; the labels name the build.',
    labelNames: ['version', 'durability'],
  }).labels(floVersion, flo.durability).set(1);
  const startedMs = flo.clock.monotonicMs();
  let phase: HealthReport['status'] = 'starting';
  const health = (): HealthReport => ({
    status: phase,
    live: true,
    ready: phase === 'ok',
    uptimeMs: Math.round(flo.clock.monotonicMs() - startedMs),
    durability: flo.durability,
    dataDir: flo.durability === 'memory' ? '(memory)' : flo.dir,
    version: floVersion,
  });
  const http = config.http === false ? null : await HttpListener.listen({
    host: config.http?.host ?? '127.0.0.1',
    port: config.http?.port ?? 9001,
    health,
    metrics: () => registry.render(),
  });
  let tcp: FloServer;
  try {
    const families = [...engineFamilies, ...(config.families ?? [])];
    tcp = await startServer({
      ...config,
      clock: config.clock ?? flo.clock,
      observer: serverMetrics,
      register: (table) => {
        for (const register of families) {
          register({ table, flo, metrics: registry, replyBytesSoft, limits });
        }
      },
    });
  } catch (error) {
    await http?.close();
    throw error;
  }
  serverMetrics.bind(tcp);
  assert(phase === 'starting' && tcp.address.port > 0, 'bound before ready');
  phase = 'ok';
  (config.log ?? ((line: string) => void process.stdout.write(`${line}\n`)))(
    startLine(tcp.address, http?.address ?? null, health()));
  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    phase = 'stopping';
    try {
      await tcp.shutdown();
      assert(tcp.connectionCount === 0, 'every protocol connection is closed');
      await flo.close();
    } finally {
      await http?.close();
    }
  };
  return {
    address: tcp.address,
    httpAddress: http?.address ?? null,
    metrics: registry,
    get ready() {
      return phase === 'ok';
    },
    get connectionCount() {
      return tcp.connectionCount;
    },
    get parkedCount() {
      return tcp.parkedCount;
    },
    close: () => (closing ??= close()),
  };
}

/** The one start-up line: both addresses, the data directory, the durability. */
function startLine(
  address: { host: string; port: number },
  httpAddress: { host: string; port: number } | null,
  health: HealthReport,
): string {
  const httpText = httpAddress === null ? 'http off' : `http ${hostPort(httpAddress)}`;
  const dir = health.dataDir === '(memory)' ? '(memory)' : JSON.stringify(health.dataDir);
  return `flo ${health.version}: serving on ${hostPort(address)}, ${httpText}, ` +
    `data dir ${dir}, durability ${health.durability}`;
}

function hostPort(address: { host: string; port: number }): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}
