// Conformance of the queue family (flo-wire.md §7.3) against startFloServer with the raw
// socket peer: one test per checklist item 78-97 and item 37, then parked dequeues (wake-up
// from another connection, FIFO among competitors, replies overtaking a parked request, a
// closed connection taking nothing, the parked limit), the reply soft limit, option decoding
// (any width, first occurrence, bad widths, ranges) and value validation. Time-based items
// run on the engine's ManualClock: "within 2 s" becomes an exact clock advance.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { BodyReader } from '../wire/body_reader.ts';
import { Status } from '../wire/frame.ts';
import { OpCode } from '../wire/opcodes.ts';
import { OptionTag } from '../wire/option_tags.ts';
import {
  assertStatus, hex, opts, pageValue, serveFlo, text, u64List, waitParked, type FloPeer,
} from '../testing/flo_peer.ts';

interface Message {
  seq: number;
  payload: string;
  enqueuedAtMs: number;
  deliveryCount: number;
  priority: number;
}

function readMessages(reader: BodyReader): Message[] {
  const count = reader.u32();
  const out: Message[] = [];
  for (let index = 0; index < count; index++) {
    out.push({ seq: reader.u64(), payload: text(reader.bytesU32()), enqueuedAtMs: reader.i64(),
      deliveryCount: reader.u32(), priority: reader.u8() });
  }
  assert.ok(reader.atEnd, 'nothing follows the message list');
  return out;
}

async function enqueue(peer: FloPeer, payload: string, options = opts(), queue = 'q') {
  const reader = await peer.okBody(OpCode.QUEUE_ENQUEUE, { key: queue, value: payload,
    opts: options });
  assert.equal(reader.remaining, 8, 'the enqueue reply is [seq:u64]');
  return reader.u64();
}

async function dequeue(peer: FloPeer, options = opts(), queue = 'q'): Promise<Message[]> {
  return readMessages(await peer.okBody(OpCode.QUEUE_DEQUEUE, { key: queue, opts: options }));
}

const seqsOf = (messages: Message[]): number[] => messages.map((message) => message.seq);

async function seqOp(peer: FloPeer, opCode: number, seqs: number[], options = opts()) {
  const reply = await peer.ask(opCode, { key: 'q', value: u64List(seqs), opts: options });
  assertStatus(reply, Status.OK);
  assert.equal(reply.body.length, 0, 'seq-list ops reply empty');
}

async function stats(peer: FloPeer, queue = 'q'): Promise<number[]> {
  const reader = await peer.okBody(OpCode.QUEUE_STATS, { key: queue });
  assert.equal(reader.remaining, 72, 'nine u64 values');
  return Array.from({ length: 9 }, () => reader.u64());
}

test('item 78: the first seq of a new queue is 1 and seqs increase', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  assert.equal(await enqueue(peer, 'a'), 1);
  assert.equal(await enqueue(peer, 'b'), 2);
  assert.equal(await enqueue(peer, 'c', opts(), 'other'), 1, 'per queue');
  assert.equal(await enqueue(peer, 'd'), 3);
});

test('item 79: dequeue order is priority value ascending, then seq', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  await enqueue(peer, 'low-1', opts().uint(OptionTag.priority, 9, 1));
  await enqueue(peer, 'high-1', opts().uint(OptionTag.priority, 1, 1));
  await enqueue(peer, 'low-2', opts().uint(OptionTag.priority, 9, 1));
  await enqueue(peer, 'default');
  await enqueue(peer, 'high-2', opts().uint(OptionTag.priority, 1, 1));
  const got = await dequeue(peer, opts().uint(OptionTag.count, 10, 4));
  assert.deepEqual(got.map((message) => message.payload),
    ['default', 'high-1', 'high-2', 'low-1', 'low-2']);
});

test('item 80: each dequeued message carries the 13-byte trailer', async (t) => {
  const served = await serveFlo(t);
  const peer = await served.peer();
  const at = served.clock.nowMs();
  await enqueue(peer, 'xyz', opts().uint(OptionTag.priority, 7, 1));
  served.clock.advance(25);
  const reply = await peer.ask(OpCode.QUEUE_DEQUEUE, { key: 'q' });
  const trailer = Buffer.alloc(13);
  trailer.writeBigInt64LE(BigInt(at), 0);
  trailer.writeUInt32LE(1, 8);
  trailer[12] = 7;
  assert.equal(hex(reply.body), '01000000' + '0100000000000000' + '03000000' +
    hex(Buffer.from('xyz')) + hex(trailer));
});

