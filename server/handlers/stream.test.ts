// Conformance of the stream family (flo-wire.md §7.4) against startFloServer with the raw
// socket peer: one test per checklist item 98-111, then the append detection rule's edges,
// partitions, trim criteria, create/alter/delete/list with their errors and paging, parked
// reads (tail, deletion, a read that can never match), and the reply soft limit.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { BodyReader } from '../wire/body_reader.ts';
import { BodyWriter } from '../wire/body_writer.ts';
import { Status } from '../wire/frame.ts';
import { OpCode } from '../wire/opcodes.ts';
import { OptionTag } from '../wire/option_tags.ts';
import {
  assertStatus, hex, opts, pageValue, readRecords, serveFlo, text, waitParked, type FloPeer,
  type WireRecord,
} from '../testing/flo_peer.ts';

/** A batch-framed append value (§7.4.2). */
function batch(...records: Array<string | [string, Array<[string, string]>]>) {
  const body = new BodyWriter().u32(records.length);
  for (const record of records) {
    const [payload, headers] = typeof record === 'string' ? [record, []] : record;
    body.bytesU32(Buffer.from(payload)).u16(headers.length);
    for (const [name, value] of headers) body.bytesU16(Buffer.from(name))
      .bytesU16(Buffer.from(value));
  }
  return body.toBytes();
}

async function append(peer: FloPeer, value: string | Uint8Array, options = opts(), key = 's') {
  const reader = await peer.okBody(OpCode.STREAM_APPEND, { key, value, opts: options });
  assert.equal(reader.remaining, 16, 'the append reply is 16 bytes');
  return { sequence: reader.u64(), timestampMs: reader.i64() };
}

async function read(peer: FloPeer, options = opts(), key = 's'): Promise<WireRecord[]> {
  const reader = await peer.okBody(OpCode.STREAM_READ, { key, opts: options });
  const records = readRecords(reader);
  assert.ok(reader.atEnd);
  return records;
}

const sequences = (records: WireRecord[]): number[] => records.map((r) => r.sequence);
const idOption = (tag: number, timestampMs: number, sequence: number) =>
  opts().streamId(tag, { timestampMs, sequence });

test('item 98: a batch-framed append stores payloads and headers; READ returns both',
  async (t) => {
    const peer = await (await serveFlo(t)).peer();
    await append(peer, batch(['one', [['h1', 'v1'], ['h2', '']]], 'two'));
    const records = await read(peer);
    assert.deepEqual(records.map((r) => [r.sequence, r.payload, r.headers]),
      [[1, 'one', [['h1', 'v1'], ['h2', '']]], [2, 'two', []]]);
  });

test('item 99: a raw value is one record with that payload and no headers', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  await append(peer, 'hello, raw world');
  await append(peer, new Uint8Array(0));
  const notExact = Buffer.concat([batch('x'), Uint8Array.of(7)]);
  await append(peer, notExact);
  const records = await read(peer);
  assert.deepEqual(records.map((r) => [r.payload, r.headers.length]),
    [['hello, raw world', 0], ['', 0], [text(notExact), 0]]);
});

test('item 100: the append reply is 16 bytes, sequence first, then timestamp', async (t) => {
  const served = await serveFlo(t);
  const peer = await served.peer();
  await append(peer, 'a');
  const reply = await peer.ask(OpCode.STREAM_APPEND, { key: 's', value: 'b' });
  const expected = Buffer.alloc(16);
  expected.writeBigUInt64LE(2n, 0);
  expected.writeBigInt64LE(BigInt(served.clock.nowMs()), 8);
  assert.equal(hex(reply.body), hex(expected));
});

test('item 101: a new stream numbers records 1, 2, 3 with increasing StreamIDs', async (t) => {
  const served = await serveFlo(t);
  const peer = await served.peer();
  const ids = [];
  for (const payload of ['a', 'b', 'c']) {
    ids.push(await append(peer, payload));
    served.clock.advance(1);
  }
  ids.push(await append(peer, batch('d', 'e')));
  assert.deepEqual(ids.map((id) => id.sequence), [1, 2, 3, 4]);
  const records = await read(peer);
  assert.deepEqual(sequences(records), [1, 2, 3, 4, 5]);
  for (let index = 1; index < records.length; index++) {
    const [a, b] = [records[index - 1]!, records[index]!];
    assert.ok(a.timestampMs < b.timestampMs ||
      (a.timestampMs === b.timestampMs && a.sequence < b.sequence));
  }
});

test('item 102: an earlier ts_timestamp stores the previous record\'s timestamp', async (t) => {
  const served = await serveFlo(t);
  const peer = await served.peer();
  const first = await append(peer, 'a', opts().i64(OptionTag.ts_timestamp,
    served.clock.nowMs() + 5000));
  const second = await append(peer, 'b', opts().i64(OptionTag.ts_timestamp, 1000));
  assert.equal(second.timestampMs, first.timestampMs);
  const third = await append(peer, 'c', opts().i64(OptionTag.ts_timestamp, 0));
  assert.equal(third.timestampMs, first.timestampMs, '0 is server time, still not earlier');
});

