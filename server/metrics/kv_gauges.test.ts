// Tests of the KV metrics: what a scrape of a real server's /metrics shows after KV traffic
// on an in-memory disk in sync mode (so the WAL really fsyncs): tables and bytes per LSM level
// after a flush, the memtable and WAL, parked gets, open transactions and the fsync histogram.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemFs, openFlo } from '../../engine/mod.ts';
import { startFloServer } from '../flo_server.ts';

const sample = (text: string, series: string): number => {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  assert.ok(line !== undefined, `the scrape has ${series}`);
  return Number(line.slice(series.length + 1));
};

test('GET /metrics shows the KV store: LSM levels, memtable, WAL, waits and fsyncs',
  async (t) => {
    const flo = await openFlo({ dir: '/data', durability: 'sync', fs: new MemFs() });
    const server = await startFloServer(flo, { port: 0, http: { port: 0 }, log: () => {} });
    t.after(() => server.close());
    for (let index = 0; index < 20; index++) await flo.kv.put('', `k${index}`, 'value');
    await flo.kv.db.flush();
    await flo.kv.put('', 'after-flush', 'v');
    const parked = flo.kv.get('', 'missing', { blockMs: 60_000 });
    await flo.kv.beginTxn('');
    const response = await fetch(`http://127.0.0.1:${server.httpAddress!.port}/metrics`);
    const text = await response.text();
    assert.equal(sample(text, 'flo_kv_lsm_tables{level="0"}'), 1, 'the flush made a table');
    assert.ok(sample(text, 'flo_kv_lsm_bytes{level="0"}') > 0);
    assert.ok(sample(text, 'flo_kv_lsm_entries{level="0"}') >= 20);
    assert.ok(sample(text, 'flo_kv_memtable_bytes') > 0, 'the put after the flush');
    assert.ok(sample(text, 'flo_kv_wal_bytes') > 0);
    assert.equal(sample(text, 'flo_kv_lsm_flushes_total'), 1);
    assert.equal(sample(text, 'flo_kv_parked_gets'), 1);
    assert.equal(sample(text, 'flo_kv_open_transactions'), 1);
    const fsyncs = sample(text, 'flo_kv_wal_fsync_duration_seconds_count');
    assert.ok(fsyncs >= 1, `the WAL fsynced (${fsyncs})`);
    assert.equal(sample(text, 'flo_kv_wal_fsync_duration_seconds_bucket{le="+Inf"}'), fsyncs);
    assert.match(text, /^# TYPE flo_kv_wal_fsync_duration_seconds histogram$/m);
    assert.match(text, /^# TYPE flo_kv_lsm_flushes_total counter$/m);
    await server.close();
    assert.equal(await parked, null, 'the shutdown answered the parked get');
  });
