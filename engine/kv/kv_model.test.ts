// Model-based test of the KV store (fast-check commands): random sequences of put (with
// TTL, CAS, if-not-exists, if-exists), get, mget, delete, touch, persist, exists, incr,
// history, paged scans, transactions (commit and rollback), clock advances, flushes,
// compactions and reopens run against a KvStore and the reference model
// (engine/testing/kv_model.ts) on one ManualClock; every answer must agree. A small history
// depth and tiny LSM limits make compaction drop history and expired keys early. On failure
// fast-check prints the seed and path; replay with FC_SEED=… FC_PATH=….

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from '../testing/fc_params.ts';
import { KvModel, type ModelWrite } from '../testing/kv_model.ts';
import { ManualClock } from '../io/clock.ts';
import { MemFs } from '../io/mem_fs.ts';
import { EngineError } from '../errors.ts';
import { KvStore } from './kv_store.ts';

const HISTORY_DEPTH = 3;
const NAMESPACES = ['default', 'other'];
const KEYS = ['a', 'ab', 'b', 'c'];

interface Real {
  kv: KvStore;
  fs: MemFs;
  clock: ManualClock;
}

interface Model {
  model: KvModel;
  clock: ManualClock;
}

function openStore(fs: MemFs, clock: ManualClock): Promise<KvStore> {
  return KvStore.open({ fs, clock, dir: '/kv', historyDepth: HISTORY_DEPTH, lsm: {
    memtableBytesMax: 32 * 1024, background: false, l0CompactionTrigger: 2,
    levelBytesBase: 8 * 1024, tableBytesTarget: 2 * 1024, blockBytes: 256,
  } });
}

const hex = (bytes: Uint8Array | undefined): string | undefined =>
  bytes === undefined ? undefined : Buffer.from(bytes).toString('hex');

async function outcome<T>(run: () => Promise<T>): Promise<{ ok: T } | { error: string }> {
  try {
    return { ok: await run() };
  } catch (error) {
    if (error instanceof EngineError) return { error: error.code };
    throw error;
  }
}

const id = (ns: string, key: string): string => `${ns}\0${key}`;

type Cmd = fc.AsyncCommand<Model, Real>;

function command(name: string, run: (m: Model, r: Real) => Promise<void>): Cmd {
  return { check: () => true, run, toString: () => name };
}

const nsArb = fc.constantFrom(...NAMESPACES);
const keyArb = fc.constantFrom(...KEYS);
const valueArb = fc.oneof(fc.uint8Array({ maxLength: 12 }), fc.uint8Array({ minLength: 8,
  maxLength: 8 }), fc.uint8Array({ minLength: 300, maxLength: 600 }));
const ttlArb = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 }));

const putArb = fc.record({ ns: nsArb, key: keyArb, value: valueArb, ttlMs: ttlArb,
  cond: fc.constantFrom('none', 'none', 'casCurrent', 'casWrong', 'cas0', 'nx', 'xx') })
  .map(({ ns, key, value, ttlMs, cond }) => command(
    `put(${ns},${key},${value.length}B,ttl ${ttlMs},${cond})`, async (m, r) => {
      const now = m.clock.nowMs();
      const current = m.model.live(id(ns, key), now)?.version ?? 0;
      const casVersion = cond === 'casCurrent' ? current : cond === 'casWrong' ? current + 7
        : cond === 'cas0' ? 0 : undefined;
      const write: ModelWrite = { kind: 'put', key, value, ttlMs, casVersion,
        ifNotExists: cond === 'nx', ifExists: cond === 'xx' };
      const expected = m.model.apply(ns, write, now);
      const actual = await outcome(() => r.kv.put(ns, key, value, { ttlMs, casVersion,
        ifNotExists: cond === 'nx', ifExists: cond === 'xx' }));
      assert.deepEqual(actual, 'ok' in expected ? { ok: expected.ok.version } : expected);
    }));

const getArb = fc.record({ ns: nsArb, key: keyArb }).map(({ ns, key }) => command(
  `get(${ns},${key})`, async (m, r) => {
    const entry = m.model.live(id(ns, key), m.clock.nowMs());
    const actual = await r.kv.get(ns, key);
    assert.deepEqual(actual === null ? null : [hex(actual.value), actual.version],
      entry === undefined ? null : [hex(entry.value), entry.version]);
  }));