test('item 81: dequeue on an empty queue without block_ms answers OK 00 00 00 00', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  const reply = await peer.ask(OpCode.QUEUE_DEQUEUE, { key: 'never-used' });
  assertStatus(reply, Status.OK);
  assert.equal(hex(reply.body), '00000000');
});

test('item 82: a parked dequeue is answered when another connection enqueues', async (t) => {
  const served = await serveFlo(t);
  const [consumer, producer] = [await served.peer(), await served.peer()];
  const id = consumer.send(OpCode.QUEUE_DEQUEUE, { key: 'q',
    opts: opts().uint(OptionTag.block_ms, 5000, 4) });
  await waitParked(served.server, 1);
  await enqueue(producer, 'wake');
  const reply = await consumer.raw.next();
  assert.equal(reply.requestIdLo, id);
  assert.deepEqual(readMessages(new BodyReader(reply.body)).map((m) => m.payload), ['wake']);
});

test('item 83: an unacked message leased for 500 ms comes back with delivery_count 2',
  async (t) => {
    const served = await serveFlo(t);
    const peer = await served.peer();
    await enqueue(peer, 'm');
    const first = await dequeue(peer, opts().uint(OptionTag.visibility_timeout_ms, 500, 4));
    assert.equal(first[0]!.deliveryCount, 1);
    served.clock.advance(499);
    assert.deepEqual(await dequeue(peer), [], 'still leased before its deadline');
    served.clock.advance(1);
    const again = await dequeue(peer);
    assert.deepEqual(again.map((m) => [m.seq, m.deliveryCount]), [[1, 2]]);
  });

test('item 84: after QUEUE_COMPLETE a message is never delivered again', async (t) => {
  const served = await serveFlo(t);
  const peer = await served.peer();
  await enqueue(peer, 'm');
  const [message] = await dequeue(peer, opts().uint(OptionTag.visibility_timeout_ms, 100, 4));
  await seqOp(peer, OpCode.QUEUE_COMPLETE, [message!.seq]);
  served.clock.advance(10_000);
  assert.deepEqual(await dequeue(peer), []);
  assert.equal((await stats(peer))[2], 1, 'acked');
});

test('item 85: QUEUE_FAIL returns the message to ready with delivery_count + 1', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  await enqueue(peer, 'm');
  await dequeue(peer);
  await seqOp(peer, OpCode.QUEUE_FAIL, [1]);
  assert.deepEqual((await dequeue(peer)).map((m) => m.deliveryCount), [2]);
  await seqOp(peer, OpCode.QUEUE_FAIL_AUTO, [1], opts().flag(OptionTag.send_to_dlq));
  assert.deepEqual((await dequeue(peer)).map((m) => m.deliveryCount), [3],
    'FAIL_AUTO ignores send_to_dlq');
});

test('item 86: QUEUE_FAIL with send_to_dlq moves the message to the DLQ', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  await enqueue(peer, 'doomed');
  await dequeue(peer);
  await seqOp(peer, OpCode.QUEUE_FAIL, [1], opts().uint(OptionTag.send_to_dlq, 1, 1));
  const dlq = readMessages(await peer.okBody(OpCode.QUEUE_DLQ_LIST, { key: 'q' }));
  assert.deepEqual(dlq.map((m) => [m.seq, m.payload, m.deliveryCount]), [[1, 'doomed', 1]]);
  const dlqStats = await peer.okBody(OpCode.QUEUE_DLQ_STATS, { key: 'q' });
  assert.deepEqual([dlqStats.u64(), dlqStats.u64()], [1, 1]);
  assert.ok(dlqStats.atEnd);
});

