// Conformance of consumer groups (flo-wire.md §7.5) against startFloServer with the raw
// socket peer: one test per checklist item 112-118, then value checks, NOT_FOUND cases,
// create/join/leave/touch/no_ack/configure/info/delete semantics, pattern reads (also parked,
// woken by a stream created later), parked reads served first parked first, a closed
// connection's parked read taking nothing, and the reply soft limit for reads and claims.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { BodyReader } from '../wire/body_reader.ts';
import { BodyWriter } from '../wire/body_writer.ts';
import { Status } from '../wire/frame.ts';
import { OpCode } from '../wire/opcodes.ts';
import { OptionTag } from '../wire/option_tags.ts';
import {
  assertStatus, hex, opts, readRecords, serveFlo, text, waitParked, type FloPeer,
  type WireRecord,
} from '../testing/flo_peer.ts';

const names = (group: string, consumer?: string): BodyWriter => {
  const body = new BodyWriter().bytesU16(Buffer.from(group));
  return consumer === undefined ? body : body.bytesU16(Buffer.from(consumer));
};

/** `[group][consumer][n:u32]([ts][seq])*` with timestamp 0 (ids match by sequence). */
const idsValue = (group: string, consumer: string, ids: number[]): Uint8Array => {
  const body = names(group, consumer).u32(ids.length);
  for (const sequence of ids) body.u64(0).u64(sequence);
  return body.toBytes();
};

async function append(peer: FloPeer, count: number, key = 's'): Promise<void> {
  for (let index = 0; index < count; index++) {
    await peer.okBody(OpCode.STREAM_APPEND, { key, value: `r${index}` });
  }
}

async function groupRead(peer: FloPeer, consumer: string, options = opts(), key = 's',
  group = 'g'): Promise<WireRecord[]> {
  const reader = await peer.okBody(OpCode.STREAM_GROUP_READ, { key,
    value: names(group, consumer).toBytes(), opts: options });
  const records = readRecords(reader);
  assert.ok(reader.atEnd);
  return records;
}

async function pending(peer: FloPeer, consumer?: string, key = 's') {
  const reader = await peer.okBody(OpCode.STREAM_GROUP_PENDING, { key,
    value: names('g', consumer).toBytes() });
  const out: Array<[number, number, string]> = [];
  for (let count = reader.u32(); count > 0; count--) {
    reader.u64();
    out.push([reader.u64(), reader.u32(), text(reader.bytesU16())]);
  }
  assert.ok(reader.atEnd);
  return out;
}

async function info(peer: FloPeer, key = 's') {
  const reader = await peer.okBody(OpCode.STREAM_GROUP_INFO, { key, value: names('g')
    .toBytes() });
  const head = { cursorTs: reader.u64(), cursorSeq: reader.u64(), pending: reader.u64(),
    deadLettered: reader.u64(), ackTimeoutMs: reader.u32(), maxDeliver: reader.u8() };
  const consumers: Array<[string, number, number]> = [];
  for (let count = reader.u32(); count > 0; count--) {
    consumers.push([text(reader.bytesU16()), reader.u64(), reader.u64()]);
  }
  assert.ok(reader.atEnd);
  return { ...head, consumers };
}

async function idsOp(peer: FloPeer, opCode: number, ids: number[], options = opts(),
  consumer = '') {
  assertStatus(await peer.ask(opCode, { key: 's', value: idsValue('g', consumer, ids),
    opts: options }), Status.OK);
}

const sequences = (records: WireRecord[]): number[] => records.map((r) => r.sequence);

test('item 112: two consumers of one group never get the same record', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  await append(peer, 6);
  const a = await groupRead(peer, 'a', opts().uint(OptionTag.count, 4, 4));
  const b = await groupRead(peer, 'b', opts().uint(OptionTag.count, 100, 4));
  assert.deepEqual([sequences(a), sequences(b)], [[1, 2, 3, 4], [5, 6]]);
  assert.deepEqual(await groupRead(peer, 'a'), []);
});

test('item 113: an unacked record comes back after ack_timeout_ms with a higher count',
  async (t) => {
    const served = await serveFlo(t);
    const peer = await served.peer();
    await peer.okBody(OpCode.STREAM_GROUP_CREATE, { key: 's', value: names('g').toBytes(),
      opts: opts().uint(OptionTag.ack_timeout_ms, 500, 4) });
    await append(peer, 1);
    assert.deepEqual(sequences(await groupRead(peer, 'a')), [1]);
    assert.deepEqual(await pending(peer), [[1, 1, 'a']]);
    served.clock.advance(499);
    assert.deepEqual(await groupRead(peer, 'b'), []);
    served.clock.advance(1);
    assert.deepEqual(sequences(await groupRead(peer, 'b')), [1]);
    assert.deepEqual(await pending(peer), [[1, 2, 'b']]);
  });

