// Conformance of the KV family (flo-wire.md §7.2) against startFloServer with the raw socket
// peer: one test per checklist item 48-67 and 70-72 (transactions and parked gets have their
// own files), then what the items leave out: reserved prefixes on every key-addressed op,
// KV_MGET and KV_SCAN; the legacy scan form and keys_only; the reply soft limit (MGET refused,
// SCAN and HISTORY cut); option decoding (any width, first occurrence wins, bad widths) and
// value validation. TTLs run on the engine's ManualClock: "300 ms later" is a clock advance.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { BodyReader } from '../wire/body_reader.ts';
import { BodyWriter } from '../wire/body_writer.ts';
import { Status } from '../wire/frame.ts';
import { OpCode } from '../wire/opcodes.ts';
import { OptionTag } from '../wire/option_tags.ts';
import type { OptionsWriter } from '../wire/options.ts';
import {
  assertStatus, hex, opts, pageValue, serveFlo, text, type FloPeer,
} from '../testing/flo_peer.ts';

async function put(peer: FloPeer, key: string, value: string, options = opts()) {
  const reader = await peer.okBody(OpCode.KV_PUT, { key, value, opts: options });
  assert.equal(reader.remaining, 8, 'the put reply is [version:u64]');
  return reader.u64();
}

async function get(peer: FloPeer, key: string, options?: OptionsWriter) {
  const reply = await peer.ask(OpCode.KV_GET, { key, ...(options ? { opts: options } : {}) });
  if (reply.status === Status.NOT_FOUND) {
    assert.equal(reply.body.length, 0, 'NOT_FOUND to a KV op has an empty body');
    return null;
  }
  assertStatus(reply, Status.OK);
  const reader = new BodyReader(reply.body);
  return { version: reader.u64(), value: text(reader.rest()) };
}

interface ScanPage {
  entries: Array<[string, string]>;
  hasMore: boolean;
  cursor: Uint8Array;
}

function readScan(reader: BodyReader): ScanPage {
  const entries: Array<[string, string]> = [];
  for (let count = reader.u32(); count > 0; count--) {
    entries.push([text(reader.bytesU16()), text(reader.bytesU32())]);
  }
  const hasMore = reader.u8() === 1;
  const cursor = reader.bytesU16();
  assert.ok(reader.atEnd, 'nothing follows the trailer');
  return { entries, hasMore, cursor };
}

const scan = async (peer: FloPeer, prefix: string, value: Uint8Array, options = opts()) =>
  readScan(await peer.okBody(OpCode.KV_SCAN, { key: prefix, value, opts: options }));

const u64Value = (value: number): Uint8Array => new BodyWriter(8).u64(value).toBytes();
const i64Value = (value: number): Uint8Array => new BodyWriter(8).i64(value).toBytes();

function mgetValue(keys: readonly string[]): Uint8Array {
  const writer = new BodyWriter().u16(keys.length);
  for (const key of keys) writer.bytesU16(Buffer.from(key));
  return writer.toBytes();
}

test('items 48-50: versions start at 1, increase on any key, and GET returns the last put',
  async (t) => {
    const peer = await (await serveFlo(t)).peer();
    assert.equal(await put(peer, 'a', 'one'), 1);
    assert.equal(await put(peer, 'b', 'two'), 2);
    assert.equal(await put(peer, 'a', 'three'), 3);
    assert.deepEqual(await get(peer, 'a'), { version: 3, value: 'three' });
    assert.deepEqual(await get(peer, 'b'), { version: 2, value: 'two' });
    assert.equal(await put(peer, 'empty', ''), 4, 'an empty value is a value');
    assert.deepEqual(await get(peer, 'empty'), { version: 4, value: '' });
  });

test('item 51: KV_GET of a missing key is NOT_FOUND with an empty body', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  assert.equal(await get(peer, 'missing'), null);
  assert.equal(await get(peer, 'missing', opts().uint(OptionTag.limit, 3)), null);
});

