// Tests of `flo-bench compare server`: an absent peer is skipped with a note while Flo is still
// measured; with redis-server and nats-server installed (and their clients in bench/peers),
// the peers run the same phases in the same run and their rows carry the peer's durability
// and Flo ÷ peer; without them that test is skipped, saying so. The action family runs on
// Flo alone (no peer has actions). Sizes are --quick's.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable } from './child_server.ts';
import { peerModulesPresent } from './peer_modules.ts';
import { PEER_SERVERS, peerSearchPath } from './peer_servers.ts';
import { createProgress } from './progress.ts';
import type { ResultRow, ScenarioOptions } from './scenario.ts';
import { FAMILIES, serverScenarioFor, type Family } from './server_scenario.ts';

async function runCompare(families: readonly Family[], searchPath: string, durabilities:
  Array<'sync' | 'async'>): Promise<{ rows: ResultRow[]; skipped: string[]; left: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'flo-bench-compare-'));
  const skipped: string[] = [];
  const options: ScenarioOptions = {
    records: 600, durationMs: 300, valueBytes: 100, batches: null, concurrencies: null,
    durabilities, dir, quick: true, compare: true,
    progress: createProgress({ write: () => true }, true),
    skip: (note) => void skipped.push(note),
  };
  try {
    const rows = await serverScenarioFor(families, searchPath).run(options);
    return { rows, skipped, left: readdirSync(dir) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('compare server skips a peer not installed, with a note, and measures Flo', async () => {
  const { rows, skipped, left } = await runCompare(['stream'], join(tmpdir(), 'no-such-dir'),
    ['async']);
  assert.deepEqual(skipped, [
    'redis-server is not installed (not on PATH, /usr/local/sbin or /usr/sbin): redis is not ' +
      'compared (Debian: apt-get install redis-server)',
    'nats-server is not installed (not on PATH, /usr/local/sbin or /usr/sbin): nats is not ' +
      'compared (Debian: apt-get install nats-server)',
  ]);
  assert.deepEqual(rows.map((row) => [row.phase, row.batch, row.peer]), [
    ['ping', 1, undefined], ['stream append', 1, undefined], ['stream append', 100, undefined],
    ['stream group read + ack', 100, undefined],
  ]);
  for (const row of rows) {
    // Every phase did work on both sides: some CPU per op, and not absurdly much.
    assert.ok(row.clientCpuUsPerOp! > 0 && row.clientCpuUsPerOp! < 1e5, `${row.phase} client`);
    if (process.platform === 'linux') {
      assert.ok(row.serverCpuUsPerOp! >= 0 && row.serverCpuUsPerOp! < 1e5, `${row.phase} server`);
    }
  }
  assert.deepEqual(left, [], 'the server\'s data directory is removed');
});

const installed = PEER_SERVERS.every((peer) =>
  findExecutable(peer.executable, peerSearchPath()) !== null && peerModulesPresent(peer.modules));

test('compare server runs Redis and NATS in the same run, with durability and ratio', {
  skip: installed ? false : 'redis-server, nats-server or their clients (bench/peers) are ' +
    'not installed here',
}, async () => {
  const { rows, skipped, left } = await runCompare(FAMILIES, peerSearchPath(), ['async']);
  const floPhases = rows.filter((row) => row.peer === undefined).map((row) => row.phase);
  for (const peer of ['redis', 'nats']) {
    const peerRows = rows.filter((row) => row.peer === peer);
    assert.ok(peerRows.length > 0, peer);
    for (const row of peerRows) {
      assert.equal(row.durability, 'async');
      assert.match(row.peerDurability!, peer === 'redis' ? /appendfsync everysec/ : /2 min/);
      assert.ok(row.opsPerSec > 0);
      // A ratio exactly where Flo measured the same phase.
      assert.equal(row.ratio !== undefined, floPhases.includes(row.phase), row.phase);
    }
  }
  const phasesOf = (peer: string) => rows.filter((row) => row.peer === peer)
    .map((row) => `${row.phase}/${row.batch}`);
  const kv = ['kv put/1', 'kv get/1', 'kv put/1', 'kv get/1']; // pipelined, one at a time
  const stream = ['stream append/1', 'stream append/100', 'stream group read + ack/100'];
  assert.deepEqual(phasesOf('redis'), ['ping/1', ...kv, 'queue enqueue→dequeue→ack/1',
    'queue enqueue→dequeue→ack/10', ...stream]);
  assert.deepEqual(phasesOf('nats'), ['ping/1', ...kv, ...stream]);
  assert.ok(skipped.every((note) => !/not installed/.test(note)), skipped.join('\n'));
  assert.deepEqual(left, [], 'every server\'s directory is removed');
});

test('the action family runs round trips on Flo only, 1 and 4 in flight, every output checked',
  async () => {
    const { rows, skipped, left } = await runCompare(['action'], join(tmpdir(), 'no-such-dir'),
      ['async']);
    assert.deepEqual(skipped, [], 'no peer has actions, so none is looked for');
    assert.deepEqual(rows.map((row) => [row.phase, row.concurrency, row.peer]), [
      ['ping', 16, undefined],
      ['action invoke→await→complete→status', 1, undefined],
      ['action invoke→await→complete→status', 4, undefined],
    ]);
    assert.ok(rows.every((row) => row.opsPerSec > 0));
    assert.deepEqual(left, []);
  });
