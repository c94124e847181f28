// startFloServer end to end on loopback: the start-up line, GET /health and its probes, GET
// /metrics after real traffic (per-op counts by status, latency histograms, bytes, open
// connections, parked requests, a family's own gauge), HTTP routing errors, graceful close
// (parked requests get their timeout outcome, the engine is closed and its lock released,
// both ports are free again), and a failed start leaving nothing bound.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { MemFs, openFlo } from '../engine/mod.ts';
import { startFloServer, type FloServerConfig, type RunningFloServer } from './flo_server.ts';
import { RawPeer, requestBytes } from './testing/raw_peer.ts';
import { TestFamily } from './testing/test_family.ts';
import { Status } from './wire/frame.ts';
import { OpCode } from './wire/opcodes.ts';
import { OptionTag } from './wire/option_tags.ts';
import { OptionsWriter } from './wire/options.ts';

interface Started {
  server: RunningFloServer;
  fs: MemFs;
  lines: string[];
  base: string;
}

async function start(t: TestContext, config: FloServerConfig = {}): Promise<Started> {
  const fs = new MemFs();
  const flo = await openFlo({ dir: '/data', fs });
  const lines: string[] = [];
  const family = new TestFamily();
  const server = await startFloServer(flo, {
    port: 0,
    http: { port: 0 },
    log: (line) => lines.push(line),
    onInternalError: () => {},
    families: [({ table }) => family.register(table)],
    ...config,
  });
  t.after(() => server.close());
  return { server, fs, lines, base: `http://127.0.0.1:${server.httpAddress!.port}` };
}

/** block_ms 60 000: the real queue family parks the dequeue. */
const blockMs = new OptionsWriter().uint(OptionTag.block_ms, 60_000, 4).toBytes();

async function get(url: string, init?: RequestInit): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(3000) });
  return { status: response.status, text: await response.text() };
}

test('the start-up line names both addresses, the data directory and the durability', async (t) => {
  const { server, lines } = await start(t);
  assert.equal(lines.length, 1);
  assert.equal(lines[0], `flo 0.1.0: serving on 127.0.0.1:${server.address.port}, ` +
    `http 127.0.0.1:${server.httpAddress!.port}, data dir "/data", durability sync`);
  assert.equal(server.ready, true);
});

test('GET /health reports ready with the fields of the brief; probes answer 200', async (t) => {
  const { base } = await start(t);
  const health = await get(`${base}/health`);
  assert.equal(health.status, 200);
  const body = JSON.parse(health.text) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(),
    ['dataDir', 'durability', 'live', 'ready', 'status', 'uptimeMs', 'version']);
  assert.equal(body['status'], 'ok');
  assert.equal(body['ready'], true);
  assert.equal(body['live'], true);
  assert.equal(body['durability'], 'sync');
  assert.equal(body['dataDir'], '/data');
  assert.equal(typeof body['uptimeMs'], 'number');
  assert.equal((await get(`${base}/health/live`)).status, 200);
  assert.equal((await get(`${base}/health/ready`)).text, '{"ready":true}\n');
});

