// The KV family end to end: FloClient (client/kv.ts) against startFloServer over a real
// engine, on loopback. Every KvApi call with the results the SDKs give (null for a missing
// key, false for deleting one, typed errors otherwise), scans walked page by page, blocking
// gets answered from another client, transactions; then restarts in the middle of KV
// traffic: a graceful one and a simulated power cut (MemFs crash clone) in sync mode, after
// which every acknowledged put is there with its version, and versions keep growing.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { MemFs, openFlo, type FloOptions } from '../engine/mod.ts';
import { Prng } from '../engine/io/prng.ts';
import { startFloServer, type RunningFloServer } from '../server/mod.ts';
import { FloClient } from './client.ts';
import {
  FloBadRequestError, FloConflictError, FloNotFoundError, FloTransactionError,
  FloUnauthorizedError,
} from './errors.ts';

const text = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? []).toString();
const bytes = (value: string): Uint8Array => new Uint8Array(Buffer.from(value));

async function serve(t: TestContext, options: Partial<FloOptions> = {}) {
  const flo = await openFlo({ dir: '/data', durability: 'memory', ...options });
  const server = await startFloServer(flo, { port: 0, http: false, log: () => {} });
  t.after(() => server.close().catch(() => undefined));
  return server;
}

function clientOf(t: TestContext, server: RunningFloServer): FloClient {
  const client = new FloClient({ port: server.address.port, backoffMsMin: 5, backoffMsMax: 50 });
  t.after(() => client.close());
  return client;
}

test('put, get, conditions, delete, exists, touch, persist, incr and JSON', async (t) => {
  const { kv } = clientOf(t, await serve(t));
  const v1 = await kv.put('user:1', 'alice', { ttlMs: 60_000 });
  assert.deepEqual(await kv.get('user:1'), { version: v1, value: bytes('alice') });
  assert.equal(await kv.get('nobody'), null);
  await assert.rejects(kv.put('user:1', 'x', { ifNotExists: true }), FloConflictError);
  await assert.rejects(kv.put('user:1', 'x', { casVersion: v1 + 5 }), FloConflictError);
  const v2 = await kv.put('user:1', 'alicia', { casVersion: v1 });
  assert.deepEqual(await kv.exists('user:1'), { exists: true, version: v2 });
  await kv.touch('user:1', 0);
  await kv.persist('user:1');
  await assert.rejects(kv.touch('nobody', 5), FloNotFoundError);
  assert.equal(await kv.delete('nobody'), false);
  await assert.rejects(kv.delete('nobody', { casVersion: 3 }), FloNotFoundError);
  await assert.rejects(kv.delete('user:1', { casVersion: v1 }), FloConflictError);
  assert.equal(await kv.delete('user:1', { casVersion: v2 }), true);
  assert.deepEqual(await kv.exists('user:1'), { exists: false, version: 0 });
  assert.deepEqual((await kv.incr('hits')).value, 1n);
  assert.deepEqual((await kv.incr('hits', -10n)).value, -9n);
  await assert.rejects(kv.incr('hits', 2n ** 63n - 1n).then(() => kv.incr('hits', 10)),
    FloBadRequestError);
  const docVersion = await kv.jsonSet('doc', '$', '{"a":{"b":[1,2]}}');
  assert.deepEqual(await kv.jsonGet('doc', '$.a.b[1]'), { version: docVersion, json: '2' });
  assert.equal(await kv.jsonGet('doc', '$.nope'), null);
  assert.ok(await kv.jsonDel('doc', '$.a.b[0]') > docVersion);
  assert.equal((await kv.jsonGet('doc'))?.json, '{"a":{"b":[2]}}');
  assert.equal(await kv.jsonDel('doc', '$'), 0);
  await assert.rejects(kv.put('_sys:x', 'v'), FloUnauthorizedError);
});

test('mget, scan page by page and history', async (t) => {
  const { kv } = clientOf(t, await serve(t));
  const written = new Map<string, string>();
  for (let index = 0; index < 25; index++) {
    const key = `item:${String(index).padStart(2, '0')}`;
    written.set(key, `value-${index}`);
    await kv.put(key, `value-${index}`);
  }
  await kv.put('other', 'x');
  const got = await kv.mget(['item:03', 'missing', 'item:03']);
  assert.deepEqual(got.map((entry) => entry && text(entry.value)), ['value-3', null, 'value-3']);
  const seen: Array<[string, string]> = [];
  let cursor: Uint8Array | null = null;
  let pages = 0;
  do {
    const page = await kv.scan('item:', { limit: 10, cursor });
    seen.push(...page.items.map((item): [string, string] => [text(item.key), text(item.value)]));
    cursor = page.cursor;
    pages += 1;
  } while (cursor !== null);
  assert.equal(pages, 3);
  assert.deepEqual(seen, [...written]);
  const keysOnly = await kv.scan('', { keysOnly: true, limit: 1000 });
  assert.equal(keysOnly.items.length, 26);
  assert.ok(keysOnly.items.every((item) => item.value.length === 0));
  for (const value of ['a', 'b', 'c']) await kv.put('h', value);
  const history = await kv.history('h');
  assert.deepEqual(history?.map((entry) => text(entry.value)), ['c', 'b', 'a']);
  assert.equal((await kv.history('h', { limit: 2 }))?.length, 2);
  assert.equal(await kv.history('missing'), null);
});

