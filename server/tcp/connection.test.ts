// Connection behaviour of flo-wire.md §3 against a real listener and a raw socket: ordering
// and pipelining (§3.2, items 31-35), parking and its limit (§3.3), the in-flight limit, the
// incomplete-frame timer and the absence of an idle timer (§3.7), a peer's half-close, the
// frame-level error after queued replies (§3.6), graceful shutdown (§3.8) and backpressure.
// Handlers come from server/testing/test_family.ts.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect, Socket } from 'node:net';
import { startServer, type FloServer, type ServerOptions } from '../mod.ts';
import { bodyText, RawPeer, requestBytes } from '../testing/raw_peer.ts';
import { BIG_REPLY_BYTES, DELAY_TAG, TestFamily } from '../testing/test_family.ts';
import { readU32, Status } from '../wire/frame.ts';
import { OpCode } from '../wire/opcodes.ts';
import { OptionTag } from '../wire/option_tags.ts';
import { OptionsWriter } from '../wire/options.ts';

async function serve(
  t: TestContext,
  options: ServerOptions = {},
): Promise<{ server: FloServer; family: TestFamily }> {
  const family = new TestFamily();
  const server = await startServer({
    port: 0,
    register: (table) => family.register(table),
    ...options,
  });
  t.after(() => server.shutdown());
  return { server, family };
}

async function peer(t: TestContext, server: FloServer): Promise<RawPeer> {
  const raw = await RawPeer.connect(server.address.port);
  t.after(() => raw.destroy());
  return raw;
}

const ping = (id: number): Uint8Array => requestBytes(OpCode.PING, { id, emptyPayload: true });
const put = (id: number, key: string, delayMs = 0): Uint8Array =>
  requestBytes(OpCode.KV_PUT, {
    id,
    key,
    value: `v-${key}`,
    options: new OptionsWriter().uint(DELAY_TAG, delayMs, 4).toBytes(),
  });
const blockingGet = (id: number, key: string, blockMs: number): Uint8Array =>
  requestBytes(OpCode.KV_GET, {
    id,
    key,
    options: new OptionsWriter().uint(OptionTag.block_ms, blockMs, 4).toBytes(),
  });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('item 31: a parked KV_GET does not hold up a PING; a put elsewhere wakes it', async (t) => {
  const { server } = await serve(t);
  const waiter = await peer(t, server);
  waiter.write(blockingGet(1, 'k', 5000));
  waiter.write(ping(2));
  const first = await waiter.next();
  assert.equal(first.requestIdLo, 2, 'the PING is answered first');
  assert.equal(server.parkedCount, 1);
  const writer = await peer(t, server);
  writer.write(put(1, 'k'));
  await writer.next();
  const woken = await waiter.next();
  assert.equal(woken.requestIdLo, 1);
  assert.equal(woken.status, Status.OK);
  assert.equal(Buffer.from(woken.body.subarray(8)).toString(), 'v-k');
  assert.equal(server.parkedCount, 0);
});

