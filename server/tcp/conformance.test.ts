// Conformance against a real listener on 127.0.0.1 with a raw socket (not our client):
// flo-wire.md §10 items 1-8 and 10-30 (framing, versions echoed, CRC, error frames and closes,
// request-level errors that keep the connection open, not-supported families, split and
// coalesced writes), plus the reply normalisation of §3.4 and §3.9.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import { startServer, type FloServer, type ServerOptions } from '../mod.ts';
import { bodyText, RawPeer, requestBytes } from '../testing/raw_peer.ts';
import { TestFamily } from '../testing/test_family.ts';
import { frameCrc, readU32, RESERVED_V1, Status, TABLE_HASH, writeU32 } from '../wire/frame.ts';
import type { ReplyFrame } from '../wire/frame.ts';
import { OpCode } from '../wire/opcodes.ts';

async function serve(t: TestContext, options: ServerOptions = {}): Promise<FloServer> {
  const family = new TestFamily();
  const server = await startServer({
    port: 0,
    register: (table) => family.register(table),
    onInternalError: () => {},
    ...options,
  });
  t.after(() => server.shutdown());
  return server;
}

async function peer(t: TestContext, server: FloServer): Promise<RawPeer> {
  const raw = await RawPeer.connect(server.address.port);
  t.after(() => raw.destroy());
  return raw;
}

const ping = (id: number, version = 1): Uint8Array =>
  requestBytes(OpCode.PING, { id, version, emptyPayload: true });
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Items 4-6: magic, zero flag and pad bytes, length and CRC of every reply. */
function checkReplyFrame(reply: ReplyFrame): void {
  assert.equal(hex(reply.bytes.subarray(0, 4)), '464c4f00');
  assert.equal(reply.bytes[22], 0);
  assert.equal(reply.bytes[23], 0);
  assert.equal(readU32(reply.bytes, 4), reply.body.length);
  assert.equal(readU32(reply.bytes, 16), frameCrc(reply.bytes));
}

test('items 1-6, 10: replies echo version, reserved and id in a valid frame', async (t) => {
  const server = await serve(t);
  const raw = await peer(t, server);
  raw.write(ping(1, 1));
  raw.write(ping(2, 2));
  raw.write(requestBytes(OpCode.PING, { id: 0xffff_ffff_ffff_ffffn, version: 2 }));
  const [v1, v2, big] = await raw.take(3);
  assert.equal(v1!.version, 1);
  assert.equal(hex(v1!.bytes.subarray(24, 32)), hex(RESERVED_V1));
  assert.equal(v2!.version, 2);
  assert.equal(hex(v2!.bytes.subarray(24, 32)), hex(TABLE_HASH));
  assert.equal(v1!.requestIdLo, 1);
  assert.equal(hex(big!.bytes.subarray(8, 16)), 'ffffffffffffffff');
  for (const reply of [v1!, v2!, big!]) {
    checkReplyFrame(reply);
    assert.equal(reply.status, Status.OK);
    assert.equal(reply.body.length, 0, 'PING with payload_length 0 gets OK, empty body');
  }
});

test('item 8: the requests of vectors.json are answered without a close', async (t) => {
  const server = await serve(t, { register: () => {} });
  const raw = await peer(t, server);
  const path = join(import.meta.dirname, '..', '..', 'fixtures', 'wire', 'vectors.json');
  type Vector = { name: string; direction: string; hex: string };
  const vectors = JSON.parse(readFileSync(path, 'utf8')) as Vector[];
  const requests = vectors.filter(
    (v) => v.direction === 'request' && v.name !== 'unsupported_version_request',
  );
  for (const vector of requests) raw.write(Buffer.from(vector.hex, 'hex'));
  raw.write(ping(999));
  const replies = await raw.take(requests.length + 1);
  replies.forEach(checkReplyFrame);
  assert.equal(replies.at(-1)!.requestIdLo, 999, 'the connection is still open');
  assert.equal(raw.isEnded, false);
});

test('items 11-13: bad version/reserved pairs are echoed in BAD_REQUEST, then close', async (t) => {
  const server = await serve(t);
  const cases: [number, Uint8Array][] = [
    [3, RESERVED_V1],
    [1, Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 1)],
    [2, RESERVED_V1],
  ];
  for (const [version, reserved] of cases) {
    const raw = await peer(t, server);
    const bytes = ping(7).slice();
    bytes[22] = version;
    bytes.set(reserved, 24);
    writeU32(bytes, 16, frameCrc(bytes));
    raw.write(bytes);
    const [reply, ...rest] = await raw.untilClosed();
    assert.equal(rest.length, 0, 'exactly one error frame');
    checkReplyFrame(reply!);
    assert.equal(reply!.status, Status.BAD_REQUEST);
    assert.equal(bodyText(reply!), 'unsupported protocol version');
    assert.equal(reply!.requestIdLo, 7);
    assert.equal(reply!.bytes[20], version);
    assert.equal(hex(reply!.bytes.subarray(24, 32)), hex(reserved));
  }
});

