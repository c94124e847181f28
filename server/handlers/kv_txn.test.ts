// KV transactions on the wire (flo-wire.md §7.2.10) against startFloServer with raw peers:
// items 73-77, then a transaction used from two connections, txn_id on every KV op
// (CROSS_CORE_TRANSACTION from another namespace, NO_ACTIVE_TRANSACTION once ended or for an
// id never given), reads of the transaction view (GET, EXISTS, MGET, JSON_GET, INCR), commit
// failures with the failing write's status, the id as an 8-byte value, the routing key
// forms, the 1 000-write limit and the idle rollback on the ManualClock; and FNV-1a itself.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { BodyReader } from '../wire/body_reader.ts';
import { BodyWriter } from '../wire/body_writer.ts';
import { Status } from '../wire/frame.ts';
import { OpCode } from '../wire/opcodes.ts';
import { OptionTag } from '../wire/option_tags.ts';
import { assertStatus, hex, opts, serveFlo, text, type FloPeer } from '../testing/flo_peer.ts';
import { fnv1a64, pinnedHash } from './kv_txn.ts';

async function begin(peer: FloPeer, key = 'route', namespace?: string): Promise<number> {
  const reader = await peer.okBody(OpCode.KV_BEGIN_TXN, { key, namespace });
  assert.equal(reader.remaining, 17, 'item 73: the begin reply is 17 bytes');
  assert.equal(reader.u8(), 0, 'variant 0');
  const txnId = reader.u64();
  assert.equal(reader.u64Big(), pinnedHash(namespace || 'default', Buffer.from(key)));
  return txnId;
}

const inTxn = (txnId: number) => opts().uint(OptionTag.txn_id, txnId);

async function commit(peer: FloPeer, txnId: number): Promise<[number, number]> {
  const reader = await peer.okBody(OpCode.KV_COMMIT_TXN, { key: 'route', opts: inTxn(txnId) });
  assert.equal(reader.remaining, 11, 'item 75: the commit reply is 11 bytes');
  assert.equal(reader.u8(), 1, 'variant 1');
  return [reader.u64(), reader.u16()];
}

async function getValue(peer: FloPeer, key: string, txnId?: number) {
  const reply = await peer.ask(OpCode.KV_GET, { key,
    ...(txnId === undefined ? {} : { opts: inTxn(txnId) }) });
  if (reply.status === Status.NOT_FOUND) return null;
  assertStatus(reply, Status.OK);
  const reader = new BodyReader(reply.body);
  return [reader.u64(), text(reader.rest())];
}

test('items 73-75: a put in a transaction is version 0, hidden until commit, then shared',
  async (t) => {
    const { peer: connect } = await serveFlo(t);
    const [owner, other] = [await connect(), await connect()];
    const txnId = await begin(owner);
    const put = await owner.okBody(OpCode.KV_PUT, { key: 'a', value: '1', opts: inTxn(txnId) });
    assert.equal(hex(put.rest()), '00'.repeat(8), 'item 73: version 0');
    assert.equal(await getValue(other, 'a'), null, 'invisible elsewhere');
    assert.deepEqual(await getValue(owner, 'a', txnId), [0, '1'], 'item 74: own view');
    // Any connection may use the transaction: it is bound to the namespace, not a connection.
    await other.okBody(OpCode.KV_PUT, { key: 'b', value: '2', opts: inTxn(txnId) });
    await other.okBody(OpCode.KV_PUT, { key: 'outside', value: 'x' });
    const [version, opCount] = await commit(other, txnId);
    assert.equal(opCount, 2);
    assert.deepEqual([await getValue(owner, 'a'), await getValue(owner, 'b')],
      [[version, '1'], [version, '2']], 'item 75: one version for every key');
    assert.deepEqual(await commit(owner, await begin(owner)), [0, 0], 'an empty commit');
  });

