// Tests of flo-bench's progress display: plain lines off a TTY, a bar on a TTY only after a
// phase has run for a second, redrawn at most every 100 ms, and nothing at all when quiet.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgress } from './progress.ts';

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (text: string) => writes.push(text) } };
}

test('off a TTY every phase is one start line and one end line, with no bar', () => {
  const { writes, stream } = sink(false);
  let nowMs = 0;
  const progress = createProgress(stream, false, () => nowMs);
  progress.start('log append', 100);
  nowMs = 5000;
  progress.update(50);
  progress.finish('1,000 records/s');
  progress.note('machine: …');
  assert.deepEqual(writes, ['… log append\n', '✓ log append: 1,000 records/s\n',
    'machine: …\n']);
});

test('on a TTY the bar appears after one second and is redrawn at most every 100 ms', () => {
  const { writes, stream } = sink(true);
  let nowMs = 0;
  const progress = createProgress(stream, false, () => nowMs);
  progress.start('kv put', 200);
  nowMs = 999;
  progress.update(10);
  assert.deepEqual(writes, [], 'nothing in the first second');
  nowMs = 1000;
  progress.update(100);
  assert.equal(writes.length, 1);
  assert.match(writes[0]!, /^\r\[#{15}\.{15}\]  50% kv put \(1 s\)$/);
  nowMs = 1050;
  progress.update(150);
  assert.equal(writes.length, 1, 'not redrawn within 100 ms');
  nowMs = 1100;
  progress.update(200);
  assert.match(writes[1]!, /\[#{30}\] 100% kv put/);
  progress.finish('done');
  assert.match(writes[2]!, /^\r +\r$/, 'the bar is erased');
  assert.equal(writes[3], '✓ kv put: done\n');
});

test('on a TTY a phase of unknown size shows its count and time, and quiet writes nothing', () => {
  const { writes, stream } = sink(true);
  let nowMs = 0;
  const progress = createProgress(stream, false, () => nowMs);
  progress.start('kv flo (sync)', 0);
  nowMs = 2500;
  progress.update(12345);
  assert.equal(writes[0], '\rkv flo (sync): 12,345 so far, 3 s');
  const quiet = sink(true);
  const silent = createProgress(quiet.stream, true, () => nowMs);
  silent.start('x', 1);
  silent.update(1);
  silent.finish('y');
  silent.note('z');
  assert.deepEqual(quiet.writes, []);
});