test('item 114: STREAM_GROUP_ACK removes the entry from PENDING', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  await append(peer, 3);
  await groupRead(peer, 'a');
  await idsOp(peer, OpCode.STREAM_GROUP_ACK, [2, 99]);
  assert.deepEqual(await pending(peer), [[1, 1, 'a'], [3, 1, 'a']]);
});

test('item 115: after STREAM_GROUP_NACK the next READ delivers the record', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  await append(peer, 2);
  await groupRead(peer, 'a');
  await idsOp(peer, OpCode.STREAM_GROUP_NACK, [2], opts(), 'a');
  assert.deepEqual(sequences(await groupRead(peer, 'b')), [2]);
  assert.deepEqual(await pending(peer, 'b'), [[2, 2, 'b']]);
});

test('item 116: at most max_deliver deliveries, then gone from PENDING and dead-lettered',
  async (t) => {
    const peer = await (await serveFlo(t)).peer();
    await peer.okBody(OpCode.STREAM_GROUP_CREATE, { key: 's', value: names('g').toBytes(),
      opts: opts().uint(OptionTag.max_deliver, 3, 1) });
    await append(peer, 1);
    for (let delivery = 1; delivery <= 3; delivery++) {
      assert.deepEqual(sequences(await groupRead(peer, 'a')), [1]);
      await idsOp(peer, OpCode.STREAM_GROUP_NACK, [1]);
    }
    assert.deepEqual(await groupRead(peer, 'a'), []);
    assert.deepEqual(await pending(peer), []);
    const state = await info(peer);
    assert.equal(state.deadLettered, 1);
    assert.equal(state.maxDeliver, 3);
    const stillThere = await peer.okBody(OpCode.STREAM_READ, { key: 's' });
    assert.equal(readRecords(stillThere).length, 1, 'the record stays in the stream');
  });

test('item 117: CLAIM with min_idle 0 from (0,0) returns the caller\'s entries, then FF×16',
  async (t) => {
    const peer = await (await serveFlo(t)).peer();
    await append(peer, 4);
    await groupRead(peer, 'a', opts().uint(OptionTag.count, 2, 4));
    await groupRead(peer, 'b', opts().uint(OptionTag.count, 2, 4));
    const claim = names('g', 'a').u32(0).u64(0).u64(0).u32(0).toBytes();
    const reply = await peer.ask(OpCode.STREAM_GROUP_CLAIM, { key: 's', value: claim });
    assertStatus(reply, Status.OK);
    const reader = new BodyReader(reply.body.subarray(0, reply.body.length - 16));
    assert.deepEqual(sequences(readRecords(reader)), [1, 2]);
    assert.equal(hex(reply.body.subarray(reply.body.length - 16)), 'ff'.repeat(16));
    assert.deepEqual(await pending(peer, 'a'), [[1, 2, 'a'], [2, 2, 'a']]);
  });

test('item 118: a parked STREAM_GROUP_READ is answered within 1 s of an append',
  async (t) => {
    const served = await serveFlo(t);
    const [consumer, producer] = [await served.peer(), await served.peer()];
    const id = consumer.send(OpCode.STREAM_GROUP_READ, { key: 's',
      value: names('g', 'c').toBytes(), opts: opts().uint(OptionTag.block_ms, 60_000, 4) });
    await waitParked(served.server, 1);
    const started = performance.now();
    await append(producer, 1);
    const reply = await consumer.raw.next(1000);
    assert.ok(performance.now() - started < 1000);
    assert.equal(reply.requestIdLo, id);
    assert.deepEqual(sequences(readRecords(new BodyReader(reply.body))), [1]);
  });