test('items 52-54: cas_version, cas_version 0, if_not_exists and if_exists', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  const cas = (version: number) => opts().uint(OptionTag.cas_version, version);
  assert.equal(await put(peer, 'k', 'a', cas(0)), 1, 'cas 0 on a missing key');
  assertStatus(await peer.ask(OpCode.KV_PUT, { key: 'k', value: 'b', opts: cas(0) }),
    Status.CONFLICT);
  assertStatus(await peer.ask(OpCode.KV_PUT, { key: 'k', value: 'b', opts: cas(5) }),
    Status.CONFLICT, 'cas version mismatch');
  assert.deepEqual(await get(peer, 'k'), { version: 1, value: 'a' }, 'unchanged');
  assert.equal(await put(peer, 'k', 'b', cas(1)), 2);
  assertStatus(await peer.ask(OpCode.KV_PUT, { key: 'k', value: 'c',
    opts: opts().flag(OptionTag.if_not_exists) }), Status.CONFLICT);
  assertStatus(await peer.ask(OpCode.KV_PUT, { key: 'new', value: 'c',
    opts: opts().flag(OptionTag.if_exists) }), Status.CONFLICT);
  assert.equal(await get(peer, 'new'), null);
  assert.equal(await put(peer, 'k', 'c', opts().uint(OptionTag.if_exists, 1, 1)), 3,
    'a flag given as one non-zero byte');
  assert.equal(await put(peer, 'k', 'c', opts().uint(OptionTag.if_not_exists, 0, 1)
    .flag(OptionTag.if_exists)), 4, 'a flag byte of 0 is unset');
  assertStatus(await peer.ask(OpCode.KV_PUT, { key: 'x', value: 'c',
    opts: opts().flag(OptionTag.if_exists).flag(OptionTag.if_not_exists) }),
  Status.BAD_REQUEST);
});

test('items 55-57: ttl_ms expires, a put without ttl removes it, touch and persist', async (t) => {
  const { clock, peer: connect } = await serveFlo(t);
  const peer = await connect();
  await put(peer, 'ttl', 'v', opts().uint(OptionTag.ttl_ms, 200, 4));
  clock.advance(199);
  assert.equal((await get(peer, 'ttl'))?.value, 'v');
  clock.advance(101);
  assert.equal(await get(peer, 'ttl'), null, 'item 55: missing 300 ms later');
  await put(peer, 'kept', 'v', opts().uint(OptionTag.ttl_ms, 200));
  await put(peer, 'kept', 'w');
  clock.advance(1000);
  assert.equal((await get(peer, 'kept'))?.value, 'w', 'item 56: the put removed the TTL');
  const version = await put(peer, 'touched', 'v', opts().uint(OptionTag.ttl_ms, 200));
  assertStatus(await peer.ask(OpCode.KV_TOUCH, { key: 'touched', value: u64Value(0) }),
    Status.OK);
  clock.advance(1000);
  assert.deepEqual(await get(peer, 'touched'), { version, value: 'v' }, 'item 57');
  assertStatus(await peer.ask(OpCode.KV_TOUCH, { key: 'touched', value: Buffer.alloc(4) }),
    Status.BAD_REQUEST);
  assertStatus(await peer.ask(OpCode.KV_TOUCH, { key: 'touched', value: u64Value(100) }),
    Status.OK);
  clock.advance(50);
  assertStatus(await peer.ask(OpCode.KV_PERSIST, { key: 'touched' }), Status.OK);
  clock.advance(1000);
  assert.deepEqual(await get(peer, 'touched'), { version, value: 'v' }, 'persist kept it');
  assertStatus(await peer.ask(OpCode.KV_TOUCH, { key: 'gone', value: u64Value(5) }),
    Status.NOT_FOUND);
  assertStatus(await peer.ask(OpCode.KV_PERSIST, { key: 'gone' }), Status.NOT_FOUND);
  assertStatus(await peer.ask(OpCode.KV_PERSIST, { key: 'touched',
    opts: opts().uint(OptionTag.cas_version, version + 1) }), Status.CONFLICT);
});