test('item 87: max_retries 0 sends the message to the DLQ at its first nack', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  await enqueue(peer, 'once', opts().uint(OptionTag.max_retries, 0, 1));
  await dequeue(peer);
  await seqOp(peer, OpCode.QUEUE_FAIL, [1]);
  assert.deepEqual(await dequeue(peer), []);
  assert.equal(readMessages(await peer.okBody(OpCode.QUEUE_DLQ_LIST, { key: 'q' })).length, 1);
});

test('item 88: by default the nack after the 10th delivery dead-letters', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  await enqueue(peer, 'm');
  for (let delivery = 1; delivery <= 10; delivery++) {
    assert.deepEqual((await dequeue(peer)).map((m) => m.deliveryCount), [delivery]);
    await seqOp(peer, OpCode.QUEUE_FAIL, [1]);
  }
  assert.deepEqual(await dequeue(peer), []);
  const dlq = readMessages(await peer.okBody(OpCode.QUEUE_DLQ_LIST, { key: 'q' }));
  assert.deepEqual(dlq.map((m) => m.deliveryCount), [10]);
});

test('item 89: after QUEUE_DLQ_REQUEUE the message is delivered with delivery_count 1',
  async (t) => {
    const peer = await (await serveFlo(t)).peer();
    await enqueue(peer, 'm', opts().uint(OptionTag.max_retries, 0, 1));
    await dequeue(peer);
    await seqOp(peer, OpCode.QUEUE_FAIL, [1]);
    await seqOp(peer, OpCode.QUEUE_DLQ_REQUEUE, [1]);
    assert.deepEqual((await dequeue(peer)).map((m) => [m.seq, m.deliveryCount]), [[1, 1]]);
    await seqOp(peer, OpCode.QUEUE_FAIL, [1], opts().flag(OptionTag.send_to_dlq));
    await seqOp(peer, OpCode.QUEUE_DLQ_DELETE, [1]);
    assert.equal(readMessages(await peer.okBody(OpCode.QUEUE_DLQ_LIST, { key: 'q' })).length, 0);
  });

test('item 90: delay_ms 300 is not ready at 100 ms and is at 1 500 ms', async (t) => {
  const served = await serveFlo(t);
  const peer = await served.peer();
  await enqueue(peer, 'later', opts().uint(OptionTag.delay_ms, 300, 8));
  served.clock.advance(100);
  assert.deepEqual(await dequeue(peer), []);
  assert.equal((await stats(peer))[6], 1, 'the wire `ready` counts delayed messages');
  served.clock.advance(1400);
  assert.deepEqual((await dequeue(peer)).map((m) => m.payload), ['later']);
});

test('item 91: the same dedup_key within 5 minutes returns the same seq', async (t) => {
  const served = await serveFlo(t);
  const peer = await served.peer();
  const key = opts().add(OptionTag.dedup_key, Buffer.from('order-7'));
  assert.equal(await enqueue(peer, 'first', key), 1);
  served.clock.advance(299_000);
  assert.equal(await enqueue(peer, 'second', opts().add(OptionTag.dedup_key,
    Buffer.from('order-7'))), 1);
  const all = await dequeue(peer, opts().uint(OptionTag.count, 10, 4));
  assert.deepEqual(all.map((m) => m.payload), ['first'], 'the queue holds one message');
  assert.equal((await stats(peer))[0], 1, 'dedup hits are not counted as enqueued');
});

for (const [item, opCode] of [[92, OpCode.QUEUE_TOUCH], [93, OpCode.QUEUE_EXTEND_LEASE]]) {
  test(`item ${item}: ${opCode === OpCode.QUEUE_TOUCH ? 'QUEUE_TOUCH' : 'QUEUE_EXTEND_LEASE'} ` +
    'with extend_ms 2 000 keeps a 500 ms lease from redelivery within 1 500 ms', async (t) => {
    const served = await serveFlo(t);
    const peer = await served.peer();
    await enqueue(peer, 'm');
    await dequeue(peer, opts().uint(OptionTag.visibility_timeout_ms, 500, 4));
    served.clock.advance(100);
    await seqOp(peer, opCode!, [1], opts().uint(OptionTag.extend_ms, 2000, 4));
    served.clock.advance(1400);
    assert.deepEqual(await dequeue(peer), [], 'not redelivered at 1 500 ms');
    served.clock.advance(700);
    assert.deepEqual((await dequeue(peer)).map((m) => m.deliveryCount), [2]);
  });
}