test('items 76-77: a failing cas_version applies nothing; an ended id is NO_ACTIVE',
  async (t) => {
    const peer = await (await serveFlo(t)).peer();
    const version = (await peer.okBody(OpCode.KV_PUT, { key: 'k', value: 'v' })).u64();
    const txnId = await begin(peer);
    await peer.okBody(OpCode.KV_PUT, { key: 'other', value: 'x', opts: inTxn(txnId) });
    await peer.okBody(OpCode.KV_PUT, { key: 'k', value: 'w',
      opts: inTxn(txnId).uint(OptionTag.cas_version, version + 1) });
    assertStatus(await peer.ask(OpCode.KV_COMMIT_TXN, { opts: inTxn(txnId) }),
      Status.CONFLICT);
    assert.equal(await getValue(peer, 'other'), null, 'item 76: nothing applied');
    assert.deepEqual(await getValue(peer, 'k'), [version, 'v']);
    assertStatus(await peer.ask(OpCode.KV_GET, { key: 'k', opts: inTxn(txnId) }),
      Status.NO_ACTIVE_TRANSACTION, 'unknown transaction');
    const rolled = await begin(peer);
    assertStatus(await peer.ask(OpCode.KV_ROLLBACK_TXN, { opts: inTxn(rolled) }), Status.OK);
    for (const op of [OpCode.KV_PUT, OpCode.KV_GET, OpCode.KV_DELETE, OpCode.KV_EXISTS,
      OpCode.KV_INCR, OpCode.KV_PERSIST, OpCode.KV_JSON_GET]) {
      assertStatus(await peer.ask(op, { key: 'k', opts: inTxn(rolled) }),
        Status.NO_ACTIVE_TRANSACTION, 'unknown transaction');
    }
    for (const id of [0, 2 ** 53 + 2, 999]) {
      assertStatus(await peer.ask(OpCode.KV_GET, { key: 'k', opts: inTxn(id) }),
        Status.NO_ACTIVE_TRANSACTION);
    }
    assertStatus(await peer.ask(OpCode.KV_ROLLBACK_TXN, { opts: inTxn(rolled) }),
      Status.NO_ACTIVE_TRANSACTION);
  });

test('a transaction of another namespace is CROSS_CORE_TRANSACTION; scans ignore txn_id',
  async (t) => {
    const peer = await (await serveFlo(t)).peer();
    const txnId = await begin(peer, 'r', 'tenant');
    assertStatus(await peer.ask(OpCode.KV_PUT, { key: 'k', value: 'v', opts: inTxn(txnId) }),
      Status.CROSS_CORE_TRANSACTION, 'transaction belongs to another namespace');
    assertStatus(await peer.ask(OpCode.KV_COMMIT_TXN, { opts: inTxn(txnId) }),
      Status.CROSS_CORE_TRANSACTION);
    await peer.okBody(OpCode.KV_PUT, { key: 'k', value: 'v', namespace: 'tenant',
      opts: inTxn(txnId) });
    const scan = await peer.okBody(OpCode.KV_SCAN, { namespace: 'tenant', opts: inTxn(txnId) });
    assert.equal(scan.u32(), 0, 'a scan reads committed state');
    assertStatus(await peer.ask(OpCode.KV_HISTORY, { key: 'k', namespace: 'tenant',
      opts: inTxn(999) }), Status.NOT_FOUND); // history ignores txn_id, even an unknown one
    assertStatus(await peer.ask(OpCode.KV_PUT, { key: '_sys:k', value: 'v', namespace: 'tenant',
      opts: inTxn(txnId) }), Status.UNAUTHORIZED, 'reserved key prefix');
    const committed = await peer.okBody(OpCode.KV_COMMIT_TXN, { namespace: 'tenant',
      opts: inTxn(txnId) });
    committed.u8();
    committed.u64();
    assert.equal(committed.u16(), 1, 'the uses from another namespace changed nothing');
  });

test('the transaction view: delete, exists, mget, incr and JSON; commit statuses',
  async (t) => {
    const peer = await (await serveFlo(t)).peer();
    await peer.okBody(OpCode.KV_PUT, { key: 'gone', value: 'v' });
    const txnId = await begin(peer);
    assertStatus(await peer.ask(OpCode.KV_DELETE, { key: 'gone', opts: inTxn(txnId) }),
      Status.OK);
    await peer.okBody(OpCode.KV_PUT, { key: 'new', value: 'n', opts: inTxn(txnId) });
    const exists = async (key: string) => hex((await peer.okBody(OpCode.KV_EXISTS,
      { key, opts: inTxn(txnId) })).rest());
    assert.deepEqual([await exists('gone'), await exists('new')],
      ['00'.repeat(9), '00'.repeat(8) + '01']);
    const mget = await peer.okBody(OpCode.KV_MGET, { opts: inTxn(txnId),
      value: new BodyWriter().u16(2).bytesU16(Buffer.from('gone')).bytesU16(Buffer.from('new'))
        .toBytes() });
    assert.equal(mget.u32(), 2);
    assert.deepEqual([mget.u8(), text(mget.bytesU16()), mget.u64(), text(mget.bytesU32())],
      [2, 'gone', 0, '']);
    assert.deepEqual([mget.u8(), text(mget.bytesU16()), mget.u64(), text(mget.bytesU32())],
      [0, 'new', 0, 'n']);
    const incr = await peer.okBody(OpCode.KV_INCR, { key: 'n', opts: inTxn(txnId) });
    assert.deepEqual([incr.u64(), incr.i64()], [0, 1]);
    const json = new BodyWriter().bytesU16(Buffer.from('$')).utf8('{"a":1}').toBytes();
    await peer.okBody(OpCode.KV_JSON_SET, { key: 'doc', value: json, opts: inTxn(txnId) });
    const got = await peer.okBody(OpCode.KV_JSON_GET, { key: 'doc', value: '$.a',
      opts: inTxn(txnId) });
    assert.deepEqual([got.u64(), text(got.rest())], [0, '1']);
    const [version, opCount] = await commit(peer, txnId);
    assert.equal(opCount, 4);
    assert.deepEqual(await getValue(peer, 'doc'), [version, '{"a":1}']);
    const touching = await begin(peer);
    await peer.okBody(OpCode.KV_TOUCH, { key: 'missing', opts: inTxn(touching),
      value: new BodyWriter(8).u64(10).toBytes() });
    const touched = await peer.ask(OpCode.KV_COMMIT_TXN, { opts: inTxn(touching) });
    assert.deepEqual([touched.status, touched.body.length], [Status.NOT_FOUND, 0]);
    const badIncr = await begin(peer);
    await peer.okBody(OpCode.KV_INCR, { key: 'doc', opts: inTxn(badIncr) });
    assertStatus(await peer.ask(OpCode.KV_COMMIT_TXN, { opts: inTxn(badIncr) }),
      Status.BAD_REQUEST, 'value is not a counter');
  });