test('items 58-59: delete and exists (with and without cas_version)', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  const missing = await peer.ask(OpCode.KV_DELETE, { key: 'k' });
  assert.deepEqual([missing.status, missing.body.length], [Status.NOT_FOUND, 0]);
  const version = await put(peer, 'k', 'v');
  const exists = await peer.okBody(OpCode.KV_EXISTS, { key: 'k' });
  assert.equal(hex(exists.rest()), hex(u64Value(version)) + '01');
  assertStatus(await peer.ask(OpCode.KV_DELETE, { key: 'k',
    opts: opts().uint(OptionTag.cas_version, version + 1) }), Status.CONFLICT);
  const deleted = await peer.ask(OpCode.KV_DELETE, { key: 'k',
    opts: opts().uint(OptionTag.cas_version, version) });
  assert.deepEqual([deleted.status, deleted.body.length], [Status.OK, 0]);
  assert.equal(await get(peer, 'k'), null);
  const absent = await peer.okBody(OpCode.KV_EXISTS, { key: 'k' });
  assert.equal(hex(absent.rest()), '00'.repeat(9), 'nine zero bytes');
  assertStatus(await peer.ask(OpCode.KV_DELETE, { key: 'k',
    opts: opts().uint(OptionTag.cas_version, version) }), Status.NOT_FOUND);
});

test('items 60-61: incr from a missing key, negative deltas, non-counters', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  const incr = async (key: string, value?: Uint8Array) => {
    const reader = await peer.okBody(OpCode.KV_INCR, { key, ...(value ? { value } : {}) });
    assert.equal(reader.remaining, 16, 'the incr reply is 16 bytes');
    return [reader.u64(), reader.i64()];
  };
  assert.deepEqual(await incr('n'), [1, 1]);
  assert.deepEqual(await incr('n', i64Value(-5)), [2, -4]);
  const stored = await peer.okBody(OpCode.KV_GET, { key: 'n' });
  assert.equal(stored.u64(), 2);
  assert.equal(hex(stored.rest()), hex(i64Value(-4)), 'stored as 8 bytes, i64 LE');
  await put(peer, 'three', 'abc');
  assertStatus(await peer.ask(OpCode.KV_INCR, { key: 'three' }), Status.BAD_REQUEST,
    'value is not a counter');
  assertStatus(await peer.ask(OpCode.KV_INCR, { key: 'n', value: Buffer.alloc(4) }),
    Status.BAD_REQUEST);
  const max = Buffer.alloc(8);
  max.writeBigInt64LE(2n ** 63n - 1n);
  assertStatus(await peer.ask(OpCode.KV_INCR, { key: 'n', value: max }), Status.OK);
  assertStatus(await peer.ask(OpCode.KV_INCR, { key: 'n', value: i64Value(5) }),
    Status.BAD_REQUEST, 'counter overflow');
  const after = await peer.okBody(OpCode.KV_GET, { key: 'n' });
  assert.equal(after.u64(), 4, 'an overflow changes nothing');
});

test('items 62-63: mget in request order with duplicates; 0 or 257 keys are refused',
  async (t) => {
    const peer = await (await serveFlo(t)).peer();
    const va = await put(peer, 'a', 'x');
    const reader = await peer.okBody(OpCode.KV_MGET, { value: mgetValue(['a', 'zz', 'a']) });
    const entries = [];
    for (let count = reader.u32(); count > 0; count--) {
      entries.push([reader.u8(), text(reader.bytesU16()), reader.u64(), text(reader.bytesU32())]);
    }
    assert.ok(reader.atEnd);
    assert.deepEqual(entries, [[0, 'a', va, 'x'], [2, 'zz', 0, ''], [0, 'a', va, 'x']]);
    assertStatus(await peer.ask(OpCode.KV_MGET, { value: mgetValue([]) }), Status.BAD_REQUEST);
    const many = Array.from({ length: 257 }, (_, index) => `k${index}`);
    assertStatus(await peer.ask(OpCode.KV_MGET, { value: mgetValue(many) }), Status.BAD_REQUEST);
    assertStatus(await peer.ask(OpCode.KV_MGET, { value: mgetValue(many.slice(0, 256)) }),
      Status.OK);
    assertStatus(await peer.ask(OpCode.KV_MGET, { value: mgetValue(['a', '']) }),
      Status.BAD_REQUEST, 'key is required');
    assertStatus(await peer.ask(OpCode.KV_MGET, { value: mgetValue(['a', 'x'.repeat(4097)]) }),
      Status.BAD_REQUEST, 'key too large');
    assertStatus(await peer.ask(OpCode.KV_MGET, { value: mgetValue(['a\u0000b']) }),
      Status.BAD_REQUEST);
    assertStatus(await peer.ask(OpCode.KV_MGET, { value: mgetValue(['a']).subarray(0, 4) }),
      Status.BAD_REQUEST, 'malformed value');
    assertStatus(await peer.ask(OpCode.KV_MGET, { value: Buffer.concat([mgetValue(['a']),
      Buffer.of(1)]) }), Status.BAD_REQUEST, 'malformed value');
  });