test('item 94: QUEUE_PEEK returns ready messages without leasing them', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  for (const payload of ['a', 'b', 'c']) await enqueue(peer, payload);
  const peeked = readMessages(await peer.okBody(OpCode.QUEUE_PEEK, { key: 'q',
    opts: opts().uint(OptionTag.count, 2, 4).uint(OptionTag.block_ms, 5000, 4) }));
  assert.deepEqual(peeked.map((m) => [m.payload, m.deliveryCount]), [['a', 0], ['b', 0]]);
  assert.deepEqual(readMessages(await peer.okBody(OpCode.QUEUE_PEEK, { key: 'q' }))
    .map((m) => m.payload), ['a'], 'count defaults to 1');
  assert.equal((await stats(peer))[7], 0, 'nothing leased');
  assert.equal((await dequeue(peer, opts().uint(OptionTag.count, 5, 4))).length, 3);
});

test('item 95: QUEUE_STATS is 72 bytes and its counters follow the operations', async (t) => {
  const served = await serveFlo(t);
  const peer = await served.peer();
  assert.deepEqual(await stats(peer, 'never-used'), [0, 0, 0, 0, 0, 0, 0, 0, 0]);
  for (const payload of ['a', 'b', 'c', 'd']) await enqueue(peer, payload);
  await enqueue(peer, 'delayed', opts().uint(OptionTag.delay_ms, 60_000, 8));
  await dequeue(peer, opts().uint(OptionTag.count, 3, 4)
    .uint(OptionTag.visibility_timeout_ms, 100, 4));
  await seqOp(peer, OpCode.QUEUE_COMPLETE, [1]);
  await seqOp(peer, OpCode.QUEUE_FAIL, [2], opts().flag(OptionTag.send_to_dlq));
  served.clock.advance(100); // seq 3's lease expires
  // enqueued, dequeued, acked, nacked, dlq_total, leases_expired, ready, leased, dlq_current
  assert.deepEqual(await stats(peer), [5, 3, 1, 1, 1, 1, 3, 0, 1]);
});

test('item 96: QUEUE_DEQUEUE with count 500 returns at most 100', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  const batch = Buffer.alloc(4 + 150 * 5);
  batch.writeUInt32LE(150, 0);
  for (let index = 0; index < 150; index++) batch.writeUInt32LE(1, 4 + index * 5);
  const reply = await peer.okBody(OpCode.QUEUE_BATCH_ENQUEUE, { key: 'q', value: batch });
  assert.equal(reply.u32(), 150);
  assert.equal((await dequeue(peer, opts().uint(OptionTag.count, 500, 4))).length, 100);
});

test('item 97: COMPLETE, FAIL and the other seq ops of unknown seqs answer OK', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  for (const opCode of [OpCode.QUEUE_COMPLETE, OpCode.QUEUE_FAIL, OpCode.QUEUE_FAIL_AUTO,
    OpCode.QUEUE_TOUCH, OpCode.QUEUE_EXTEND_LEASE, OpCode.QUEUE_DLQ_REQUEUE,
    OpCode.QUEUE_DLQ_DELETE]) {
    await seqOp(peer, opCode, [1, 42, 2 ** 53 + 10]);
    await seqOp(peer, opCode, []);
  }
  await enqueue(peer, 'ready');
  await seqOp(peer, OpCode.QUEUE_FAIL, [1]);
  assert.deepEqual((await dequeue(peer)).map((m) => m.deliveryCount), [1], 'not leased: ignored');
});

test('item 37: closing a connection with a parked dequeue leases nothing', async (t) => {
  const served = await serveFlo(t);
  const [leaving, producer, next] = [await served.peer(), await served.peer(),
    await served.peer()];
  leaving.send(OpCode.QUEUE_DEQUEUE, { key: 'q', opts: opts().uint(OptionTag.block_ms, 60_000) });
  await waitParked(served.server, 1);
  leaving.raw.destroy();
  await waitParked(served.server, 0);
  assert.equal(served.flo.queue.parkedCount, 0, 'the engine dropped the waiter');
  await enqueue(producer, 'for the next one');
  assert.deepEqual((await dequeue(next)).map((m) => [m.payload, m.deliveryCount]),
    [['for the next one', 1]]);
  assert.deepEqual((await stats(producer)).slice(0, 2), [1, 1], 'one delivery in all');
});