test('item 103: stream_start at record 2\'s StreamID returns record 2 first', async (t) => {
  const served = await serveFlo(t);
  const peer = await served.peer();
  const ids = [];
  for (const payload of ['a', 'b', 'c']) {
    ids.push(await append(peer, payload));
    served.clock.advance(10);
  }
  const second = ids[1]!;
  const records = await read(peer, idOption(OptionTag.stream_start, second.timestampMs,
    second.sequence));
  assert.deepEqual(sequences(records), [2, 3]);
  assert.deepEqual(sequences(await read(peer, idOption(OptionTag.stream_start, 0, 3))), [3],
    'a bare sequence (timestamp 0) compares by sequence');
});

test('item 104: count, then limit when count is absent; 100 by default, at most 1 000',
  async (t) => {
    const peer = await (await serveFlo(t)).peer();
    for (let index = 0; index < 2; index++) {
      await append(peer, batch(...Array.from({ length: 600 }, () => 'r')));
    }
    assert.equal((await read(peer, opts().uint(OptionTag.count, 3, 4))).length, 3);
    assert.equal((await read(peer, opts().uint(OptionTag.limit, 5, 8))).length, 5);
    assert.equal((await read(peer, opts().uint(OptionTag.count, 2, 1)
      .uint(OptionTag.limit, 9, 4))).length, 2, 'count wins over limit');
    assert.equal((await read(peer)).length, 100);
    assert.equal((await read(peer, opts().uint(OptionTag.count, 0, 4))).length, 100);
    assert.equal((await read(peer, opts().uint(OptionTag.count, 5000, 4))).length, 1000);
  });

test('item 105: stream_end is inclusive', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  const ids = [];
  for (const payload of ['a', 'b', 'c', 'd']) ids.push(await append(peer, payload));
  const end = ids[2]!;
  assert.deepEqual(sequences(await read(peer, idOption(OptionTag.stream_end, end.timestampMs,
    end.sequence))), [1, 2, 3]);
});

test('item 106: reading a missing stream answers OK [count 0]', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  const reply = await peer.ask(OpCode.STREAM_READ, { key: 'nothing-here' });
  assertStatus(reply, Status.OK);
  assert.equal(hex(reply.body), '00000000');
});

test('item 107: stream_tail with block_ms returns a record appended after parking',
  async (t) => {
    const served = await serveFlo(t);
    const [reader, writer] = [await served.peer(), await served.peer()];
    await append(writer, 'before');
    const id = reader.send(OpCode.STREAM_READ, { key: 's',
      opts: opts().flag(OptionTag.stream_tail).uint(OptionTag.block_ms, 5000, 4) });
    await waitParked(served.server, 1);
    await append(writer, 'after');
    const reply = await reader.raw.next();
    assert.equal(reply.requestIdLo, id);
    assert.deepEqual(readRecords(new BodyReader(reply.body)).map((r) => r.payload), ['after']);
  });

test('item 108: every record has key_present 1, the stream name and u32 header lengths',
  async (t) => {
    const served = await serveFlo(t);
    const peer = await served.peer();
    await append(peer, batch(['p', [['k', 'vv']]]), opts(), 'orders');
    const reply = await peer.ask(OpCode.STREAM_READ, { key: 'orders' });
    const record = Buffer.alloc(8 + 8 + 1 + 4);
    record.writeBigUInt64LE(1n, 0);
    record.writeBigInt64LE(BigInt(served.clock.nowMs()), 8);
    assert.equal(hex(reply.body), '01000000' + hex(record) + '01' + '06000000' +
      hex(Buffer.from('orders')) + '01000000' + '70' + '01000000' + '01000000' + '6b' +
      '02000000' + '7676');
  });

