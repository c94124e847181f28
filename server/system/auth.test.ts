// Authentication (flo-wire.md §7.1.2): HS256 JWT checks one by one, the static-token
// Authenticator, and §10 items 38-43 against a real listener with a raw socket (before AUTH
// only PING and AUTH run, a wrong token leaves the state unchanged, a JWT's flo_namespace
// locks the connection). Time comes from a ManualClock so exp and nbf are exact.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createHmac } from 'node:crypto';
import { ManualClock } from '../../engine/mod.ts';
import { startServer, type FloServer, type ServerOptions } from '../mod.ts';
import { bodyText, RawPeer, requestBytes } from '../testing/raw_peer.ts';
import { TestFamily } from '../testing/test_family.ts';
import { BodyReader } from '../wire/body_reader.ts';
import { Status, type ReplyFrame } from '../wire/frame.ts';
import { OpCode } from '../wire/opcodes.ts';
import { Authenticator } from './authenticator.ts';
import { verifyJwtHs256 } from './jwt.ts';

const SECRET = 'jwt-secret';
const NOW_MS = 1_700_000_000_000;
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function jwt(claims: Record<string, unknown>, header: unknown = { alg: 'HS256', typ: 'JWT' }) {
  const signed = `${b64(header)}.${b64(claims)}`;
  const signature = createHmac('sha256', SECRET).update(signed).digest('base64url');
  return `${signed}.${signature}`;
}

const verify = (token: string, nowMs = NOW_MS) =>
  verifyJwtHs256(token, Buffer.from(SECRET), nowMs);

test('verifyJwtHs256 accepts a valid token and reads sub and flo_namespace', () => {
  assert.deepEqual(verify(jwt({ sub: 'ann', flo_namespace: 'a', flo_scopes: ['x'] })), {
    subject: 'ann',
    namespaceLock: 'a',
  });
  const anonymous = { subject: '', namespaceLock: null };
  assert.deepEqual(verify(jwt({ sub: 7, flo_namespace: '' })), anonymous);
});

test('verifyJwtHs256 checks exp and nbf against the clock in seconds', () => {
  const nowSeconds = NOW_MS / 1000;
  assert.notEqual(verify(jwt({ exp: nowSeconds + 1 })), null);
  assert.equal(verify(jwt({ exp: nowSeconds })), null, 'exp must be later than now');
  assert.notEqual(verify(jwt({ nbf: nowSeconds })), null);
  assert.equal(verify(jwt({ nbf: nowSeconds + 1 })), null);
  assert.notEqual(verify(jwt({ exp: 'soon' })), null, 'only a numeric exp is checked');
});

test('verifyJwtHs256 refuses other algorithms, bad signatures and malformed tokens', () => {
  const good = jwt({ sub: 'ann' });
  const [header, payload, signature] = good.split('.') as [string, string, string];
  assert.equal(verify(jwt({ sub: 'ann' }, { alg: 'none' })), null);
  assert.equal(verify(jwt({ sub: 'ann' }, { alg: 'HS512' })), null);
  assert.equal(verify(`${header}.${b64({ sub: 'eve' })}.${signature}`), null);
  assert.equal(verify(`${header}.${payload}.${signature.slice(0, -2)}`), null);
  assert.equal(verify(`${header}.${payload}`), null);
  assert.equal(verify(`${header}.${payload}.${signature}=`), null, 'no padding');
  assert.equal(verify(jwt([1, 2] as unknown as Record<string, unknown>)), null);
  assert.equal(verify('not a token'), null);
});

test('Authenticator matches static tokens byte for byte, then JWTs', () => {
  const clock = new ManualClock(NOW_MS);
  const off = new Authenticator({}, clock);
  assert.equal(off.enabled, false);
  const auth = new Authenticator({ tokens: ['s3cret', 'other'], jwtSecret: SECRET }, clock);
  assert.equal(auth.enabled, true);
  assert.deepEqual(auth.verify(Buffer.from('other')), {
    authenticated: true,
    subject: '',
    namespaceLock: null,
  });
  assert.equal(auth.verify(Buffer.from('s3cre')), null);
  assert.equal(auth.verify(Buffer.from('s3cret ')), null);
  assert.equal(auth.verify(new Uint8Array(0)), null);
  assert.equal(auth.verify(Buffer.from(jwt({ sub: 'ann' })))?.subject, 'ann');
  clock.advance(1000);
  assert.equal(auth.verify(Buffer.from(jwt({ exp: NOW_MS / 1000 + 1 }))), null, 'expired');
  assert.throws(() => new Authenticator({ tokens: [''] }, clock), TypeError);
});