test('competing parked dequeues are served first parked, first served', async (t) => {
  const served = await serveFlo(t);
  const peers = [await served.peer(), await served.peer(), await served.peer()];
  for (const [index, peer] of peers.entries()) {
    peer.send(OpCode.QUEUE_DEQUEUE, { key: 'q', opts: opts().uint(OptionTag.block_ms, 60_000)
      .uint(OptionTag.count, 2, 1) });
    await waitParked(served.server, index + 1);
  }
  const producer = await served.peer();
  const batch = Buffer.alloc(4 + 3 * 5);
  batch.writeUInt32LE(3, 0);
  for (let index = 0; index < 3; index++) batch.writeUInt32LE(1, 4 + index * 5);
  await producer.okBody(OpCode.QUEUE_BATCH_ENQUEUE, { key: 'q', value: batch });
  const first = readMessages(new BodyReader((await peers[0]!.raw.next()).body));
  const second = readMessages(new BodyReader((await peers[1]!.raw.next()).body));
  assert.deepEqual([seqsOf(first), seqsOf(second)], [[1, 2], [3]]);
  assert.equal(peers[2]!.raw.queued, 0, 'the third still waits');
  await enqueue(producer, 'four');
  assert.deepEqual(seqsOf(readMessages(new BodyReader((await peers[2]!.raw.next()).body))), [4]);
});

test('replies to later requests overtake a parked dequeue; its timeout is OK count 0',
  async (t) => {
    const served = await serveFlo(t);
    const peer = await served.peer();
    const parkedId = peer.send(OpCode.QUEUE_DEQUEUE, { key: 'q',
      opts: opts().uint(OptionTag.block_ms, 1000, 2) });
    const pingId = peer.send(OpCode.PING, { emptyPayload: true });
    const enqueueId = peer.send(OpCode.QUEUE_ENQUEUE, { key: 'other', value: 'x' });
    const [ping, enqueued] = await peer.raw.take(2);
    assert.deepEqual([ping!.requestIdLo, enqueued!.requestIdLo], [pingId, enqueueId]);
    await waitParked(served.server, 1);
    served.clock.advance(1000);
    const timedOut = await peer.raw.next();
    assert.equal(timedOut.requestIdLo, parkedId);
    assertStatus(timedOut, Status.OK);
    assert.equal(hex(timedOut.body), '00000000');
  });

test('past the parked limit a blocking dequeue gets its timeout outcome at once', async (t) => {
  const served = await serveFlo(t, { parkedMax: 1 });
  const peer = await served.peer();
  peer.send(OpCode.QUEUE_DEQUEUE, { key: 'q', opts: opts().uint(OptionTag.block_ms, 60_000) });
  await waitParked(served.server, 1);
  const refused = await peer.ask(OpCode.QUEUE_DEQUEUE, { key: 'q',
    opts: opts().uint(OptionTag.block_ms, 60_000) });
  assert.equal(hex(refused.body), '00000000');
  assert.equal(served.flo.queue.parkedCount, 1, 'the refused one did not park in the engine');
  const producer = await served.peer();
  await enqueue(producer, 'x');
  assert.equal(readMessages(new BodyReader((await peer.raw.next()).body)).length, 1);
});