test('ids and routing keys: the id as an 8-byte value; routing_key when the key is empty',
  async (t) => {
    const peer = await (await serveFlo(t)).peer();
    const viaOption = await peer.okBody(OpCode.KV_BEGIN_TXN, {
      opts: opts().add(OptionTag.routing_key, Buffer.from('acct:1')) });
    viaOption.u8();
    const txnId = viaOption.u64();
    assert.equal(viaOption.u64Big(), pinnedHash('default', Buffer.from('acct:1')));
    assertStatus(await peer.ask(OpCode.KV_BEGIN_TXN, {}), Status.BAD_REQUEST,
      'routing key is required');
    await peer.okBody(OpCode.KV_PUT, { key: 'k', value: 'v', opts: inTxn(txnId) });
    const idValue = new BodyWriter(8).u64(txnId).toBytes();
    const committed = await peer.okBody(OpCode.KV_COMMIT_TXN, { value: idValue });
    assert.equal(committed.remaining, 11);
    assertStatus(await peer.ask(OpCode.KV_ROLLBACK_TXN, { value: idValue }),
      Status.NO_ACTIVE_TRANSACTION);
    assertStatus(await peer.ask(OpCode.KV_COMMIT_TXN, {}), Status.BAD_REQUEST, 'txn_id');
    assertStatus(await peer.ask(OpCode.KV_COMMIT_TXN, { value: Buffer.alloc(4) }),
      Status.BAD_REQUEST);
    const next = await begin(peer);
    assert.ok(next > txnId, 'ids are never reused');
  });

test('the 1 001st write is BAD_REQUEST and discards the transaction', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  const txnId = await begin(peer);
  for (let index = 0; index < 1000; index++) {
    peer.send(OpCode.KV_PUT, { key: `k${index}`, value: 'v', opts: inTxn(txnId) });
  }
  const replies = await peer.raw.take(1000);
  assert.ok(replies.every((reply) => reply.status === Status.OK), '1 000 writes are buffered');
  assertStatus(await peer.ask(OpCode.KV_PUT, { key: 'over', value: 'v', opts: inTxn(txnId) }),
    Status.BAD_REQUEST);
  assertStatus(await peer.ask(OpCode.KV_COMMIT_TXN, { opts: inTxn(txnId) }),
    Status.NO_ACTIVE_TRANSACTION, 'unknown transaction');
  assert.equal(await getValue(peer, 'k0'), null);
});

test('a transaction idle for 30 000 ms is rolled back; any op restarts the clock',
  async (t) => {
    const { clock, peer: connect } = await serveFlo(t);
    const peer = await connect();
    const txnId = await begin(peer);
    clock.advance(29_999);
    await peer.okBody(OpCode.KV_PUT, { key: 'k', value: 'v', opts: inTxn(txnId) });
    clock.advance(29_999);
    await peer.okBody(OpCode.KV_GET, { key: 'k', opts: inTxn(txnId) });
    clock.advance(30_000);
    assertStatus(await peer.ask(OpCode.KV_COMMIT_TXN, { opts: inTxn(txnId) }),
      Status.NO_ACTIVE_TRANSACTION);
    assert.equal(await getValue(peer, 'k'), null);
  });

test('fnv1a64 matches the published FNV-1a 64 values', () => {
  const of = (text: string) => fnv1a64(Buffer.from(text)).toString(16);
  assert.equal(of(''), 'cbf29ce484222325');
  assert.equal(of('a'), 'af63dc4c8601ec8c');
  assert.equal(of('foobar'), '85944171f73967e8');
  assert.equal(fnv1a64(Buffer.from('def'), Buffer.from('ault')), fnv1a64(Buffer.from('default')),
    'parts hash as their concatenation');
});