async function serve(t: TestContext, options: ServerOptions): Promise<RawPeer> {
  const family = new TestFamily();
  const server: FloServer = await startServer({
    port: 0,
    clock: new ManualClock(NOW_MS),
    register: (table) => family.register(table),
    ...options,
  });
  const raw = await RawPeer.connect(server.address.port);
  t.after(async () => {
    raw.destroy();
    await server.shutdown();
  });
  return raw;
}

const authBody = (reply: ReplyFrame): [string, string] => {
  const reader = new BodyReader(reply.body);
  return [bodyOf(reader.bytesU16()), bodyOf(reader.bytesU16())];
};
const bodyOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
const get = (id: number, namespace = 'default'): Uint8Array =>
  requestBytes(OpCode.KV_GET, { id, namespace, key: 'k' });
const auth = (id: number, token: string): Uint8Array =>
  requestBytes(OpCode.AUTH, { id, value: token });

test('item 38: with authentication off, AUTH with any token gets OK', async (t) => {
  const raw = await serve(t, {});
  raw.write(auth(1, 'anything'));
  raw.write(get(2));
  const [reply, getReply] = await raw.take(2);
  assert.equal(reply!.status, Status.OK);
  assert.deepEqual(authBody(reply!), ['', '']);
  assert.equal(getReply!.status, Status.NOT_FOUND);
});

test('items 39-42: before AUTH only PING and AUTH run; a bad token changes nothing', async (t) => {
  const raw = await serve(t, { auth: { tokens: ['s3cret-token'] } });
  raw.write(get(1));
  raw.write(requestBytes(OpCode.PING, { id: 2, emptyPayload: true }));
  raw.write(auth(3, 'wrong'));
  raw.write(get(4));
  raw.write(auth(5, 's3cret-token'));
  raw.write(get(6));
  raw.write(auth(7, 'wrong again'));
  raw.write(get(8));
  const replies = await raw.take(8);
  assert.equal(replies[0]!.status, Status.UNAUTHORIZED);
  assert.equal(bodyText(replies[0]!), 'authentication required');
  assert.equal(replies[1]!.status, Status.OK, 'PING needs no AUTH');
  assert.equal(replies[2]!.status, Status.UNAUTHORIZED);
  assert.equal(bodyText(replies[2]!), 'invalid token');
  assert.equal(replies[3]!.status, Status.UNAUTHORIZED);
  assert.equal(replies[4]!.status, Status.OK);
  assert.deepEqual(authBody(replies[4]!), ['', '']);
  assert.equal(replies[5]!.status, Status.NOT_FOUND, 'authenticated: the op runs');
  assert.equal(replies[6]!.status, Status.UNAUTHORIZED);
  assert.equal(replies[7]!.status, Status.NOT_FOUND, 'a failed AUTH leaves the state as it was');
});

test('item 43: a JWT with flo_namespace locks the connection to that namespace', async (t) => {
  const raw = await serve(t, { auth: { jwtSecret: SECRET } });
  raw.write(auth(1, jwt({ sub: 'ann', flo_namespace: 'a' })));
  raw.write(get(2, 'b'));
  raw.write(get(3, 'a'));
  raw.write(get(4, ''));
  raw.write(requestBytes(OpCode.NAMESPACE_LIST, { id: 5 }));
  raw.write(requestBytes(OpCode.CLUSTER_STATUS, { id: 6 }));
  raw.write(auth(7, jwt({ sub: 'bob' })));
  raw.write(get(8, 'b'));
  const replies = await raw.take(8);
  assert.deepEqual(authBody(replies[0]!), ['ann', 'a']);
  assert.equal(replies[1]!.status, Status.UNAUTHORIZED);
  assert.equal(bodyText(replies[1]!), 'namespace not allowed');
  assert.equal(replies[2]!.status, Status.NOT_FOUND, 'its own namespace runs');
  assert.equal(replies[3]!.status, Status.UNAUTHORIZED, 'empty means default, not a');
  assert.equal(bodyText(replies[4]!), 'namespace not allowed');
  assert.equal(replies[5]!.status, Status.OK, 'cluster ops are not namespaced');
  assert.deepEqual(authBody(replies[6]!), ['bob', ''], 'a new AUTH replaces the lock');
  assert.equal(replies[7]!.status, Status.NOT_FOUND);
});