test('the reply soft limit cuts dequeue, peek and the DLQ listing; dequeue leases no more',
  async (t) => {
    const served = await serveFlo(t, { replyBytesSoft: 2048 });
    const peer = await served.peer();
    const big = 'x'.repeat(900);
    for (let index = 0; index < 5; index++) await enqueue(peer, big);
    const peeked = readMessages(await peer.okBody(OpCode.QUEUE_PEEK, { key: 'q',
      opts: opts().uint(OptionTag.count, 10, 1) }));
    assert.equal(peeked.length, 2, '4 + 2 × 925 bytes fit 2 048, a third would not');
    const taken = await dequeue(peer, opts().uint(OptionTag.count, 10, 1));
    assert.deepEqual(seqsOf(taken), [1, 2]);
    assert.equal((await stats(peer))[7], 2, 'only what the reply carried was leased');
    await seqOp(peer, OpCode.QUEUE_FAIL, [1, 2], opts().flag(OptionTag.send_to_dlq));
    const dlq = readMessages(await peer.okBody(OpCode.QUEUE_DLQ_LIST, { key: 'q' }));
    assert.deepEqual(seqsOf(dlq), [1, 2]);
    await enqueue(peer, 'y'.repeat(4000), opts(), 'big');
    await enqueue(peer, 'z', opts(), 'big');
    const alone = await dequeue(peer, opts().uint(OptionTag.count, 10, 1), 'big');
    assert.equal(alone.length, 1, 'one item always goes, even past the limit');
  });

test('options: any integer width, the first occurrence wins, bad widths and ranges fail',
  async (t) => {
    const peer = await (await serveFlo(t)).peer();
    await enqueue(peer, 'p2', opts().uint(OptionTag.priority, 2, 8).uint(OptionTag.priority, 0, 1));
    await enqueue(peer, 'p1', opts().uint(OptionTag.priority, 1, 2));
    assert.deepEqual((await dequeue(peer, opts().uint(OptionTag.count, 2, 8)))
      .map((m) => [m.payload, m.priority]), [['p1', 1], ['p2', 2]]);
    const bad = async (opCode: number, options: ReturnType<typeof opts>, prefix: string) =>
      assertStatus(await peer.ask(opCode, { key: 'q', value: u64List([]), opts: options }),
        Status.BAD_REQUEST, prefix);
    await bad(OpCode.QUEUE_DEQUEUE, opts().add(OptionTag.count, Buffer.alloc(3)),
      'malformed option');
    await bad(OpCode.QUEUE_ENQUEUE, opts().add(OptionTag.delay_ms, Buffer.alloc(5)),
      'malformed option');
    await bad(OpCode.QUEUE_FAIL, opts().add(OptionTag.send_to_dlq, Buffer.alloc(2)),
      'malformed option');
    await bad(OpCode.QUEUE_DEQUEUE, opts().uint(OptionTag.block_ms, 300_001, 4), '0x17');
    await bad(OpCode.QUEUE_DEQUEUE, opts().uint(OptionTag.visibility_timeout_ms, 43_200_001, 4),
      '');
    await bad(OpCode.QUEUE_ENQUEUE, opts().uint(OptionTag.priority, 256, 2), '');
    await bad(OpCode.QUEUE_ENQUEUE, opts().uint(OptionTag.max_retries, 256, 2), '');
    await bad(OpCode.QUEUE_ENQUEUE, opts().uint(OptionTag.delay_ms, 2_592_000_001, 8), '');
    await bad(OpCode.QUEUE_TOUCH, opts().uint(OptionTag.extend_ms, 43_200_001, 4), '');
    // Options an op does not use are not validated (§4.2).
    assertStatus(await peer.ask(OpCode.QUEUE_STATS, { key: 'q',
      opts: opts().add(OptionTag.count, Buffer.alloc(3)) }), Status.OK);
  });

