// Parked KV_GETs (flo-wire.md §3.3, §7.2.3, §9.8) against startFloServer with raw peers:
// items 31, 35, 68 and 69, then the wake-ups the items leave out (wait_ms answered by a
// delete or an expiry with NOT_FOUND, not by a touch; block_ms on a key that exists answers
// at once and parks nothing), the parked limit (the timeout outcome at once, nothing parked in
// the engine), a closed connection and a shutdown answering or dropping what waits, and wait
// options being ignored inside a transaction. Timeouts run on the engine's ManualClock.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BodyReader } from '../wire/body_reader.ts';
import { BodyWriter } from '../wire/body_writer.ts';
import { Status, type ReplyFrame } from '../wire/frame.ts';
import { OpCode } from '../wire/opcodes.ts';
import { OptionTag } from '../wire/option_tags.ts';
import { assertStatus, opts, serveFlo, text, waitParked } from '../testing/flo_peer.ts';

const blockMs = (ms: number) => opts().uint(OptionTag.block_ms, ms, 4);
const waitMs = (ms: number) => opts().uint(OptionTag.wait_ms, ms, 4);

function entryOf(reply: ReplyFrame): { version: number; value: string } {
  assertStatus(reply, Status.OK);
  const reader = new BodyReader(reply.body);
  return { version: reader.u64(), value: text(reader.rest()) };
}

function assertNotFound(reply: ReplyFrame, id: number): void {
  assert.deepEqual([reply.requestIdLo, reply.status, reply.body.length],
    [id, Status.NOT_FOUND, 0], 'NOT_FOUND with an empty body');
}

test('item 31: a parked KV_GET does not hold up a later PING', async (t) => {
  const { server, peer: connect } = await serveFlo(t);
  const peer = await connect();
  const get = peer.send(OpCode.KV_GET, { key: 'k', opts: blockMs(5000) });
  const ping = peer.send(OpCode.PING);
  assert.equal((await peer.raw.next()).requestIdLo, ping, 'the PING reply comes first');
  assert.equal(server.parkedCount, 1);
  const writer = await connect();
  const version = (await writer.okBody(OpCode.KV_PUT, { key: 'k', value: 'v' })).u64();
  const reply = await peer.raw.next();
  assert.equal(reply.requestIdLo, get);
  assert.deepEqual(entryOf(reply), { version, value: 'v' });
});

test('item 35: block_ms 200 on a missing key answers NOT_FOUND, not before 200 ms',
  async (t) => {
    const { server, clock, peer: connect } = await serveFlo(t);
    const peer = await connect();
    const get = peer.send(OpCode.KV_GET, { key: 'k', opts: blockMs(200) });
    await waitParked(server, 1);
    clock.advance(199);
    const ping = peer.send(OpCode.PING);
    assert.equal((await peer.raw.next()).requestIdLo, ping, 'still waiting at 199 ms');
    clock.advance(1);
    assertNotFound(await peer.raw.next(), get);
    assert.equal(server.parkedCount, 0);
  });

test('items 68-69: block_ms is answered by a put elsewhere, wait_ms by an update', async (t) => {
  const { server, peer: connect } = await serveFlo(t);
  const [waiter, writer] = [await connect(), await connect()];
  const blocked = waiter.send(OpCode.KV_GET, { key: 'new', opts: blockMs(10_000) });
  const first = (await writer.okBody(OpCode.KV_PUT, { key: 'old', value: 'v1' })).u64();
  const watched = waiter.send(OpCode.KV_GET, { key: 'old', opts: waitMs(10_000) });
  await waitParked(server, 2);
  const created = (await writer.okBody(OpCode.KV_PUT, { key: 'new', value: 'here' })).u64();
  const blockedReply = await waiter.raw.next();
  assert.equal(blockedReply.requestIdLo, blocked);
  assert.deepEqual(entryOf(blockedReply), { version: created, value: 'here' });
  const second = (await writer.okBody(OpCode.KV_PUT, { key: 'old', value: 'v2' })).u64();
  assert.ok(second > first);
  const watchedReply = await waiter.raw.next();
  assert.equal(watchedReply.requestIdLo, watched);
  assert.deepEqual(entryOf(watchedReply), { version: second, value: 'v2' });
});

