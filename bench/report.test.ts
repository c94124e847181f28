// Tests of flo-bench's reporting: repeated runs fold into the median run with min and max
// beside it, and the final table has the columns, the peer with its durability, and
// the ratio.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateRuns, renderTable } from './report.ts';
import type { ResultRow } from './scenario.ts';

const rowOf = (phase: string, opsPerSec: number, extra: Partial<ResultRow> = {}): ResultRow => ({
  scenario: 'server', phase, durability: 'sync', batch: 1, concurrency: 8, opsPerSec,
  mbPerSec: opsPerSec / 1e4, p50Ms: opsPerSec / 1000, p99Ms: null, ...extra,
});

test('aggregateRuns keeps the median run of each phase, with the min and max ops/s', () => {
  const rows = aggregateRuns([
    [rowOf('a', 300), rowOf('b', 10)],
    [rowOf('a', 100), rowOf('b', 30)],
    [rowOf('a', 200), rowOf('b', 20)],
  ]);
  assert.deepEqual(rows.map((row) => [row.phase, row.opsPerSec, row.p50Ms, row.runs,
    row.minOpsPerSec, row.maxOpsPerSec]), [['a', 200, 0.2, 3, 100, 300],
    ['b', 20, 0.02, 3, 10, 30]]);
  // An even count takes the lower of the middle two: a figure that was measured.
  const even = aggregateRuns([[rowOf('a', 4)], [rowOf('a', 1)], [rowOf('a', 3)], [rowOf('a', 2)]]);
  assert.equal(even[0]!.opsPerSec, 2);
  assert.throws(() => aggregateRuns([[rowOf('a', 1)], []]), /different phases/);
});

test('renderTable prints the columns, latency and RSS where known, peers and ratios', () => {
  const [flo, peer] = aggregateRuns([[
    rowOf('stream append', 120_000, { peakRssBytes: 100 * 2 ** 20, serverCpuUsPerOp: 4.94,
      clientCpuUsPerOp: 5.38 }),
    rowOf('stream append', 60_000, { peer: 'redis', peerDurability: 'AOF always', ratio: 2 }),
  ]]);
  const lines = renderTable([flo!, peer!]).trimEnd().split('\n');
  assert.equal(lines.length, 3);
  const columns = (...cells: string[]): RegExp => new RegExp(`^${cells.join(' +')}$`);
  assert.match(lines[0]!, columns('scenario', 'phase', 'durability', 'batch', 'conc', 'ops/s',
    'min-max', 'MB/s', 'p50 ms', 'p99 ms', 'peak RSS MiB', 'cpu µs/op s\\|c', 'peer', 'ratio'));
  assert.match(lines[1]!, columns('server', 'stream append', 'sync', '1', '8', '120,000',
    '120,000-120,000', '12\\.0', '120\\.000', '-', '100', '4\\.9\\|5\\.4', '-', '-'));
  assert.match(lines[2]!, / 60,000 .* - +- +redis \(AOF always\) +2\.00×$/);
});
