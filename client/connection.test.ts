// FloConnection against the real listener (and, for broken servers, a tiny fake one):
// pipelining with replies matched by id in any order, one socket write per turn, typed errors
// from statuses, per-call timeouts extended by block_ms, failing the calls in flight when the
// connection drops or the server sends garbage, reconnecting with backoff, and close().

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createServer, type Server, type Socket } from 'node:net';
import { startServer, type FloServer } from '../server/mod.ts';
import { TestFamily } from '../server/testing/test_family.ts';
import { encodeReply } from '../server/wire/encoder.ts';
import { flushEarlyBytes } from '../server/wire/limits.ts';
import { RESERVED_V1, Status, TABLE_HASH, ZERO_ECHO } from '../server/wire/frame.ts';
import { FloConnection } from './connection.ts';
import {
  FloBadRequestError,
  FloClosedError,
  FloConnectionError,
  FloNotFoundError,
  FloProtocolError,
  FloTimeoutError,
} from './errors.ts';
import { OpCode, OptionsWriter, OptionTag } from './mod.ts';

async function serve(t: TestContext, port = 0): Promise<FloServer> {
  const family = new TestFamily();
  const server = await startServer({ port, register: (table) => family.register(table) });
  t.after(() => server.shutdown());
  return server;
}

function client(t: TestContext, port: number, options = {}): FloConnection {
  const connection = new FloConnection({ port, backoffMsMin: 10, backoffMsMax: 40, ...options });
  t.after(() => connection.close());
  return connection;
}

/** A server that hands every socket to `onSocket` (to misbehave in a chosen way). */
async function fakeServer(t: TestContext, onSocket: (socket: Socket) => void): Promise<Server> {
  const server = createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return server;
}

const portOf = (server: Server): number => (server.address() as { port: number }).port;
const blockOn = (ms: number): OptionsWriter => new OptionsWriter().uint(OptionTag.block_ms, ms, 4);

test('pipelined calls are matched by id: a later PING overtakes a parked KV_GET', async (t) => {
  const server = await serve(t);
  const connection = client(t, server.address.port);
  const order: string[] = [];
  const parked = connection
    .request(OpCode.KV_GET, { key: 'k', options: blockOn(5000), blockMs: 5000 })
    .then((reply) => order.push(`get ${reply.status}`));
  await connection.call(OpCode.PING);
  order.push('ping');
  await connection.call(OpCode.KV_PUT, { key: 'k', value: 'v' });
  await parked;
  assert.deepEqual(order, ['ping', `get ${Status.OK}`]);
  const [v1, v2] = await Promise.all([
    connection.request(OpCode.PING, { version: 1 }),
    connection.request(OpCode.PING, { version: 2 }),
  ]);
  assert.equal(v1.status, Status.OK);
  assert.equal(v2.status, Status.OK);
});

test('requests made in one turn leave in one write, or in parts of flushEarlyBytes', async (t) => {
  const server = await serve(t);
  const connection = client(t, server.address.port);
  await connection.call(OpCode.PING);
  const socket = (connection as unknown as { socket: Socket }).socket;
  const writes: number[] = [];
  const write = socket.write.bind(socket);
  socket.write = ((chunk: Uint8Array) => {
    writes.push(chunk.length);
    return write(chunk);
  }) as typeof socket.write;
  await connection.call(OpCode.PING);
  const frameBytes = writes.pop()!;
  const few = Math.floor((flushEarlyBytes - 1) / frameBytes);
  await Promise.all(Array.from({ length: few }, () => connection.call(OpCode.PING)));
  assert.deepEqual(writes, [few * frameBytes], 'below the threshold: one write');
  writes.length = 0;
  await Promise.all(Array.from({ length: 1000 }, () => connection.call(OpCode.PING)));
  assert.equal(writes.reduce((sum, bytes) => sum + bytes, 0), 1000 * frameBytes);
  const full = Math.ceil(flushEarlyBytes / frameBytes) * frameBytes;
  assert.deepEqual(writes.slice(0, -1), writes.slice(0, -1).map(() => full),
    'every write but the last is the first whole frame past the threshold');
  assert.ok(writes.at(-1)! <= full);
});