test('items 64-65: scan pages in bytewise order with a cursor; prefix, expiry and reserved',
  async (t) => {
    const { clock, flo, peer: connect } = await serveFlo(t);
    const peer = await connect();
    for (const key of ['p:b', 'p:a', 'p:c', 'q:a', 'p']) {
      await peer.okBody(OpCode.KV_PUT, { key, value: `v-${key}` });
    }
    // The server's own state would live under reserved prefixes: written past the wire.
    for (const key of ['_flo:x', '_sys:y', 'q:_sys:z']) await flo.kv.put('', key, 'internal');
    await put(peer, 'p:expiring', 'v', opts().uint(OptionTag.ttl_ms, 10));
    clock.advance(10);
    const first = await scan(peer, 'p:', pageValue(2));
    assert.deepEqual(first.entries, [['p:a', 'v-p:a'], ['p:b', 'v-p:b']]);
    assert.equal(first.hasMore, true);
    const second = await scan(peer, 'p:', pageValue(2, first.cursor));
    assert.deepEqual([second.entries, second.hasMore, second.cursor.length],
      [[['p:c', 'v-p:c']], false, 0]);
    const all = await scan(peer, '', new Uint8Array(0));
    assert.deepEqual(all.entries.map(([key]) => key),
      ['p', 'p:a', 'p:b', 'p:c', 'q:_sys:z', 'q:a'], 'no expired key, no reserved key');
    const keysOnly = await scan(peer, 'q', pageValue(0), opts().uint(OptionTag.keys_only, 1, 1));
    assert.deepEqual(keysOnly.entries, [['q:_sys:z', ''], ['q:a', '']]);
    assertStatus(await peer.ask(OpCode.KV_SCAN, { key: '_sys:' }), Status.UNAUTHORIZED,
      'reserved key prefix');
    assert.deepEqual((await scan(peer, '_', pageValue(10))).entries, [],
      'a prefix shorter than a reserved one lists no reserved key');
    assertStatus(await peer.ask(OpCode.KV_SCAN, { key: 'p', value: Buffer.of(1, 0) }),
      Status.BAD_REQUEST);
    assertStatus(await peer.ask(OpCode.KV_SCAN, { key: 'p', value: pageValue(1,
      Buffer.of(9, 9)) }), Status.BAD_REQUEST, 'invalid cursor');
  });

test('the legacy scan form takes limit and cursor from options 0x05 and 0x07', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  for (const key of ['a', 'b', 'c']) await put(peer, key, key);
  const first = await scan(peer, '', new Uint8Array(0), opts().uint(OptionTag.limit, 2, 4));
  assert.deepEqual([first.entries.map(([key]) => key), first.hasMore], [['a', 'b'], true]);
  const rest = await scan(peer, '', new Uint8Array(0), opts().uint(OptionTag.limit, 2, 8)
    .add(OptionTag.cursor, first.cursor).flag(OptionTag.keys_only));
  assert.deepEqual([rest.entries, rest.hasMore], [[['c', '']], false]);
  const huge = await scan(peer, '', new Uint8Array(0), opts().uint(OptionTag.limit, 2 ** 40));
  assert.equal(huge.entries.length, 3, 'a limit above 1 000 is clamped');
});