test('item 109: TRIM with limit (u64) 2 of 5 removes 3, first_seq 4; dry_run removes nothing',
  async (t) => {
    const peer = await (await serveFlo(t)).peer();
    for (const payload of ['1', '2', '3', '4', '5']) await append(peer, payload);
    const trim = async (options: ReturnType<typeof opts>) => {
      const reply = await peer.ask(OpCode.STREAM_TRIM, { key: 's', opts: options });
      assertStatus(reply, Status.OK);
      assert.equal(reply.body.length, 16, 'exactly 16 bytes');
      const reader = new BodyReader(reply.body);
      return [reader.u64(), reader.u64()];
    };
    assert.deepEqual(await trim(opts().uint(OptionTag.limit, 2, 8).flag(OptionTag.dry_run)),
      [3, 4]);
    assert.equal((await read(peer)).length, 5, 'the dry run removed nothing');
    assert.deepEqual(await trim(opts().uint(OptionTag.limit, 2, 8)), [3, 4]);
    assert.deepEqual(sequences(await read(peer)), [4, 5]);
    assert.deepEqual(await trim(opts().streamId(OptionTag.stream_start,
      { timestampMs: 0, sequence: 5 })), [1, 5]);
    assert.deepEqual(await trim(opts().uint(OptionTag.retention_count, 0, 4)), [1, 0]);
    assertStatus(await peer.ask(OpCode.STREAM_TRIM, { key: 's', opts: opts()
      .flag(OptionTag.dry_run) }), Status.BAD_REQUEST, 'no trim criterion');
    assertStatus(await peer.ask(OpCode.STREAM_TRIM, { key: 'missing',
      opts: opts().uint(OptionTag.limit, 1) }), Status.NOT_FOUND);
  });

test('item 110: STREAM_INFO has the ids, count and partition_count in its 76 bytes',
  async (t) => {
    const served = await serveFlo(t);
    const peer = await served.peer();
    await peer.okBody(OpCode.STREAM_CREATE, { key: 's', value: Uint8Array.of(2, 0, 0, 0),
      opts: opts().uint(OptionTag.retention_age, 3600).uint(OptionTag.retention_count, 50)
        .uint(OptionTag.max_bytes, 1 << 20) });
    const first = await append(peer, 'aa', opts().uint(OptionTag.partition, 1, 4));
    served.clock.advance(7);
    const last = await append(peer, 'bbb', opts().uint(OptionTag.partition, 0, 4));
    const info = await peer.okBody(OpCode.STREAM_INFO, { key: 's' });
    assert.equal(info.remaining, 76);
    assert.deepEqual(Array.from({ length: 6 }, () => info.u64()),
      [first.timestampMs, 1, last.timestampMs, 2, 2, 5]);
    assert.deepEqual([info.u32(), info.u64(), info.u64(), info.u64()], [2, 3600, 50, 1 << 20]);
    const one = await peer.okBody(OpCode.STREAM_INFO, { key: 's',
      opts: opts().uint(OptionTag.partition, 1, 4) });
    assert.deepEqual(Array.from({ length: 6 }, () => one.u64()),
      [first.timestampMs, 1, first.timestampMs, 1, 1, 2]);
    assertStatus(await peer.ask(OpCode.STREAM_INFO, { key: 'missing' }), Status.NOT_FOUND);
  });

test('item 111: an append to a partition at or above partition_count is BAD_REQUEST',
  async (t) => {
    const peer = await (await serveFlo(t)).peer();
    await append(peer, 'implicit');
    assertStatus(await peer.ask(OpCode.STREAM_APPEND, { key: 's', value: 'x',
      opts: opts().uint(OptionTag.partition, 1, 4) }), Status.BAD_REQUEST);
    assertStatus(await peer.ask(OpCode.STREAM_READ, { key: 's',
      opts: opts().uint(OptionTag.partition, 1, 4) }), Status.BAD_REQUEST);
    assertStatus(await peer.ask(OpCode.STREAM_APPEND, { key: 's', value: 'x',
      opts: opts().add(OptionTag.partition, Buffer.alloc(3)) }), Status.BAD_REQUEST,
      'malformed option');
  });

test('appends: more than 1 000 framed records is BAD_REQUEST; partition_key picks by FNV-1a',
  async (t) => {
    const peer = await (await serveFlo(t)).peer();
    assertStatus(await peer.ask(OpCode.STREAM_APPEND, { key: 's',
      value: batch(...Array.from({ length: 1001 }, () => 'r')) }), Status.BAD_REQUEST);
    await peer.okBody(OpCode.STREAM_CREATE, { key: 'p', value: Uint8Array.of(4, 0, 0, 0) });
    // FNV-1a 32 of "abc" is 0x1a47e90b; modulo 4 that is partition 3.
    await append(peer, 'k', opts().add(OptionTag.partition_key, Buffer.from('abc')), 'p');
    await append(peer, 'rr1', opts().add(OptionTag.partition_key, new Uint8Array(0)), 'p');
    await append(peer, 'rr2', opts(), 'p');
    const records = await read(peer, opts(), 'p');
    assert.deepEqual(records.map((r) => [r.payload, r.partition]),
      [['k', 3], ['rr1', 0], ['rr2', 1]], 'an empty partition_key means round robin');
  });