test('parked requests woken by one write answer in one socket write', async (t) => {
  const { server } = await serve(t);
  const waiter = await peer(t, server);
  const waiters = 20;
  for (let id = 1; id <= waiters; id++) waiter.write(blockingGet(id, 'wave', 5000));
  for (let tries = 0; tries < 100 && server.parkedCount < waiters; tries++) await sleep(5);
  assert.equal(server.parkedCount, waiters);
  // Count the server's writes to the waiter's connection (the server runs in this process).
  const port = server.address.port;
  const write = Socket.prototype.write;
  let serverWrites = 0;
  Socket.prototype.write = function (this: Socket, ...args: unknown[]) {
    if (this.localPort === port) serverWrites += 1;
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof write;
  t.after(() => { Socket.prototype.write = write; });
  const writer = await peer(t, server);
  writer.write(put(1, 'wave'));
  await writer.next();
  const ids = new Set<number>();
  for (let i = 0; i < waiters; i++) ids.add((await waiter.next()).requestIdLo);
  Socket.prototype.write = write;
  assert.equal(ids.size, waiters);
  // One write for the put's reply (the writer's connection), one for the whole wave.
  assert.equal(serverWrites, 2);
});

test('item 32: replies keep arrival order while later requests start at once', async (t) => {
  const { server, family } = await serve(t);
  const raw = await peer(t, server);
  raw.write(Buffer.concat([put(1, 'a', 150), put(2, 'b', 50), put(3, 'c', 0), ping(4)]));
  const first = await raw.next();
  assert.deepEqual(family.started, ['put a', 'put b', 'put c'], 'all started before any reply');
  const rest = await raw.take(3);
  assert.deepEqual([first, ...rest].map((reply) => reply.requestIdLo), [1, 2, 3, 4]);
});

test('item 34: two pipelined requests sharing a request id each get their own reply', async (t) => {
  const { server } = await serve(t);
  const raw = await peer(t, server);
  raw.write(Buffer.concat([put(5, 'x'), put(5, 'y')]));
  const replies = await raw.take(2);
  assert.deepEqual(replies.map((reply) => reply.requestIdLo), [5, 5]);
  assert.notDeepEqual(replies[0]!.body, replies[1]!.body, 'two versions');
});

test('item 35: block_ms 200 on a missing key answers NOT_FOUND, empty, after 200 ms', async (t) => {
  const { server } = await serve(t);
  const raw = await peer(t, server);
  const startMs = performance.now();
  raw.write(blockingGet(1, 'missing', 200));
  const reply = await raw.next();
  assert.ok(performance.now() - startMs >= 199, 'not before block_ms');
  assert.equal(reply.status, Status.NOT_FOUND);
  assert.equal(reply.body.length, 0);
});

test('the request above the in-flight limit gets OVERLOADED at once and is not run', async (t) => {
  const { server, family } = await serve(t, { inFlightMax: 3 });
  const raw = await peer(t, server);
  raw.write(Buffer.concat([put(1, 'a', 300), put(2, 'b', 300), put(3, 'c', 300), put(4, 'd')]));
  const overloaded = await raw.next(250);
  assert.equal(overloaded.requestIdLo, 4);
  assert.equal(overloaded.status, Status.OVERLOADED);
  assert.equal(bodyText(overloaded), 'too many requests in flight');
  assert.deepEqual(family.started, ['put a', 'put b', 'put c']);
  assert.deepEqual((await raw.take(3)).map((reply) => reply.requestIdLo), [1, 2, 3]);
  raw.write(ping(5));
  assert.equal((await raw.next()).status, Status.OK);
});

test('over the server-wide parked limit a waiter gets its timeout outcome at once', async (t) => {
  const { server } = await serve(t, { parkedMax: 1 });
  const first = await peer(t, server);
  const second = await peer(t, server);
  first.write(blockingGet(1, 'k', 5000));
  await sleep(20);
  second.write(blockingGet(2, 'k', 5000));
  const refused = await second.next(500);
  assert.equal(refused.status, Status.NOT_FOUND);
  assert.equal(refused.body.length, 0);
  assert.equal(server.parkedCount, 1);
  assert.equal(first.queued, 0);
});

test('a frame that stays incomplete gets `incomplete frame` and a close (§3.7)', async (t) => {
  const { server } = await serve(t, { incompleteFrameMs: 100 });
  const early = await peer(t, server);
  early.write(ping(9).subarray(0, 20));
  const [noHeader] = await early.untilClosed(1000);
  assert.equal(bodyText(noHeader!), 'incomplete frame');
  assert.equal(noHeader!.requestIdLo, 0);
  assert.equal(noHeader!.version, 1);
  const late = await peer(t, server);
  late.write(requestBytes(OpCode.PING, { id: 9, version: 2, key: 'abc' }).subarray(0, 40));
  const [withHeader] = await late.untilClosed(1000);
  assert.equal(withHeader!.requestIdLo, 9);
  assert.equal(withHeader!.version, 2);
});

test('a connection is never timed out between frames, however long it is idle', async (t) => {
  const { server } = await serve(t, { incompleteFrameMs: 50 });
  const raw = await peer(t, server);
  raw.write(ping(1));
  await raw.next();
  await sleep(200);
  raw.write(ping(2));
  assert.equal((await raw.next()).requestIdLo, 2);
  assert.equal(raw.isEnded, false);
});

test('a peer half-closing mid-frame gets its replies; the partial frame never runs', async (t) => {
  const { server, family } = await serve(t);
  const raw = await peer(t, server);
  raw.write(put(1, 'a', 100));
  raw.write(put(2, 'b').subarray(0, 40));
  raw.socket.end();
  const replies = await raw.untilClosed();
  assert.deepEqual(replies.map((reply) => reply.requestIdLo), [1]);
  assert.deepEqual(family.started, ['put a']);
});

test('a frame-level error follows the queued replies; parked requests are dropped', async (t) => {
  const { server } = await serve(t);
  const raw = await peer(t, server);
  raw.write(blockingGet(1, 'k', 5000));
  raw.write(put(2, 'slow', 100));
  raw.write(Buffer.from('garbage!'));
  const replies = await raw.untilClosed();
  assert.deepEqual(replies.map((reply) => reply.requestIdLo), [2, 0]);
  assert.equal(bodyText(replies[1]!), 'invalid magic');
  assert.equal(server.parkedCount, 0);
});

test('closing a connection aborts its parked requests (item 37: they take nothing)', async (t) => {
  const { server } = await serve(t);
  const raw = await peer(t, server);
  raw.write(requestBytes(OpCode.QUEUE_DEQUEUE, { id: 1, key: 'q' }));
  await sleep(30);
  assert.equal(server.parkedCount, 1);
  raw.destroy();
  for (let tries = 0; tries < 50 && server.parkedCount > 0; tries++) await sleep(10);
  assert.equal(server.parkedCount, 0);
});

test('shutdown answers parked requests with their timeout outcome, ends the rest', async (t) => {
  const { server } = await serve(t);
  const raw = await peer(t, server);
  raw.write(blockingGet(1, 'k', 60_000));
  raw.write(requestBytes(OpCode.QUEUE_DEQUEUE, { id: 2, key: 'q' }));
  raw.write(put(3, 'slow', 150));
  await sleep(30);
  const stopped = server.shutdown();
  const replies = await raw.untilClosed();
  await stopped;
  const byId = new Map(replies.map((reply) => [reply.requestIdLo, reply]));
  assert.equal(byId.get(1)!.status, Status.NOT_FOUND);
  assert.equal(byId.get(1)!.body.length, 0);
  assert.equal(byId.get(2)!.status, Status.OK);
  assert.equal(readU32(byId.get(2)!.body, 0), 0);
  assert.equal(byId.get(2)!.body.length, 4);
  assert.equal(byId.get(3)!.status, Status.OK);
  assert.equal(server.connectionCount, 0);
  await assert.rejects(
    new Promise((resolve, reject) => {
      const socket = connect(server.address.port, '127.0.0.1', () => resolve(socket));
      socket.on('error', reject);
    }),
  );
});

test('shutdown does not wait out the linger for a peer that wrote during the drain',
  async (t) => {
    const { server } = await serve(t);
    const raw = await peer(t, server);
    raw.write(requestBytes(OpCode.QUEUE_DEQUEUE, { id: 1, key: 'q' }));
    await sleep(30);
    const started = performance.now();
    const stopped = server.shutdown();
    assert.equal((await raw.next()).requestIdLo, 1);
    // Like a client that polls again at once: these bytes reach a draining connection.
    raw.write(ping(2));
    await stopped;
    const elapsedMs = performance.now() - started;
    assert.ok(elapsedMs < 1_000, `shutdown took ${elapsedMs} ms (the linger is 2 000)`);
    assert.equal(raw.queued, 0, 'the late PING is not answered');
  });

test('a peer that does not read stops the server reading; memory stays bounded', async (t) => {
  const { server, family } = await serve(t, { writeHighWaterBytes: 64 * 1024 });
  const raw = await peer(t, server);
  raw.socket.pause();
  const count = 1000;
  const frames = Array.from({ length: count }, (_, index) =>
    requestBytes(OpCode.STREAM_READ, { id: index, key: 's' }),
  );
  raw.write(Buffer.concat(frames));
  await sleep(300);
  const startedWhileBlocked = family.bigReads;
  assert.ok(startedWhileBlocked < count / 2, `ran ${startedWhileBlocked} of ${count} unread`);
  raw.socket.resume();
  const replies = await raw.take(count, 10_000);
  assert.equal(replies.at(-1)!.requestIdLo, count - 1);
  assert.equal(replies[0]!.body.length, BIG_REPLY_BYTES);
  assert.equal(family.bigReads, count);
});
