// The KV family against the golden frames of fixtures/wire/vectors.json (a copy of the spec's
// vectors.json), byte for byte: conformance item 9 (KV_GET of k = v at version 7 on a fresh
// server, header versions 1 and 2), then every other KV request and reply pair, each after
// building on a fresh server (ManualClock at 1 700 000 000 000 ms) the state the vector
// describes: the put with ttl and cas, the scan pages, history, incr, mget, a transaction
// (begin with its pinned_hash, a put in it, the commit) and the CAS conflict.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import { OpCode } from '../wire/opcodes.ts';
import { OptionTag } from '../wire/option_tags.ts';
import { hex, opts, serveFlo, type FloPeer } from '../testing/flo_peer.ts';
import { requestBytes } from '../testing/raw_peer.ts';

interface Vector {
  name: string;
  hex: string;
}

const vectors = new Map((JSON.parse(readFileSync(join(import.meta.dirname, '..', '..',
  'fixtures', 'wire', 'vectors.json'), 'utf8')) as Vector[]).map((v) => [v.name, v.hex]));

function vector(name: string): Buffer {
  const bytes = vectors.get(name);
  assert.ok(bytes !== undefined, `vectors.json has ${name}`);
  return Buffer.from(bytes, 'hex');
}

/** Sends the request vector as is and asserts the reply equals the response vector. */
async function exchange(peer: FloPeer, request: string, response: string): Promise<void> {
  peer.raw.write(vector(request));
  const reply = await peer.raw.next();
  assert.equal(hex(reply.bytes), hex(vector(response)), `${request} -> ${response}`);
}

async function puts(peer: FloPeer, count: number, prefix = 'filler'): Promise<void> {
  for (let index = 0; index < count; index++) {
    await peer.okBody(OpCode.KV_PUT, { key: `${prefix}-${index}`, value: 'x' });
  }
}

async function fresh(t: TestContext) {
  const served = await serveFlo(t);
  return { ...served, peer: await served.peer() };
}

test('item 9: after six puts and k = v at version 7, KV_GET replies equal the vectors',
  async (t) => {
    const { peer } = await fresh(t);
    await puts(peer, 6);
    const put = await peer.okBody(OpCode.KV_PUT, { key: 'k', value: 'v' });
    assert.equal(put.u64(), 7);
    await exchange(peer, 'kv_get_request_v1', 'kv_get_response_v1_ok');
    await exchange(peer, 'kv_get_request_v2', 'kv_get_response_v2_ok');
  });

test('a put with ttl_ms and cas_version 7 answers version 8 as the vector does', async (t) => {
  const { peer } = await fresh(t);
  await puts(peer, 6);
  await peer.okBody(OpCode.KV_PUT, { key: 'session:1', value: 'old' });
  await exchange(peer, 'kv_put_request_ttl_cas_v1', 'kv_put_response_v1_ok');
});

test('the scan pages of the vectors: two entries with a cursor, then the rest', async (t) => {
  const { peer } = await fresh(t);
  for (const [key, value] of [['user:1', 'alice'], ['user:2', 'bob'], ['user:3', 'carol'],
    ['users', 'no'], ['user', 'no']]) {
    await peer.okBody(OpCode.KV_PUT, { key, value });
  }
  await exchange(peer, 'kv_scan_request_first_page', 'kv_scan_response_page_with_cursor');
  peer.raw.write(vector('kv_scan_request_next_page'));
  const next = await peer.raw.next();
  assert.equal(hex(next.body), '01000000' + '0600' + hex(Buffer.from('user:3')) + '05000000' +
    hex(Buffer.from('carol')) + '00' + '0000', 'the last page: user:3, has_more 0');
});

test('history, incr and mget reply bodies equal the vectors', async (t) => {
  const { peer, clock } = await fresh(t);
  await puts(peer, 8);
  assert.equal((await peer.okBody(OpCode.KV_PUT, { key: 'h', value: 'v1' })).u64(), 9);
  clock.advance(5000);
  await puts(peer, 2, 'more');
  assert.equal((await peer.okBody(OpCode.KV_PUT, { key: 'h', value: 'v2' })).u64(), 12);
  const history = await peer.ask(OpCode.KV_HISTORY, { key: 'h' });
  assert.equal(hex(history.body), hex(vector('kv_history_response').subarray(32)));
  const delta = Buffer.alloc(8);
  delta.writeBigInt64LE(42n);
  const incr = await peer.ask(OpCode.KV_INCR, { key: 'n', value: delta });
  assert.equal(hex(incr.body), hex(vector('kv_incr_response').subarray(32)),
    'version 13, new_value 42');
  const { peer: other } = await fresh(t);
  await puts(other, 2);
  await other.okBody(OpCode.KV_PUT, { key: 'a', value: 'x' });
  await exchange(other, 'kv_mget_request', 'kv_mget_response');
});

test('a transaction: begin (txn 1, pinned_hash), a put in it, a commit at version 21',
  async (t) => {
    const { peer } = await fresh(t);
    await exchange(peer, 'kv_begin_txn_request', 'kv_begin_txn_response');
    await exchange(peer, 'kv_put_in_txn_request', 'kv_put_in_txn_response');
    await puts(peer, 20);
    const commit = await peer.ask(OpCode.KV_COMMIT_TXN, { key: 'acct:1',
      opts: opts().uint(OptionTag.txn_id, 1) });
    assert.equal(hex(commit.body), hex(vector('kv_commit_txn_response').subarray(32)));
    const balance = await peer.okBody(OpCode.KV_GET, { key: 'acct:1:balance' });
    assert.deepEqual([balance.u64(), balance.u64()], [21, 100]);
  });

test('a failed cas_version on a v2 request answers the conflict vector', async (t) => {
  const { peer } = await fresh(t);
  await peer.okBody(OpCode.KV_PUT, { key: 'k', value: 'v' });
  peer.raw.write(requestBytes(OpCode.KV_PUT, {
    id: 5, version: 2, key: 'k', value: 'w', options: opts().uint(OptionTag.cas_version, 9)
      .toBytes(),
  }));
  const reply = await peer.raw.next();
  assert.equal(hex(reply.bytes), hex(vector('kv_put_response_v2_conflict')));
});