test('create, alter, delete and list: statuses, messages, partitions and paging', async (t) => {
  const served = await serveFlo(t, { replyBytesSoft: 1024 });
  const peer = await served.peer();
  const ask = (opCode: number, spec: Parameters<FloPeer['ask']>[1]) => peer.ask(opCode, spec);
  assertStatus(await ask(OpCode.STREAM_CREATE, { key: 'b' }), Status.OK);
  assertStatus(await ask(OpCode.STREAM_CREATE, { key: 'b' }), Status.CONFLICT,
    'stream already exists');
  assertStatus(await ask(OpCode.STREAM_CREATE, { key: 'c', value: Uint8Array.of(1, 4, 0, 0) }),
    Status.BAD_REQUEST);
  assertStatus(await ask(OpCode.STREAM_CREATE, { key: 'c', value: Uint8Array.of(1, 0, 0) }),
    Status.BAD_REQUEST, 'malformed value');
  assertStatus(await ask(OpCode.STREAM_ALTER, { key: 'b', value: Uint8Array.of(3, 0, 0, 0) }),
    Status.OK);
  assertStatus(await ask(OpCode.STREAM_ALTER, { key: 'b', value: Uint8Array.of(2, 0, 0, 0) }),
    Status.BAD_REQUEST);
  assertStatus(await ask(OpCode.STREAM_ALTER, { key: 'zz' }), Status.NOT_FOUND);
  await append(peer, 'x', opts(), 'b');
  assertStatus(await ask(OpCode.STREAM_DELETE, { key: 'b' }), Status.CONFLICT,
    'stream is not empty');
  assertStatus(await ask(OpCode.STREAM_DELETE, { key: 'zz' }), Status.NOT_FOUND);
  for (const name of ['a', 'y'.repeat(700), 'c']) await append(peer, 'x', opts(), name);
  const list = async (value: Uint8Array, prefix = '') => {
    const reader = await peer.okBody(OpCode.STREAM_LIST, { key: prefix, value });
    const names: Array<[string, number]> = [];
    for (let count = reader.u32(); count > 0; count--) {
      names.push([text(reader.bytesU32()), reader.u32()]);
    }
    const hasMore = reader.u8();
    const cursor = reader.bytesU16();
    assert.ok(reader.atEnd);
    assert.equal(hasMore === 1, cursor.length > 0);
    return { names, cursor };
  };
  const first = await list(pageValue(2));
  assert.deepEqual(first.names, [['a', 1], ['b', 3]]);
  const second = await list(pageValue(0, first.cursor));
  assert.deepEqual(second.names, [['c', 1]], 'cut short by the 1 KiB soft limit');
  const third = await list(pageValue(0, second.cursor));
  assert.deepEqual(third.names, [['y'.repeat(700), 1]]);
  assert.equal(third.cursor.length, 0);
  assert.deepEqual((await list(new Uint8Array(0), 'b')).names, [['b', 3]]);
  assertStatus(await ask(OpCode.STREAM_LIST, { value: pageValue(0, Uint8Array.of(7)) }),
    Status.BAD_REQUEST, 'invalid cursor');
  assertStatus(await ask(OpCode.STREAM_DELETE, { key: 'b', opts: opts().flag(OptionTag.force) }),
    Status.OK);
  assertStatus(await ask(OpCode.STREAM_INFO, { key: 'b' }), Status.NOT_FOUND);
});

test('parked reads: deletion answers [count 0]; an end below the next sequence never waits',
  async (t) => {
    const served = await serveFlo(t);
    const [reader, writer] = [await served.peer(), await served.peer()];
    await append(writer, 'a');
    const quick = await reader.ask(OpCode.STREAM_READ, { key: 's', opts: idOption(
      OptionTag.stream_start, 0, 5).streamId(OptionTag.stream_end, { timestampMs: 0,
      sequence: 1 }).uint(OptionTag.block_ms, 60_000, 4) });
    assert.equal(hex(quick.body), '00000000', 'answered at once');
    reader.send(OpCode.STREAM_READ, { key: 's', opts: opts().flag(OptionTag.stream_tail)
      .uint(OptionTag.block_ms, 60_000, 4) });
    await waitParked(served.server, 1);
    assertStatus(await writer.ask(OpCode.STREAM_DELETE, { key: 's',
      opts: opts().flag(OptionTag.force) }), Status.OK);
    assert.equal(hex((await reader.raw.next()).body), '00000000');
  });

test('the reply soft limit cuts a read short; the first record always goes', async (t) => {
  const served = await serveFlo(t, { replyBytesSoft: 2048 });
  const peer = await served.peer();
  for (let index = 0; index < 4; index++) await append(peer, 'x'.repeat(900));
  assert.deepEqual(sequences(await read(peer)), [1, 2]);
  assert.deepEqual(sequences(await read(peer, idOption(OptionTag.stream_start, 0, 3))), [3, 4]);
  await append(peer, 'y'.repeat(3000), opts(), 'big');
  await append(peer, 'z', opts(), 'big');
  assert.deepEqual(sequences(await read(peer, opts(), 'big')), [1]);
});