test('wait_ms: a touch does not answer it; a delete or an expiry answers NOT_FOUND',
  async (t) => {
    const { server, clock, peer: connect } = await serveFlo(t);
    const [waiter, writer] = [await connect(), await connect()];
    await writer.okBody(OpCode.KV_PUT, { key: 'd', value: 'v' });
    await writer.okBody(OpCode.KV_PUT, { key: 'e', value: 'v',
      opts: opts().uint(OptionTag.ttl_ms, 1000) });
    const onDelete = waiter.send(OpCode.KV_GET, { key: 'd', opts: waitMs(60_000) });
    const onExpiry = waiter.send(OpCode.KV_GET, { key: 'e', opts: waitMs(60_000) });
    await waitParked(server, 2);
    assertStatus(await writer.ask(OpCode.KV_TOUCH, { key: 'd',
      value: new BodyWriter(8).u64(5000).toBytes() }), Status.OK);
    assertStatus(await writer.ask(OpCode.KV_DELETE, { key: 'd' }), Status.OK);
    assertNotFound(await waiter.raw.next(), onDelete);
    clock.advance(1000);
    assertNotFound(await waiter.raw.next(), onExpiry);
    assert.equal(server.parkedCount, 0);
  });

test('wait_ms on a missing key is answered by its creation; block_ms on a present key at once',
  async (t) => {
    const { server, flo, peer: connect } = await serveFlo(t);
    const [waiter, writer] = [await connect(), await connect()];
    const watched = waiter.send(OpCode.KV_GET, { key: 'k', opts: waitMs(60_000) });
    await waitParked(server, 1);
    const version = (await writer.okBody(OpCode.KV_PUT, { key: 'k', value: 'v' })).u64();
    const reply = await waiter.raw.next();
    assert.deepEqual([reply.requestIdLo, entryOf(reply)], [watched, { version, value: 'v' }]);
    const at = waiter.send(OpCode.KV_GET, { key: 'k', opts: blockMs(60_000) });
    const immediate = await waiter.raw.next();
    assert.deepEqual([immediate.requestIdLo, entryOf(immediate).value], [at, 'v']);
    assert.equal(server.parkedCount + flo.kv.stats().parkedGets, 0, 'nothing parked');
  });

test('the parked limit answers NOT_FOUND at once and parks nothing in the engine',
  async (t) => {
    const { server, flo, peer: connect } = await serveFlo(t, { parkedMax: 1 });
    const peer = await connect();
    const first = peer.send(OpCode.KV_GET, { key: 'a', opts: blockMs(60_000) });
    await waitParked(server, 1);
    const second = peer.send(OpCode.KV_GET, { key: 'b', opts: waitMs(60_000) });
    assertNotFound(await peer.raw.next(), second);
    assert.equal(flo.kv.stats().parkedGets, 1, 'only the first waits in the engine');
    await flo.kv.put('', 'a', 'v');
    const reply = await peer.raw.next();
    assert.deepEqual([reply.requestIdLo, entryOf(reply).value], [first, 'v']);
  });

test('a closed connection drops its parked gets; a shutdown answers them NOT_FOUND',
  async (t) => {
    const { server, flo, peer: connect } = await serveFlo(t);
    const closing = await connect();
    closing.send(OpCode.KV_GET, { key: 'a', opts: blockMs(60_000) });
    await waitParked(server, 1);
    closing.raw.destroy();
    await waitParked(server, 0);
    assert.equal(flo.kv.stats().parkedGets, 0, 'the engine waiter was aborted');
    const staying = await connect();
    const get = staying.send(OpCode.KV_GET, { key: 'b', opts: waitMs(60_000) });
    await waitParked(server, 1);
    const closed = server.close();
    assertNotFound(await staying.raw.next(), get);
    await closed;
  });

test('inside a transaction the wait options are ignored (and not validated)', async (t) => {
  const { server, peer: connect } = await serveFlo(t);
  const peer = await connect();
  const begin = await peer.okBody(OpCode.KV_BEGIN_TXN, { key: 'r' });
  begin.u8();
  const txnId = begin.u64();
  const inTxn = opts().uint(OptionTag.txn_id, txnId).uint(OptionTag.block_ms, 400_000, 4);
  const reply = await peer.ask(OpCode.KV_GET, { key: 'missing', opts: inTxn });
  assert.deepEqual([reply.status, reply.body.length], [Status.NOT_FOUND, 0]);
  assert.equal(server.parkedCount, 0);
});