const mgetArb = fc.record({ ns: nsArb, keys: fc.array(keyArb, { minLength: 1, maxLength: 5 }) })
  .map(({ ns, keys }) => command(`mget(${ns},${keys.join('+')})`, async (m, r) => {
    const now = m.clock.nowMs();
    const actual = await r.kv.mget(ns, keys);
    assert.deepEqual(actual.map((e) => e === null ? null : [hex(e.value), e.version]),
      keys.map((key) => {
        const entry = m.model.live(id(ns, key), now);
        return entry === undefined ? null : [hex(entry.value), entry.version];
      }));
  }));

const deleteArb = fc.record({ ns: nsArb, key: keyArb,
  cas: fc.constantFrom('none', 'none', 'current', 'wrong') }).map(({ ns, key, cas }) => command(
  `delete(${ns},${key},${cas})`, async (m, r) => {
    const now = m.clock.nowMs();
    const current = m.model.live(id(ns, key), now)?.version ?? 0;
    const casVersion = cas === 'current' ? current : cas === 'wrong' ? current + 3 : undefined;
    const expected = m.model.apply(ns, { kind: 'delete', key, casVersion }, now);
    const actual = await outcome(() => r.kv.delete(ns, key, { casVersion }));
    assert.deepEqual(actual, 'ok' in expected ? { ok: expected.ok.deleted } : expected);
  }));

const ttlWriteArb = fc.record({ ns: nsArb, key: keyArb, ttlMs: ttlArb, persist: fc.boolean() })
  .map(({ ns, key, ttlMs, persist }) => command(
    persist ? `persist(${ns},${key})` : `touch(${ns},${key},${ttlMs})`, async (m, r) => {
      const now = m.clock.nowMs();
      const write: ModelWrite = persist ? { kind: 'persist', key } : { kind: 'touch', key, ttlMs };
      const expected = m.model.apply(ns, write, now);
      const actual = await outcome(() => persist ? r.kv.persist(ns, key)
        : r.kv.touch(ns, key, ttlMs));
      assert.deepEqual(actual, 'ok' in expected ? { ok: undefined } : expected);
    }));

const incrArb = fc.record({ ns: nsArb, key: keyArb, delta: fc.oneof(fc.bigInt({ min: -5n,
  max: 5n }), fc.constantFrom(2n ** 62n, -(2n ** 62n))) }).map(({ ns, key, delta }) => command(
  `incr(${ns},${key},${delta})`, async (m, r) => {
    const expected = m.model.apply(ns, { kind: 'incr', key, delta }, m.clock.nowMs());
    const actual = await outcome(() => r.kv.incr(ns, key, delta));
    assert.deepEqual(actual, 'ok' in expected
      ? { ok: { version: expected.ok.version, value: expected.ok.counter } } : expected);
  }));

const existsArb = fc.record({ ns: nsArb, key: keyArb }).map(({ ns, key }) => command(
  `exists(${ns},${key})`, async (m, r) => {
    const entry = m.model.live(id(ns, key), m.clock.nowMs());
    assert.deepEqual(await r.kv.exists(ns, key),
      { present: entry !== undefined, version: entry?.version ?? 0 });
  }));

const historyArb = fc.record({ ns: nsArb, key: keyArb, limit: fc.integer({ min: 0, max: 4 }) })
  .map(({ ns, key, limit }) => command(`history(${ns},${key},${limit})`, async (m, r) => {
    const expected = m.model.history(id(ns, key), m.clock.nowMs(), limit);
    const actual = await r.kv.history(ns, key, { limit });
    assert.deepEqual(actual.map((e) => [e.version, e.timestampMs, hex(e.value)]),
      expected.map((e) => [e.version, e.timestampMs, hex(e.value)]));
  }));

const scanArb = fc.record({ ns: nsArb, prefix: fc.constantFrom('', 'a', 'b', 'x'),
  limit: fc.integer({ min: 1, max: 3 }), keysOnly: fc.boolean() })
  .map(({ ns, prefix, limit, keysOnly }) => command(
    `scan(${ns},"${prefix}",${limit}${keysOnly ? ',keysOnly' : ''})`, async (m, r) => {
      const expected = m.model.scan(ns, prefix, m.clock.nowMs()).map(([key, entry]) =>
        [key, keysOnly ? '' : hex(entry.value), entry.version]);
      const actual: unknown[] = [];
      let cursor: Uint8Array | null = null;
      for (let page = 0; page < 10; page++) {
        const result = await r.kv.scan(ns, prefix, { limit, cursor, keysOnly });
        assert.ok(result.entries.length <= limit);
        for (const e of result.entries) {
          actual.push([Buffer.from(e.key).toString(), hex(e.value), e.version]);
        }
        assert.equal(result.cursor === null, !result.hasMore);
        if (!result.hasMore) break;
        cursor = result.cursor;
      }
      assert.deepEqual(actual, expected);
    }));