test('item 14: bad magic gets BAD_REQUEST with id 0, v1, zero reserved, then close', async (t) => {
  const server = await serve(t);
  const raw = await peer(t, server);
  raw.write(ping(1));
  raw.write(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
  const replies = await raw.untilClosed();
  assert.equal(replies.length, 2, 'the reply already queued, then the error frame');
  assert.equal(replies[0]!.requestIdLo, 1);
  const error = replies[1]!;
  assert.equal(hex(error.bytes), '464c4f000d00000000000000000000006ce63c840103000000000000000000' +
    '00696e76616c6964206d61676963', 'byte for byte the bad_magic_response vector');
});

test('item 15: a CRC mismatch gets `checksum mismatch` with its id, then close', async (t) => {
  const server = await serve(t);
  const raw = await peer(t, server);
  const bytes = requestBytes(OpCode.PING, { id: 31, key: 'k' }).slice();
  bytes[bytes.length - 3]! ^= 0x20;
  raw.write(bytes);
  const [reply] = await raw.untilClosed();
  assert.equal(reply!.status, Status.BAD_REQUEST);
  assert.equal(bodyText(reply!), 'checksum mismatch');
  assert.equal(reply!.requestIdLo, 31);
});

test('item 16: a header over the payload limit gets `frame too large` at once', async (t) => {
  const server = await serve(t, { limits: { payloadBytesMax: 1024 } });
  const raw = await peer(t, server);
  const header = ping(12).slice();
  writeU32(header, 4, 1025);
  writeU32(header, 16, frameCrc(header));
  raw.write(header);
  const [reply] = await raw.untilClosed();
  assert.equal(bodyText(reply!), 'frame too large');
  assert.equal(reply!.requestIdLo, 12);
});

test('items 17-20: compressed, flag 2, unknown and reply codes keep the connection', async (t) => {
  const server = await serve(t);
  const raw = await peer(t, server);
  raw.write(requestBytes(OpCode.PING, { id: 1, flags: 0x01 }));
  raw.write(requestBytes(OpCode.PING, { id: 2, flags: 0x04 }));
  raw.write(requestBytes(0x999, { id: 3 }));
  raw.write(requestBytes(0x106, { id: 4 }));
  raw.write(ping(5));
  const [compressed, noReply, unknown, replyCode, last] = await raw.take(5);
  assert.equal(compressed!.status, Status.BAD_REQUEST);
  assert.equal(bodyText(compressed!), 'not supported: compressed payload');
  assert.equal(noReply!.status, Status.OK, 'flag bit 2 still gets a reply');
  assert.equal(bodyText(unknown!), 'unknown op code 0x0999');
  assert.equal(bodyText(replyCode!), 'unknown op code 0x0106');
  assert.equal(last!.status, Status.OK);
  assert.equal(raw.isEnded, false);
});

test('items 21-24: envelope and option errors keep the connection open', async (t) => {
  const server = await serve(t);
  const raw = await peer(t, server);
  raw.write(ping(1));
  // ns_len 0, key_len 255, then one key byte: the key runs past the payload.
  raw.write(requestBytes(OpCode.KV_GET, { id: 2, payload: Uint8Array.of(0, 0, 0xff, 0, 0x6b) }));
  // The four sections without opts_len.
  const noOptions = Uint8Array.of(0, 0, 1, 0, 0x6b, 1, 0, 0, 0, 0x76);
  raw.write(requestBytes(OpCode.PING, { id: 3, payload: noOptions }));
  raw.write(requestBytes(OpCode.KV_GET, { id: 4, key: 'k', options: Uint8Array.of(0x17, 4, 1) }));
  raw.write(requestBytes(OpCode.KV_GET, { id: 5, key: 'k', options: Uint8Array.of(0xee, 1, 7) }));
  const [empty, malformed, accepted, badOption, ignored] = await raw.take(5);
  assert.equal(empty!.status, Status.OK);
  assert.equal(malformed!.status, Status.BAD_REQUEST);
  assert.match(bodyText(malformed!), /^malformed envelope/);
  assert.equal(accepted!.status, Status.OK);
  assert.equal(badOption!.status, Status.BAD_REQUEST);
  assert.match(bodyText(badOption!), /^malformed option/);
  assert.equal(ignored!.status, Status.NOT_FOUND, 'tag 0xee is ignored');
  assert.equal(raw.isEnded, false);
});

test('items 26-27: one byte per write, and ten requests in one write, are answered', async (t) => {
  const server = await serve(t);
  const raw = await peer(t, server);
  const bytes = requestBytes(OpCode.PING, { id: 77, version: 2, key: 'abc' });
  for (const byte of bytes) {
    raw.write(Uint8Array.of(byte));
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.equal((await raw.next()).requestIdLo, 77);
  raw.write(Buffer.concat(Array.from({ length: 10 }, (_, index) => ping(100 + index))));
  const replies = await raw.take(10);
  const ids = Array.from({ length: 10 }, (_, index) => 100 + index);
  assert.deepEqual(replies.map((reply) => reply.requestIdLo), ids);
});

test('item 28: a client leaving mid-frame does not disturb other connections', async (t) => {
  const server = await serve(t);
  const steady = await peer(t, server);
  for (let round = 0; round < 5; round++) {
    const flaky = await peer(t, server);
    flaky.write(ping(1).subarray(0, 10 + round * 7));
    flaky.destroy();
    steady.write(ping(round));
    assert.equal((await steady.next()).requestIdLo, round);
  }
});

test('items 29-30, 132: time-series, processing, workflows: `not supported`', async (t) => {
  const server = await serve(t);
  const raw = await peer(t, server);
  const codes = [
    ...Array.from({ length: 7 }, (_, i) => 0x1a0 + i),
    ...Array.from({ length: 8 }, (_, i) => 0x360 + i),
    ...Array.from({ length: 11 }, (_, i) => 0x340 + i),
  ];
  codes.forEach((code, index) => raw.write(requestBytes(code, { id: index })));
  const replies = await raw.take(codes.length);
  replies.forEach((reply, index) => {
    assert.equal(reply.status, Status.BAD_REQUEST);
    const want = codes[index]! >= 0x360 ? 'not supported: processing'
      : codes[index]! >= 0x340 ? 'not supported: workflows' : 'not supported: time-series';
    assert.equal(bodyText(reply), want);
  });
});

test('handler failures become replies and the connection stays open (§3.4, §3.9)', async (t) => {
  const server = await serve(t);
  const raw = await peer(t, server);
  raw.write(requestBytes(OpCode.STREAM_APPEND, { id: 1, key: 's' }));
  raw.write(requestBytes(OpCode.KV_DELETE, { id: 2, key: 'k' }));
  raw.write(requestBytes(OpCode.QUEUE_ENQUEUE, { id: 3, key: 'q' }));
  raw.write(requestBytes(OpCode.QUEUE_PEEK, { id: 4, key: 'q' }));
  raw.write(requestBytes(OpCode.KV_EXISTS, { id: 5, key: 'k' }));
  raw.write(requestBytes(OpCode.QUEUE_STATS, { id: 6, key: 'q' }));
  raw.write(requestBytes(OpCode.KV_PUT, { id: 7, key: 'k', value: 'v' }));
  const [thrown, notFound, conflict, long, badPark, notReply, put] = await raw.take(7);
  assert.equal(thrown!.status, Status.INTERNAL_ERROR);
  assert.match(bodyText(thrown!), /boom/);
  assert.equal(notFound!.status, Status.NOT_FOUND);
  assert.equal(notFound!.body.length, 0, 'NOT_FOUND to a KV op has an empty body');
  assert.equal(conflict!.status, Status.CONFLICT);
  assert.equal(bodyText(conflict!), 'dedup key conflict');
  assert.equal(long!.body.length, 1024, 'messages are cut to 1 024 bytes');
  assert.equal(badPark!.status, Status.INTERNAL_ERROR, 'park() on a non-blocking op is a bug');
  assert.equal(notReply!.status, Status.INTERNAL_ERROR);
  assert.equal(put!.status, Status.OK);
});

test('ops without a handler name themselves; CLUSTER_* are single-node stubs', async (t) => {
  const server = await serve(t, { nodeId: 'n-7', register: () => {} });
  const raw = await peer(t, server);
  raw.write(requestBytes(OpCode.KV_PUT, { id: 1, key: 'k' }));
  raw.write(requestBytes(OpCode.CLUSTER_STATUS, { id: 2 }));
  raw.write(requestBytes(OpCode.CLUSTER_MEMBERS, { id: 3 }));
  const [put, status, members] = await raw.take(3);
  assert.equal(put!.status, Status.BAD_REQUEST);
  assert.match(bodyText(put!), /^not supported: KV_PUT/);
  assert.deepEqual(JSON.parse(bodyText(status!)), {
    mode: 'single', node_id: 'n-7', role: 'leader', leader_id: 'n-7', members: 1,
  });
  assert.deepEqual(JSON.parse(bodyText(members!)), [
    { node_id: 'n-7', address: `127.0.0.1:${server.address.port}`, role: 'leader', healthy: true },
  ]);
});