test('GET /metrics counts requests by op and status, with latency, bytes and gauges', async (t) => {
  const { server, base } = await start(t, {
    families: [({ table, metrics }) => {
      new TestFamily().register(table);
      metrics.collected({
        name: 'flo_test_depth', help: 'A family gauge.', type: 'gauge', labelNames: ['queue'],
        collect: () => [{ labels: ['jobs'], value: 42 }],
      });
    }],
  });
  const raw = await RawPeer.connect(server.address.port);
  t.after(() => raw.destroy());
  const frames = [
    ...[1, 2, 3].map((id) => requestBytes(OpCode.PING, { id })),
    requestBytes(OpCode.KV_DELETE, { id: 4, key: 'k' }),
    requestBytes(0x999, { id: 5 }),
    requestBytes(OpCode.QUEUE_DEQUEUE, { id: 6, key: 'q', options: blockMs }),
  ];
  for (const frame of frames) raw.write(frame);
  const replies = await raw.take(5);
  assert.deepEqual(replies.map((reply) => reply.status),
    [Status.OK, Status.OK, Status.OK, Status.NOT_FOUND, Status.BAD_REQUEST]);
  const { status, text } = await get(`${base}/metrics`);
  assert.equal(status, 200);
  assert.match(text, /^# TYPE flo_requests_total counter$/m);
  assert.match(text, /^flo_requests_total\{op="PING",status="OK"\} 3$/m);
  assert.match(text, /^flo_requests_total\{op="KV_DELETE",status="NOT_FOUND"\} 1$/m);
  assert.match(text, /^flo_requests_total\{op="unknown",status="BAD_REQUEST"\} 1$/m);
  assert.match(text, /^# TYPE flo_request_duration_seconds histogram$/m);
  assert.match(text, /^flo_request_duration_seconds_bucket\{op="PING",le="\+Inf"\} 3$/m);
  assert.match(text, /^flo_request_duration_seconds_count\{op="PING"\} 3$/m);
  assert.match(text, /^flo_connections 1$/m);
  assert.match(text, /^flo_connections_accepted_total 1$/m);
  assert.match(text, /^flo_parked_requests 1$/m);
  assert.match(text, /^flo_test_depth\{queue="jobs"\} 42$/m);
  assert.match(text, /^flo_build_info\{version="0.1.0",durability="sync"\} 1$/m);
  const received = Number(/^flo_received_bytes_total (\d+)$/m.exec(text)![1]);
  const sent = Number(/^flo_sent_bytes_total (\d+)$/m.exec(text)![1]);
  assert.equal(received, frames.reduce((sum, frame) => sum + frame.length, 0));
  assert.equal(sent, replies.reduce((sum, reply) => sum + reply.bytes.length, 0));
});

test('HTTP answers 404 for other paths, 405 for other methods, HEAD without a body', async (t) => {
  const { base } = await start(t);
  assert.equal((await get(`${base}/nope`)).status, 404);
  const post = await fetch(`${base}/metrics`, {
    method: 'POST', signal: AbortSignal.timeout(3000),
  });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
  await post.text();
  const head = await get(`${base}/health`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
});

test('close() answers parked requests, closes the engine and frees both ports', async (t) => {
  const { server, fs, base } = await start(t);
  const raw = await RawPeer.connect(server.address.port);
  t.after(() => raw.destroy());
  raw.write(requestBytes(OpCode.QUEUE_DEQUEUE, { id: 7, key: 'q', options: blockMs }));
  raw.write(requestBytes(OpCode.PING, { id: 8 }));
  assert.equal((await raw.next()).requestIdLo, 8);
  const closing = server.close();
  assert.equal(server.ready, false);
  const parked = await raw.next();
  assert.equal(parked.requestIdLo, 7);
  assert.equal(parked.status, Status.OK);
  assert.deepEqual([...parked.body], [0, 0, 0, 0], 'the dequeue timeout outcome');
  await raw.untilClosed();
  await closing;
  assert.equal(server.close(), server.close(), 'close is idempotent');
  await assert.rejects(get(`${base}/health`));
  const again = await openFlo({ dir: '/data', fs });
  await again.close();
});

test('a start that cannot bind its protocol port leaves the HTTP port free', async (t) => {
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => blocker.close());
  const taken = (blocker.address() as { port: number }).port;
  const flo = await openFlo({ dir: '/data', durability: 'memory' });
  t.after(() => flo.close());
  const probe: Server = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const httpPort = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  await assert.rejects(
    startFloServer(flo, { port: taken, http: { port: httpPort }, log: () => {} }),
    /EADDRINUSE/,
  );
  const rebind: Server = createServer();
  await new Promise<void>((resolve) => rebind.listen(httpPort, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => rebind.close(() => resolve()));
});