test('blocking gets are answered by another client; timeouts give null', async (t) => {
  const server = await serve(t);
  const [waiter, writer] = [clientOf(t, server), clientOf(t, server)];
  const blocked = waiter.kv.get('job', { blockMs: 10_000 });
  const first = await writer.kv.put('watched', 'v1');
  const watched = waiter.kv.get('watched', { waitMs: 10_000 });
  while (server.parkedCount < 2) await new Promise((resolve) => setTimeout(resolve, 2));
  const created = await writer.kv.put('job', 'ready');
  assert.deepEqual(await blocked, { version: created, value: bytes('ready') });
  const second = await writer.kv.put('watched', 'v2');
  assert.deepEqual(await watched, { version: second, value: bytes('v2') });
  assert.ok(second > first);
  assert.equal(await waiter.kv.get('never', { blockMs: 30 }), null);
});

test('transactions: begin, buffered writes, commit with one version, rollback', async (t) => {
  const server = await serve(t);
  const [one, two] = [clientOf(t, server), clientOf(t, server)];
  const txn = await one.kv.beginTxn('acct:1');
  assert.equal(await one.kv.put('acct:1:balance', '100', { txnId: txn.txnId }), 0);
  assert.equal(await two.kv.get('acct:1:balance'), null, 'invisible until commit');
  assert.deepEqual(await two.kv.get('acct:1:balance', { txnId: txn.txnId }),
    { version: 0, value: bytes('100') }, 'any connection may use the transaction');
  assert.equal((await two.kv.incr('acct:1:ops', 1, { txnId: txn.txnId })).version, 0);
  const result = await two.kv.commitTxn(txn.txnId);
  assert.equal(result.opCount, 2);
  assert.deepEqual(await one.kv.mget(['acct:1:balance', 'acct:1:ops']).then((entries) =>
    entries.map((entry) => entry?.version)), [result.commitIndex, result.commitIndex]);
  const rolled = await one.kv.beginTxn('acct:1');
  assert.ok(rolled.txnId > txn.txnId);
  await one.kv.put('never', 'x', { txnId: rolled.txnId });
  await one.kv.rollbackTxn(rolled.txnId);
  await assert.rejects(one.kv.commitTxn(rolled.txnId), FloTransactionError);
  assert.equal(await one.kv.get('never'), null);
});

// Puts from `workers` concurrent loops until stopped; `acked` maps each key to the version
// its last acknowledged put got.
function putTraffic(client: FloClient, workers = 8) {
  const acked = new Map<string, { version: number; value: string }>();
  let running = true;
  let counter = 0;
  const loops = Array.from({ length: workers }, async (_, worker) => {
    while (running) {
      const round = counter++;
      const key = `w${worker}:k${round % 50}`;
      const value = `v${round}`;
      try {
        acked.set(key, { version: await client.kv.put(key, value), value });
      } catch {
        return; // the server went away: stop this loop
      }
    }
  });
  return { acked, stop: async () => { running = false; await Promise.all(loops); } };
}

async function checkAcked(client: FloClient,
  acked: ReadonlyMap<string, { version: number; value: string }>): Promise<number> {
  let newest = 0;
  for (const [key, expected] of acked) {
    const entry = await client.kv.get(key);
    assert.ok(entry !== null, `acknowledged key ${key} survived`);
    assert.ok(entry.version >= expected.version, `${key}: version ${entry.version} ` +
      `>= ${expected.version}`);
    if (entry.version === expected.version) assert.equal(text(entry.value), expected.value);
    newest = Math.max(newest, entry.version);
  }
  return newest;
}

test('a graceful restart keeps every acknowledged put; versions keep growing', async (t) => {
  const fs = new MemFs();
  const first = await serve(t, { fs, durability: 'sync' });
  const client = clientOf(t, first);
  const load = putTraffic(client);
  await new Promise((resolve) => setTimeout(resolve, 100));
  await load.stop();
  await first.close();
  const second = clientOf(t, await serve(t, { fs, durability: 'sync' }));
  assert.ok(load.acked.size > 10, `some puts were acknowledged (${load.acked.size})`);
  const newest = await checkAcked(second, load.acked);
  assert.ok(await second.kv.put('after', 'restart') > newest);
});

test('after a simulated power cut every acknowledged put is there (sync)', async (t) => {
  const fs = new MemFs({ trackCrashes: true });
  const client = clientOf(t, await serve(t, { fs, durability: 'sync' }));
  const load = putTraffic(client);
  await new Promise((resolve) => setTimeout(resolve, 100));
  // The power cut: what was acknowledged by now must be in the synced bytes.
  const acked = new Map(load.acked);
  const crashed = fs.crashClone(new Prng(11));
  await load.stop();
  const after = clientOf(t, await serve(t, { fs: crashed, durability: 'sync' }));
  assert.ok(acked.size > 10, `some puts were acknowledged (${acked.size})`);
  const newest = await checkAcked(after, acked);
  assert.ok(await after.kv.put('after', 'crash') > newest);
});
