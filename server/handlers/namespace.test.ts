// Conformance of the namespace family (flo-wire.md §7.1.3) against startFloServer over an
// in-memory engine, with the raw-socket peer: CREATE/DELETE/LIST/INFO/CONFIG_GET bodies and
// statuses, the name rules and reserved names, the envelope namespace being ignored,
// pipelined creates, a namespace holding data (delete needs force), and the namespace lock
// of §7.1.2 (a JWT-locked connection may not use the namespace ops).

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createHmac } from 'node:crypto';
import { openFlo, type Flo, type NamespacedStore } from '../../engine/mod.ts';
import { startFloServer, type FloServerConfig, type RunningFloServer } from '../flo_server.ts';
import { bodyText, RawPeer, requestBytes } from '../testing/raw_peer.ts';
import { BodyReader } from '../wire/body_reader.ts';
import { Status, type ReplyFrame } from '../wire/frame.ts';
import { OpCode } from '../wire/opcodes.ts';

interface Served {
  flo: Flo;
  server: RunningFloServer;
  raw: RawPeer;
}

async function serve(t: TestContext, config: FloServerConfig = {}): Promise<Served> {
  const flo = await openFlo({ dir: '/data', durability: 'memory' });
  const server = await startFloServer(flo, { port: 0, http: false, log: () => {}, ...config });
  t.after(() => server.close());
  const raw = await RawPeer.connect(server.address.port);
  t.after(() => raw.destroy());
  return { flo, server, raw };
}

let nextId = 1;
async function ask(
  raw: RawPeer,
  opCode: number,
  spec: { key?: string | Uint8Array; value?: Uint8Array; namespace?: string } = {},
): Promise<ReplyFrame> {
  raw.write(requestBytes(opCode, { id: nextId++, ...spec }));
  return raw.next();
}

function listed(reply: ReplyFrame): string[] {
  assert.equal(reply.status, Status.OK);
  const reader = new BodyReader(reply.body);
  const names = Array.from({ length: reader.u32() }, () =>
    Buffer.from(reader.bytesU16()).toString('utf8'));
  assert.ok(reader.atEnd, 'nothing follows the list');
  return names;
}

test('NAMESPACE_CREATE, LIST, INFO, CONFIG_GET, DELETE answer the §7.1.3 layouts', async (t) => {
  const { raw } = await serve(t);
  assert.deepEqual(listed(await ask(raw, OpCode.NAMESPACE_LIST)), ['default']);
  const created = await ask(raw, OpCode.NAMESPACE_CREATE, { key: 'tenant-b', namespace: 'x' });
  assert.equal(created.status, Status.OK);
  assert.equal(created.body.length, 0);
  await ask(raw, OpCode.NAMESPACE_CREATE, { key: 'Tenant_a' });
  const list = await ask(raw, OpCode.NAMESPACE_LIST, { value: Uint8Array.of(1) });
  assert.deepEqual(listed(list), ['Tenant_a', 'default', 'tenant-b'], 'bytewise ascending');
  const info = await ask(raw, OpCode.NAMESPACE_INFO, { key: 'tenant-b' });
  assert.equal(Buffer.from(info.body).toString('hex'), '01' + '0800' +
    Buffer.from('tenant-b').toString('hex'));
  const absent = await ask(raw, OpCode.NAMESPACE_INFO, { key: 'nope' });
  assert.deepEqual([...absent.body], [0, 4, 0, ...Buffer.from('nope')]);
  const config = await ask(raw, OpCode.NAMESPACE_CONFIG_GET, { key: 'tenant-b' });
  assert.equal(config.status, Status.OK);
  assert.equal(config.body.length, 0);
  assert.equal((await ask(raw, OpCode.NAMESPACE_CONFIG_GET, { key: 'nope' })).status,
    Status.NOT_FOUND);
  assert.equal((await ask(raw, OpCode.NAMESPACE_DELETE, { key: 'tenant-b' })).status, Status.OK);
  assert.deepEqual(listed(await ask(raw, OpCode.NAMESPACE_LIST)), ['Tenant_a', 'default']);
});