test('values: seq lists, batches, names and the extension in the value are checked',
  async (t) => {
    const served = await serveFlo(t);
    const peer = await served.peer();
    const status = async (opCode: number, spec: Parameters<FloPeer['ask']>[1]) =>
      (await peer.ask(opCode, spec));
    assertStatus(await status(OpCode.QUEUE_COMPLETE, { key: 'q',
      value: u64List([1, 2]).subarray(0, 19) }), Status.BAD_REQUEST, 'malformed value');
    const tooMany = Buffer.alloc(4);
    tooMany.writeUInt32LE(10_001, 0);
    assertStatus(await status(OpCode.QUEUE_COMPLETE, { key: 'q', value: tooMany }),
      Status.BAD_REQUEST);
    assertStatus(await status(OpCode.QUEUE_BATCH_ENQUEUE, { key: 'q', value: u64List([]) }),
      Status.BAD_REQUEST);
    assertStatus(await status(OpCode.QUEUE_BATCH_ENQUEUE, { key: 'q',
      value: Uint8Array.of(1, 0, 0, 0, 9, 0, 0, 0, 1) }), Status.BAD_REQUEST, 'malformed value');
    assertStatus(await status(OpCode.QUEUE_BATCH_ENQUEUE, { key: 'q',
      value: Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0),
      opts: opts().add(OptionTag.dedup_key, Buffer.from('k')) }), Status.BAD_REQUEST);
    assertStatus(await status(OpCode.QUEUE_ENQUEUE, { key: Uint8Array.of(0xff, 0xfe),
      value: 'x' }), Status.BAD_REQUEST, 'invalid queue name');
    assertStatus(await status(OpCode.QUEUE_ENQUEUE, { key: '', value: 'x' }), Status.BAD_REQUEST);
    assertStatus(await status(OpCode.QUEUE_ENQUEUE, { key: 'a\u0000b', value: 'x' }),
      Status.BAD_REQUEST);
    // EXTEND_LEASE may carry [extend_ms:u32] after the seq list (§7.3.5).
    await enqueue(peer, 'm');
    await dequeue(peer, opts().uint(OptionTag.visibility_timeout_ms, 500, 4));
    const withExtension = Buffer.concat([u64List([1]), Uint8Array.of(0xd0, 0x07, 0, 0)]);
    assertStatus(await status(OpCode.QUEUE_EXTEND_LEASE, { key: 'q', value: withExtension }),
      Status.OK);
    served.clock.advance(1900);
    assert.deepEqual(await dequeue(peer), [], 'extended by 2 000 ms from the value');
  });

test('QUEUE_PROMOTE_DUE, QUEUE_PURGE and QUEUE_LIST answer their layouts; LIST pages',
  async (t) => {
    const served = await serveFlo(t, { replyBytesSoft: 1024 });
    const peer = await served.peer();
    await enqueue(peer, 'd', opts().uint(OptionTag.delay_ms, 60_000));
    assert.equal((await peer.okBody(OpCode.QUEUE_PROMOTE_DUE, { key: 'q' })).u64(), 0);
    served.clock.advance(60_000 - 1);
    await enqueue(peer, 'r');
    assert.equal((await peer.okBody(OpCode.QUEUE_PURGE, { key: 'q' })).u64(), 2);
    assert.equal(await enqueue(peer, 'after purge'), 3, 'the seq counter is kept');
    for (const name of ['b', 'a', 'c', 'x'.repeat(600)]) await enqueue(peer, 'm', opts(), name);
    await enqueue(peer, 'm', opts(), 'elsewhere');
    const list = async (value: Uint8Array, prefix = '') => {
      const reader = await peer.okBody(OpCode.QUEUE_LIST, { key: prefix, value });
      const names: string[] = [];
      for (let count = reader.u32(); count > 0; count--) {
        names.push(text(reader.bytesU32()));
        assert.equal(text(reader.bytesU32()), 'default');
        const [pending, available] = [reader.u64(), reader.u64(), reader.u64(), reader.u64(),
          reader.u64()];
        assert.equal(pending, available);
      }
      const hasMore = reader.u8();
      const cursor = reader.bytesU16();
      assert.ok(reader.atEnd);
      assert.equal(hasMore === 1, cursor.length > 0);
      return { names, cursor };
    };
    const page = pageValue;
    const first = await list(page(2));
    assert.deepEqual(first.names, ['a', 'b']);
    const second = await list(page(0, first.cursor));
    assert.deepEqual(second.names, ['c', 'elsewhere', 'q'], 'cut by the 1 KiB soft limit');
    const third = await list(page(0, second.cursor));
    assert.deepEqual(third.names, ['x'.repeat(600)]);
    assert.equal(third.cursor.length, 0);
    assert.deepEqual((await list(new Uint8Array(0), 'e')).names, ['elsewhere']);
    assertStatus(await peer.ask(OpCode.QUEUE_LIST, { value: Uint8Array.of(1, 2) }),
      Status.BAD_REQUEST);
    assertStatus(await peer.ask(OpCode.QUEUE_LIST, { value: page(0, Uint8Array.of(9, 9)) }),
      Status.BAD_REQUEST, 'invalid cursor');
  });
