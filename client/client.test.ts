// FloClient against real listeners on loopback: the namespace and system families over
// startFloServer (an in-memory engine), the client's default namespace and a call's own,
// per-call timeouts (timeoutMs bounds the wait, blockMs extends it), and many concurrent
// calls pipelined on one connection, answered in order. Engine families that do not exist
// yet are played by server/testing/test_family.ts.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { openFlo } from '../engine/mod.ts';
import { ok, startFloServer, startServer, type HandlerTable } from '../server/mod.ts';
import { TestFamily } from '../server/testing/test_family.ts';
import { BodyWriter } from '../server/wire/body_writer.ts';
import { OpCode } from '../server/wire/opcodes.ts';
import { FloClient, type ClientOptions } from './client.ts';
import { FloConflictError, FloTimeoutError } from './errors.ts';

function client(t: TestContext, options: ClientOptions): FloClient {
  const made = new FloClient({ backoffMsMin: 10, backoffMsMax: 40, ...options });
  t.after(() => made.close());
  return made;
}

test('namespaces and system calls round-trip through startFloServer', async (t) => {
  const flo = await openFlo({ dir: '/data', durability: 'memory' });
  const server = await startFloServer(flo, { port: 0, http: false, log: () => {} });
  t.after(() => server.close());
  const flo1 = await FloClient.connect({ port: server.address.port });
  t.after(() => flo1.close());
  await flo1.namespaces.create('tenant-a');
  await assert.rejects(flo1.namespaces.create('tenant-a'), FloConflictError);
  assert.deepEqual(await flo1.namespaces.list(), ['default', 'tenant-a']);
  assert.deepEqual(await flo1.namespaces.info('tenant-a'), { exists: true, name: 'tenant-a' });
  assert.deepEqual(await flo1.namespaces.configGet('tenant-a'), {});
  await flo1.namespaces.delete('tenant-a');
  assert.deepEqual(await flo1.namespaces.info('tenant-a'), { exists: false, name: 'tenant-a' });
  assert.deepEqual(await flo1.system.auth('any token'), { subject: '', namespaceLock: null });
  const status = await flo1.system.clusterStatus();
  assert.deepEqual(status, {
    mode: 'single', nodeId: 'node-1', role: 'leader', leaderId: 'node-1', members: 1,
  });
  const [member] = await flo1.system.clusterMembers();
  assert.equal(member!.address, `127.0.0.1:${server.address.port}`);
});

test('the client\'s namespace is every call\'s default; a call may name its own', async (t) => {
  const seen: string[] = [];
  const server = await startServer({
    port: 0,
    register: (table: HandlerTable) => table.register(OpCode.KV_PUT, (request) => {
      seen.push(request.namespace);
      return ok(new BodyWriter(8).u64(seen.length).toBytes());
    }),
  });
  t.after(() => server.shutdown());
  const tenant = client(t, { port: server.address.port, namespace: 'tenant' });
  const plain = client(t, { port: server.address.port });
  assert.equal(await tenant.kv.put('k', 'v'), 1);
  assert.equal(await tenant.kv.put('k', 'v', { namespace: 'other' }), 2);
  assert.equal(await plain.kv.put('k', 'v'), 3);
  assert.deepEqual(seen, ['tenant', 'other', 'default']);
});

test('timeoutMs bounds a call; blockMs extends the wait for a blocking call', async (t) => {
  const family = new TestFamily();
  const server = await startServer({ port: 0, register: (table) => family.register(table) });
  t.after(() => server.shutdown());
  const flo1 = client(t, { port: server.address.port, timeoutMs: 5_000 });
  const started = performance.now();
  // The test family parks every dequeue until the connection ends: only the timeout ends it.
  await assert.rejects(flo1.queue.dequeue('q', { timeoutMs: 100 }), FloTimeoutError);
  const elapsedMs = performance.now() - started;
  assert.ok(elapsedMs >= 90 && elapsedMs < 2_000, `timed out after ${elapsedMs} ms`);
  // A KV_GET parked 300 ms answers within timeoutMs (50) + blockMs (300): no timeout.
  assert.equal(await flo1.kv.get('missing', { blockMs: 300, timeoutMs: 50 }), null);
  const waiting = flo1.kv.get('later', { blockMs: 2_000, timeoutMs: 50 });
  await flo1.kv.put('later', 'here');
  const got = await waiting;
  assert.equal(Buffer.from(got!.value).toString(), 'here');
});

test('concurrent calls are pipelined on one connection and answered in order', async (t) => {
  const family = new TestFamily();
  const server = await startServer({ port: 0, register: (table) => family.register(table) });
  t.after(() => server.shutdown());
  const flo1 = client(t, { port: server.address.port });
  const versions = await Promise.all(
    Array.from({ length: 500 }, (_, index) => flo1.kv.put(`k${index}`, 'v')));
  assert.deepEqual(versions, Array.from({ length: 500 }, (_, index) => index + 1));
  assert.equal(server.connectionCount, 1);
  assert.deepEqual(family.started.slice(0, 3), ['put k0', 'put k1', 'put k2']);
});