test('namespace names: invalid, reserved, existing, default, missing, empty', async (t) => {
  const { raw } = await serve(t);
  const status = async (opCode: number, key: string | Uint8Array): Promise<number> =>
    (await ask(raw, opCode, { key })).status;
  for (const bad of ['', '1abc', 'a b', 'x'.repeat(129), 'é', '_sys', '_flo:x', '_internal.y']) {
    assert.equal(await status(OpCode.NAMESPACE_CREATE, bad), Status.BAD_REQUEST, bad);
  }
  assert.equal(await status(OpCode.NAMESPACE_CREATE, Uint8Array.of(0xff, 0x41)),
    Status.BAD_REQUEST);
  assert.equal(await status(OpCode.NAMESPACE_CREATE, 'x'.repeat(128)), Status.OK);
  assert.equal(await status(OpCode.NAMESPACE_CREATE, '_ok.name-1'), Status.OK);
  const conflict = await ask(raw, OpCode.NAMESPACE_CREATE, { key: 'default' });
  assert.equal(conflict.status, Status.CONFLICT);
  assert.match(bodyText(conflict), /exists/);
  assert.equal(await status(OpCode.NAMESPACE_CREATE, '_ok.name-1'), Status.CONFLICT);
  assert.equal(await status(OpCode.NAMESPACE_DELETE, 'default'), Status.BAD_REQUEST);
  assert.equal(await status(OpCode.NAMESPACE_DELETE, '_sys:a'), Status.BAD_REQUEST);
  assert.equal(await status(OpCode.NAMESPACE_DELETE, 'missing'), Status.NOT_FOUND);
  assert.equal(await status(OpCode.NAMESPACE_DELETE, Uint8Array.of(0xff)), Status.NOT_FOUND);
  assert.equal(await status(OpCode.NAMESPACE_INFO, ''), Status.BAD_REQUEST);
  const info = await ask(raw, OpCode.NAMESPACE_INFO, { key: 'default' });
  assert.equal(info.body[0], 1, 'default always exists');
});

test('pipelined creates are all answered OK and all listed', async (t) => {
  const { raw } = await serve(t);
  const names = Array.from({ length: 50 }, (_, index) => `ns-${String(index).padStart(2, '0')}`);
  for (const name of names) {
    raw.write(requestBytes(OpCode.NAMESPACE_CREATE, { id: nextId++, key: name }));
  }
  const replies = await raw.take(names.length);
  assert.deepEqual(replies.map((reply) => reply.status), names.map(() => Status.OK));
  assert.deepEqual(listed(await ask(raw, OpCode.NAMESPACE_LIST)), ['default', ...names]);
});

test('a namespace holding data is listed, needs force to delete, and force drops it', async (t) => {
  const { flo, raw } = await serve(t);
  const held = new Set(['orders']);
  const dropped: string[] = [];
  const store: NamespacedStore = {
    namespaceHoldsData: (namespace) => held.has(namespace),
    namespacesWithData: () => [...held],
    dropNamespace: async (namespace) => {
      dropped.push(namespace);
      held.delete(namespace);
    },
    close: async () => undefined,
  };
  flo.attach(store);
  assert.deepEqual(listed(await ask(raw, OpCode.NAMESPACE_LIST)), ['default', 'orders']);
  assert.equal((await ask(raw, OpCode.NAMESPACE_INFO, { key: 'orders' })).body[0], 1);
  const refused = await ask(raw, OpCode.NAMESPACE_DELETE, { key: 'orders' });
  assert.equal(refused.status, Status.CONFLICT);
  assert.equal(bodyText(refused), 'namespace is not empty');
  const notForced = await ask(raw, OpCode.NAMESPACE_DELETE, {
    key: 'orders', value: Uint8Array.of(2),
  });
  assert.equal(notForced.status, Status.CONFLICT, 'only force = 1 forces');
  const forced = await ask(raw, OpCode.NAMESPACE_DELETE, {
    key: 'orders', value: Uint8Array.of(1),
  });
  assert.equal(forced.status, Status.OK);
  assert.deepEqual(dropped, ['orders']);
  assert.deepEqual(listed(await ask(raw, OpCode.NAMESPACE_LIST)), ['default']);
});

test('a connection locked to a namespace may not use the namespace ops (§7.1.2)', async (t) => {
  const secret = 'namespace-test-secret';
  const { raw } = await serve(t, { auth: { jwtSecret: secret } });
  const b64 = (value: unknown): string =>
    Buffer.from(JSON.stringify(value)).toString('base64url');
  const signed = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ flo_namespace: 'tenant' })}`;
  const token = `${signed}.${createHmac('sha256', secret).update(signed).digest('base64url')}`;
  const before = await ask(raw, OpCode.NAMESPACE_LIST);
  assert.equal(before.status, Status.UNAUTHORIZED);
  assert.equal(bodyText(before), 'authentication required');
  const auth = await ask(raw, OpCode.AUTH, { value: Buffer.from(token) });
  assert.equal(auth.status, Status.OK);
  for (const opCode of [OpCode.NAMESPACE_LIST, OpCode.NAMESPACE_INFO, OpCode.NAMESPACE_CREATE,
    OpCode.NAMESPACE_DELETE, OpCode.NAMESPACE_CONFIG_GET]) {
    const reply = await ask(raw, opCode, { key: 'tenant', namespace: 'tenant' });
    assert.equal(reply.status, Status.UNAUTHORIZED);
    assert.equal(bodyText(reply), 'namespace not allowed');
  }
});