test('non-OK statuses become typed errors with the server message or a default text', async (t) => {
  const server = await serve(t);
  const connection = client(t, server.address.port);
  await assert.rejects(connection.call(0x999), (error: unknown) => {
    assert.ok(error instanceof FloBadRequestError);
    assert.equal(error.message, 'unknown op code 0x0999');
    assert.equal(error.status, Status.BAD_REQUEST);
    assert.equal(error.code, 'BAD_REQUEST');
    return true;
  });
  await assert.rejects(connection.call(OpCode.KV_DELETE, { key: 'k' }), (error: unknown) => {
    assert.ok(error instanceof FloNotFoundError);
    assert.equal(error.message, 'not found', 'an empty body gets a default text');
    return true;
  });
});

test('a call times out after timeoutMs; block_ms extends it; late replies drop', async (t) => {
  const server = await serve(t);
  const connection = client(t, server.address.port, { timeoutMs: 60 });
  const startMs = performance.now();
  await assert.rejects(
    connection.request(OpCode.KV_GET, { key: 'a', options: blockOn(300) }),
    FloTimeoutError,
  );
  assert.ok(performance.now() - startMs < 250);
  const reply = await connection.request(OpCode.KV_GET, {
    key: 'b',
    options: blockOn(150),
    blockMs: 150,
  });
  assert.equal(reply.status, Status.NOT_FOUND);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal((await connection.request(OpCode.PING)).status, Status.OK, 'still usable');
  assert.equal(connection.pendingCount, 0);
});

test('a dropped connection fails the calls in flight; the next call reconnects', async (t) => {
  let connections = 0;
  const fake = await fakeServer(t, (socket) => {
    connections++;
    socket.once('data', () => socket.destroy());
  });
  const connection = client(t, portOf(fake));
  const calls = [connection.call(OpCode.PING), connection.call(OpCode.PING)];
  for (const call of calls) {
    await assert.rejects(call, (error: unknown) => {
      assert.ok(error instanceof FloConnectionError);
      assert.match(error.message, /lost .*2 request\(s\) in flight may or may not have been/);
      return true;
    });
  }
  await assert.rejects(connection.call(OpCode.PING), FloConnectionError);
  assert.equal(connections, 2);
});

test('the reason in an error frame with request id 0 is in the connection error', async (t) => {
  const fake = await fakeServer(t, (socket) => {
    socket.once('data', () => {
      socket.end(encodeReply(ZERO_ECHO, Status.BAD_REQUEST, Buffer.from('invalid magic')));
    });
  });
  const connection = client(t, portOf(fake));
  await assert.rejects(connection.call(OpCode.PING), /lost \(invalid magic\)/);
});

test('an invalid reply frame fails every call with FloProtocolError', async (t) => {
  const replies = [
    Buffer.from('not a frame at all, certainly not thirty-two bytes'),
    encodeReply({ requestIdLo: 1, requestIdHi: 0, version: 1, reserved: RESERVED_V1 }, 0,
      new Uint8Array(0)),
    (() => {
      const echo = { requestIdLo: 1, requestIdHi: 0, version: 2, reserved: TABLE_HASH };
      const bytes = encodeReply(echo, 0, Uint8Array.of(1, 2)).slice();
      bytes[33]! ^= 1;
      return bytes;
    })(),
  ];
  for (const reply of replies) {
    const fake = await fakeServer(t, (socket) => socket.once('data', () => socket.write(reply)));
    const connection = client(t, portOf(fake));
    await assert.rejects(connection.call(OpCode.PING), FloProtocolError);
  }
});

test('connecting keeps being retried, with backoff, until the server is back', async (t) => {
  const first = await serve(t);
  const port = first.address.port;
  const connection = client(t, port, { connectTimeoutMs: 500 });
  await connection.call(OpCode.PING);
  await first.shutdown();
  await assert.rejects(connection.call(OpCode.PING), /cannot connect to 127\.0\.0\.1/);
  const startMs = performance.now();
  await assert.rejects(connection.call(OpCode.PING), FloConnectionError);
  assert.ok(performance.now() - startMs >= 4, 'the second attempt waited');
  await serve(t, port);
  assert.equal((await connection.call(OpCode.PING)).length, 0);
});

test('close() fails the calls in flight and every later call with FloClosedError', async (t) => {
  const server = await serve(t);
  const connection = client(t, server.address.port);
  await connection.call(OpCode.PING);
  const dequeue = connection.call(OpCode.QUEUE_DEQUEUE, { key: 'q' });
  const parked = assert.rejects(dequeue, FloClosedError);
  await connection.close();
  await parked;
  await assert.rejects(connection.call(OpCode.PING), FloClosedError);
});