test('items 66-67: history newest first with timestamps; at least 8 after 20 puts',
  async (t) => {
    const { clock, peer: connect } = await serveFlo(t);
    const peer = await connect();
    const times: number[] = [];
    const versions: number[] = [];
    for (const value of ['v1', 'v2', 'v3']) {
      times.push(clock.nowMs());
      versions.push(await put(peer, 'h', value));
      clock.advance(7);
    }
    const reader = await peer.okBody(OpCode.KV_HISTORY, { key: 'h' });
    const entries = [];
    for (let count = reader.u32(); count > 0; count--) {
      entries.push([reader.u64(), reader.i64(), text(reader.bytesU32())]);
    }
    assert.deepEqual(entries, [[versions[2], times[2], 'v3'], [versions[1], times[1], 'v2'],
      [versions[0], times[0], 'v1']]);
    const limited = await peer.okBody(OpCode.KV_HISTORY, { key: 'h',
      opts: opts().uint(OptionTag.limit, 1, 4) });
    assert.equal(limited.u32(), 1);
    for (let index = 0; index < 20; index++) await put(peer, 'many', `v${index}`);
    assert.ok((await peer.okBody(OpCode.KV_HISTORY, { key: 'many' })).u32() >= 8);
    const missing = await peer.ask(OpCode.KV_HISTORY, { key: 'nothing' });
    assert.deepEqual([missing.status, missing.body.length], [Status.NOT_FOUND, 0]);
  });

test('item 70: every key-addressed op refuses a reserved prefix with UNAUTHORIZED',
  async (t) => {
    const peer = await (await serveFlo(t)).peer();
    for (const key of ['_action:x', '_worker:x', '_sys:x', '_internal:x', '_flo:x']) {
      assertStatus(await peer.ask(OpCode.KV_PUT, { key, value: 'v' }), Status.UNAUTHORIZED,
        'reserved key prefix');
    }
    const ops = [OpCode.KV_GET, OpCode.KV_DELETE, OpCode.KV_EXISTS, OpCode.KV_PERSIST,
      OpCode.KV_HISTORY, OpCode.KV_INCR, OpCode.KV_JSON_GET, OpCode.KV_JSON_DEL];
    for (const op of ops) {
      assertStatus(await peer.ask(op, { key: '_sys:k' }), Status.UNAUTHORIZED);
    }
    assertStatus(await peer.ask(OpCode.KV_TOUCH, { key: '_flo:k', value: u64Value(1) }),
      Status.UNAUTHORIZED);
    assertStatus(await peer.ask(OpCode.KV_MGET, { value: mgetValue(['ok', '_worker:1']) }),
      Status.UNAUTHORIZED);
    assert.equal(await put(peer, '_other:x', 'v'), 1, 'other underscores are user keys');
    assertStatus(await peer.ask(OpCode.KV_GET, { key: '' }), Status.BAD_REQUEST,
      'key is required');
  });

test('items 71-72: JSON set, get and delete by path', async (t) => {
  const peer = await (await serveFlo(t)).peer();
  const jsonSet = (key: string, path: string, json: string) => peer.ask(OpCode.KV_JSON_SET,
    { key, value: new BodyWriter().bytesU16(Buffer.from(path)).utf8(json).toBytes() });
  const setReply = await jsonSet('doc', '$', '{ "a": { "b": 1 } }');
  assertStatus(setReply, Status.OK);
  const version = new BodyReader(setReply.body).u64();
  const got = await peer.okBody(OpCode.KV_JSON_GET, { key: 'doc', value: '$.a' });
  assert.deepEqual([got.u64(), text(got.rest())], [version, '{"b":1}'], 'item 71');
  const missing = await peer.ask(OpCode.KV_JSON_GET, { key: 'doc', value: '$.nope' });
  assert.deepEqual([missing.status, missing.body.length], [Status.NOT_FOUND, 0], 'item 72');
  assertStatus(await jsonSet('doc', '$.a.c', '[1,2]'), Status.OK);
  assert.equal(text((await peer.okBody(OpCode.KV_JSON_GET, { key: 'doc' })).rest()
    .subarray(8)), '{"a":{"b":1,"c":[1,2]}}', 'an empty path is $');
  const del = await peer.okBody(OpCode.KV_JSON_DEL, { key: 'doc', value: '$.a.b' });
  assert.ok(del.u64() > version);
  assertStatus(await peer.ask(OpCode.KV_JSON_GET, { key: 'doc', value: '$..a' }),
    Status.BAD_REQUEST, 'unsupported path');
  assertStatus(await jsonSet('doc', '$', '{nope'), Status.BAD_REQUEST);
  assertStatus(await jsonSet('fresh', '$.a', '1'), Status.NOT_FOUND);
  await put(peer, 'plain', 'not json');
  assertStatus(await peer.ask(OpCode.KV_JSON_GET, { key: 'plain' }), Status.BAD_REQUEST);
  assert.equal((await peer.okBody(OpCode.KV_JSON_DEL, { key: 'doc', value: '$' })).u64(), 0,
    '$ deletes the key: version 0');
  assert.equal(await get(peer, 'doc'), null);
});