test('values and names: group 1-255 bytes, a consumer where required, ids fully present',
  async (t) => {
    const peer = await (await serveFlo(t)).peer();
    await append(peer, 1);
    const bad = async (opCode: number, value: Uint8Array, prefix?: string) =>
      assertStatus(await peer.ask(opCode, { key: 's', value }), Status.BAD_REQUEST, prefix);
    await bad(OpCode.STREAM_GROUP_CREATE, names('').toBytes());
    await bad(OpCode.STREAM_GROUP_CREATE, names('g'.repeat(256)).toBytes(), 'malformed value');
    await bad(OpCode.STREAM_GROUP_CREATE, Uint8Array.of(5, 0, 0x61), 'malformed value');
    await bad(OpCode.STREAM_GROUP_CREATE, names('\u00ff').toBytes().map((byte, index) =>
      index === 2 ? 0xff : byte), 'invalid group name');
    for (const opCode of [OpCode.STREAM_GROUP_JOIN, OpCode.STREAM_GROUP_READ,
      OpCode.STREAM_GROUP_LEAVE, OpCode.STREAM_GROUP_CLAIM]) {
      await bad(opCode, names('g', '').u32(0).u64(0).u64(0).u32(0).toBytes());
    }
    await bad(OpCode.STREAM_GROUP_ACK, names('g', '').u32(2).u64(0).u64(1).toBytes(),
      'malformed value');
    await bad(OpCode.STREAM_GROUP_ACK, names('g', '').u32(10_001).toBytes());
    assertStatus(await peer.ask(OpCode.STREAM_GROUP_CREATE, { key: 's',
      value: names('g').toBytes(), opts: opts().uint(OptionTag.subscription_mode, 1, 1) }),
    Status.BAD_REQUEST, 'not supported: subscription mode');
    assertStatus(await peer.ask(OpCode.STREAM_GROUP_READ, { key: 's',
      value: names('g', 'c').toBytes(), opts: opts().uint(OptionTag.block_ms, 300_001) }),
    Status.BAD_REQUEST);
  });

test('ops on a missing group answer NOT_FOUND, except CREATE, JOIN and READ', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  await append(peer, 1);
  for (const [opCode, value] of [
    [OpCode.STREAM_GROUP_LEAVE, names('g', 'c').toBytes()],
    [OpCode.STREAM_GROUP_ACK, idsValue('g', '', [1])],
    [OpCode.STREAM_GROUP_NACK, idsValue('g', '', [1])],
    [OpCode.STREAM_GROUP_TOUCH, idsValue('g', '', [1])],
    [OpCode.STREAM_GROUP_PENDING, names('g').toBytes()],
    [OpCode.STREAM_GROUP_CLAIM, names('g', 'c').u32(0).u64(0).u64(0).u32(0).toBytes()],
    [OpCode.STREAM_GROUP_CONFIGURE_SWEEPER, names('g').toBytes()],
    [OpCode.STREAM_GROUP_INFO, names('g').toBytes()],
    [OpCode.STREAM_GROUP_DELETE, names('g').toBytes()],
  ] as const) {
    assertStatus(await peer.ask(opCode, { key: 's', value }), Status.NOT_FOUND);
    assertStatus(await peer.ask(opCode, { key: 'no-stream', value }), Status.NOT_FOUND);
  }
  assertStatus(await peer.ask(OpCode.STREAM_GROUP_JOIN, { key: 'fresh',
    value: names('g', 'c').toBytes() }), Status.OK);
  assertStatus(await peer.ask(OpCode.STREAM_INFO, { key: 'fresh' }), Status.OK);
});

test('create replaces settings but not the position; join, leave, touch, no_ack, configure',
  async (t) => {
    const served = await serveFlo(t);
    const peer = await served.peer();
    await append(peer, 3);
    await peer.okBody(OpCode.STREAM_GROUP_CREATE, { key: 's', value: names('g').toBytes(),
      opts: opts().flag(OptionTag.stream_tail) });
    await append(peer, 2);
    await peer.okBody(OpCode.STREAM_GROUP_CREATE, { key: 's', value: names('g').toBytes(),
      opts: opts().uint(OptionTag.ack_timeout_ms, 1000, 4).streamId(OptionTag.stream_start,
        { timestampMs: 0, sequence: 1 }) });
    assert.deepEqual(sequences(await groupRead(peer, 'a', opts().uint(OptionTag.count, 1, 4))),
      [4], 'tail: records after the first create only');
    await peer.okBody(OpCode.STREAM_GROUP_JOIN, { key: 's', value: names('g', 'b').toBytes() });
    await peer.okBody(OpCode.STREAM_GROUP_JOIN, { key: 's', value: names('g', 'b').toBytes() });
    let state = await info(peer);
    assert.deepEqual(state.consumers.map(([name, count]) => [name, count]), [['a', 1], ['b', 0]]);
    assert.deepEqual([state.cursorSeq, state.pending, state.ackTimeoutMs], [4, 1, 1000]);
    served.clock.advance(900);
    await idsOp(peer, OpCode.STREAM_GROUP_TOUCH, [4], opts().uint(OptionTag.extend_ack_ms, 500));
    served.clock.advance(400);
    assert.deepEqual(sequences(await groupRead(peer, 'b', opts().flag(OptionTag.no_ack))), [5],
      'touched: 4 is not due yet; 5 goes without a pending entry');
    assert.deepEqual(await pending(peer), [[4, 1, 'a']]);
    await peer.okBody(OpCode.STREAM_GROUP_LEAVE, { key: 's', value: names('g', 'a').toBytes() });
    assert.deepEqual(sequences(await groupRead(peer, 'b')), [4], 'leave released 4 at once');
    await peer.okBody(OpCode.STREAM_GROUP_CONFIGURE_SWEEPER, { key: 's',
      value: names('g').toBytes(), opts: opts().uint(OptionTag.max_deliver, 0, 1) });
    state = await info(peer);
    assert.deepEqual([state.maxDeliver, state.ackTimeoutMs], [0, 1000]);
    assert.deepEqual(state.consumers.map(([name]) => name), ['b']);
    assertStatus(await peer.ask(OpCode.STREAM_GROUP_LEAVE, { key: 's',
      value: names('g', 'nobody').toBytes() }), Status.OK);
  });