const txnWriteArb: fc.Arbitrary<ModelWrite> = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), key: keyArb, value: valueArb, ttlMs: ttlArb,
    casVersion: fc.constantFrom(undefined, 0, 1) }),
  fc.record({ kind: fc.constant('delete' as const), key: keyArb }),
  fc.record({ kind: fc.constant('touch' as const), key: keyArb, ttlMs: ttlArb }),
  fc.record({ kind: fc.constant('incr' as const), key: keyArb, delta: fc.bigInt({ min: -3n,
    max: 3n }) }),
);

const txnArb = fc.record({ ns: nsArb, writes: fc.array(txnWriteArb, { maxLength: 4 }),
  commit: fc.boolean() }).map(({ ns, writes, commit }) => command(
  `txn(${ns},[${writes.map((w) => `${w.kind} ${w.key}`).join(', ')}],` +
    `${commit ? 'commit' : 'rollback'})`, async (m, r) => {
    const txnId = await r.kv.beginTxn(ns);
    for (const write of writes) {
      const options = { txnId };
      if (write.kind === 'put') {
        assert.equal(await r.kv.put(ns, write.key, write.value, { ...options,
          ttlMs: write.ttlMs, casVersion: write.casVersion }), 0);
        const view = await r.kv.get(ns, write.key, options);
        assert.deepEqual([hex(view?.value), view?.version], [hex(write.value), 0]);
      } else if (write.kind === 'delete') {
        await r.kv.delete(ns, write.key, options);
        assert.equal(await r.kv.get(ns, write.key, options), null);
      } else if (write.kind === 'touch') {
        await r.kv.touch(ns, write.key, write.ttlMs, options);
      } else if (write.kind === 'incr') {
        await r.kv.incr(ns, write.key, write.delta, options);
      }
    }
    if (!commit) {
      await r.kv.rollbackTxn(ns, txnId);
      return;
    }
    const expected = m.model.commit(ns, writes, m.clock.nowMs());
    const actual = await outcome(() => r.kv.commitTxn(ns, txnId));
    assert.deepEqual(actual, 'ok' in expected
      ? { ok: { version: expected.ok, opCount: writes.length } } : expected);
  }));

const advanceArb = fc.integer({ min: 0, max: 60 }).map((ms) => command(`advance(${ms})`,
  async (m) => m.clock.advance(ms)));

const storageArb = fc.constantFrom('flush', 'compact', 'compactTables', 'compactAll', 'reopen',
  'namespaces').map((what) => command(what, async (m, r) => {
    if (what === 'flush') await r.kv.db.flush();
    if (what === 'compact') await r.kv.db.compact();
    // Compacts tables while newer versions may sit in the memtable (filters must look up).
    if (what === 'compactTables') await r.kv.db.compact({ flush: false });
    if (what === 'compactAll') await r.kv.db.compactAll();
    if (what === 'namespaces') {
      assert.deepEqual(r.kv.namespacesWithData().sort(), m.model.namespaces(m.clock.nowMs()));
    }
    if (what === 'reopen') {
      await r.kv.close();
      r.kv = await openStore(r.fs, r.clock);
      assert.ok(r.kv.nextVersion >= m.model.nextVersion, 'versions never go backwards');
      m.model.nextVersion = r.kv.nextVersion;
    }
  }));

test('the KV store agrees with the reference model on random op sequences', async () => {
  const commands = [putArb, putArb, getArb, mgetArb, deleteArb, ttlWriteArb, incrArb,
    existsArb, historyArb, scanArb, txnArb, advanceArb, storageArb, storageArb];
  const sequences = fc.commands(commands, { maxCommands: 80, size: 'max' });
  await fc.assert(fc.asyncProperty(sequences, async (cmds) => {
    const clock = new ManualClock();
    const fs = new MemFs();
    const real: Real = { kv: await openStore(fs, clock), fs, clock };
    try {
      await fc.asyncModelRun(() => ({ model: { model: new KvModel(HISTORY_DEPTH), clock },
        real }), cmds);
    } finally {
      await real.kv.close();
    }
  }), fcParams(80));
});