test('reply soft limit: MGET is refused, SCAN and HISTORY are cut', async (t) => {
  const peer = await (await serveFlo(t, { replyBytesSoft: 4096 })).peer();
  const big = 'x'.repeat(1500);
  for (const key of ['a', 'b', 'c', 'd']) await put(peer, key, big);
  assertStatus(await peer.ask(OpCode.KV_MGET, { value: mgetValue(['a', 'b', 'c']) }),
    Status.BAD_REQUEST, 'reply too large');
  assertStatus(await peer.ask(OpCode.KV_MGET, { value: mgetValue(['a', 'b']) }), Status.OK);
  const page = await scan(peer, '', pageValue(10));
  assert.deepEqual([page.entries.map(([key]) => key), page.hasMore], [['a', 'b'], true]);
  const next = await scan(peer, '', pageValue(10, page.cursor));
  assert.deepEqual(next.entries.map(([key]) => key), ['c', 'd']);
  for (let index = 0; index < 3; index++) await put(peer, 'a', big);
  const history = await peer.okBody(OpCode.KV_HISTORY, { key: 'a' });
  assert.equal(history.u32(), 2, 'two entries of 1 520 bytes fit 4 096');
  const huge = 'y'.repeat(5000);
  await put(peer, 'huge', huge);
  const alone = await scan(peer, 'huge', pageValue(10));
  assert.deepEqual(alone.entries, [['huge', huge]], 'the first item always goes');
});

test('options: any integer width, first occurrence wins, bad widths are malformed',
  async (t) => {
    const { clock, peer: connect } = await serveFlo(t);
    const peer = await connect();
    const version = await put(peer, 'k', 'v', opts().uint(OptionTag.ttl_ms, 100, 2)
      .uint(OptionTag.ttl_ms, 0, 8));
    clock.advance(100);
    assert.equal(await get(peer, 'k'), null, 'the first ttl_ms (2 bytes) won');
    assert.equal(await put(peer, 'k', 'v', opts().uint(OptionTag.cas_version, 0, 1)),
      version + 1, 'cas_version in one byte');
    assertStatus(await peer.ask(OpCode.KV_PUT, { key: 'k', value: 'v',
      opts: opts().add(OptionTag.ttl_ms, Buffer.alloc(3)) }), Status.BAD_REQUEST,
    'malformed option');
    assertStatus(await peer.ask(OpCode.KV_PUT, { key: 'k', value: 'v',
      opts: opts().add(OptionTag.if_exists, Buffer.alloc(2)) }), Status.BAD_REQUEST,
    'malformed option');
    assertStatus(await peer.ask(OpCode.KV_PUT, { key: 'k', value: 'v',
      opts: opts().add(OptionTag.block_ms, Buffer.alloc(3)).add(0xee, Buffer.alloc(1)) }),
    Status.OK); // options the op does not use are not validated
    assertStatus(await peer.ask(OpCode.KV_GET, { key: 'k',
      opts: opts().uint(OptionTag.block_ms, 300_001, 4) }), Status.BAD_REQUEST);
    assertStatus(await peer.ask(OpCode.KV_GET, { key: 'k',
      opts: opts().uint(OptionTag.wait_ms, 300_001, 4) }), Status.BAD_REQUEST);
  });