test('pattern reads merge every matching stream, also one created while parked', async (t) => {
  const served = await serveFlo(t);
  const [reader, writer] = [await served.peer(), await served.peer()];
  await append(writer, 1, 'orders.eu');
  served.clock.advance(5);
  await append(writer, 1, 'orders.us');
  await append(writer, 1, 'other');
  const first = await groupRead(reader, 'c', opts().uint(OptionTag.count, 10, 4), 'orders.*');
  assert.deepEqual(first.map((r) => [r.stream, r.sequence]), [['orders.eu', 1],
    ['orders.us', 1]]);
  reader.send(OpCode.STREAM_GROUP_READ, { key: 'orders.*', value: names('g', 'c').toBytes(),
    opts: opts().uint(OptionTag.block_ms, 60_000, 4) });
  await waitParked(served.server, 1);
  await append(writer, 1, 'orders.jp');
  const woken = readRecords(new BodyReader((await reader.raw.next()).body));
  assert.deepEqual(woken.map((r) => r.stream), ['orders.jp']);
  assertStatus(await writer.ask(OpCode.STREAM_GROUP_ACK, { key: 'orders.*',
    value: idsValue('g', '', [1]) }), Status.NOT_FOUND, undefined);
});

test('parked group reads are served first parked first; a closed one takes nothing; delete',
  async (t) => {
    const served = await serveFlo(t);
    const peers = [await served.peer(), await served.peer(), await served.peer()];
    const producer = await served.peer();
    const park = (peer: FloPeer, consumer: string) => peer.send(OpCode.STREAM_GROUP_READ, {
      key: 's', value: names('g', consumer).toBytes(),
      opts: opts().uint(OptionTag.block_ms, 60_000, 4) });
    park(peers[0]!, 'gone');
    await waitParked(served.server, 1);
    park(peers[1]!, 'first');
    await waitParked(served.server, 2);
    park(peers[2]!, 'second');
    await waitParked(served.server, 3);
    peers[0]!.raw.destroy();
    await waitParked(served.server, 2);
    await append(producer, 1);
    const got = readRecords(new BodyReader((await peers[1]!.raw.next()).body));
    assert.deepEqual(sequences(got), [1]);
    assert.deepEqual(await pending(producer), [[1, 1, 'first']], 'the closed one took nothing');
    assertStatus(await producer.ask(OpCode.STREAM_GROUP_DELETE, { key: 's',
      value: names('g').toBytes() }), Status.OK);
    assert.equal(hex((await peers[2]!.raw.next()).body), '00000000');
  });

test('the reply soft limit bounds reads and claims; what is left out is not delivered',
  async (t) => {
    const served = await serveFlo(t, { replyBytesSoft: 2048 });
    const peer = await served.peer();
    for (let index = 0; index < 4; index++) {
      await peer.okBody(OpCode.STREAM_APPEND, { key: 's', value: 'x'.repeat(900) });
    }
    const read = await groupRead(peer, 'a', opts().uint(OptionTag.count, 10, 4));
    assert.deepEqual(sequences(read), [1, 2]);
    assert.deepEqual((await pending(peer)).map(([sequence]) => sequence), [1, 2]);
    assert.deepEqual(sequences(await groupRead(peer, 'a', opts().uint(OptionTag.count, 10))),
      [3, 4]);
    served.clock.advance(10);
    const claim = names('g', 'b').u32(5).u64(0).u64(0).u32(0).toBytes();
    const reply = await peer.ask(OpCode.STREAM_GROUP_CLAIM, { key: 's', value: claim });
    assert.ok(reply.body.length <= 2048);
    const reader = new BodyReader(reply.body);
    assert.deepEqual(sequences(readRecords(reader)), [1, 2]);
    const next = [reader.u64(), reader.u64()];
    assert.equal(next[1], 3, 'the trailer points at the first entry left out');
    assert.deepEqual((await pending(peer)).map(([sequence, , consumer]) => [sequence, consumer]),
      [[1, 'b'], [2, 'b'], [3, 'a'], [4, 'a']]);
  });
