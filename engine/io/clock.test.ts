// Tests of ManualClock (timer order, nested timers, cancellation) and of Prng determinism,
// which every seeded test and the simulator rely on.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from './clock.ts';
import { Prng } from './prng.ts';

test('ManualClock runs due timers in due order with nowMs at their due time', () => {
  const clock = new ManualClock(1000);
  const fired: Array<[string, number]> = [];
  clock.setTimer(30, () => fired.push(['c', clock.nowMs()]));
  clock.setTimer(10, () => fired.push(['a', clock.nowMs()]));
  const cancelled = clock.setTimer(20, () => fired.push(['x', clock.nowMs()]));
  clock.setTimer(10, () => {
    fired.push(['b', clock.nowMs()]);
    clock.setTimer(5, () => fired.push(['nested', clock.nowMs()]));
  });
  cancelled.cancel();
  clock.advance(25);
  assert.deepEqual(fired, [['a', 1010], ['b', 1010], ['nested', 1015]]);
  assert.equal(clock.nowMs(), 1025);
  clock.advance(5);
  assert.deepEqual(fired.at(-1), ['c', 1030]);
  assert.equal(clock.pendingTimers(), 0);
});

test('Prng gives the same stream for the same seed and stays in range', () => {
  const a = new Prng(42);
  const b = new Prng(42);
  const c = new Prng(43);
  const streamA = Array.from({ length: 8 }, () => a.u32());
  assert.deepEqual(streamA, Array.from({ length: 8 }, () => b.u32()));
  assert.notDeepEqual(streamA, Array.from({ length: 8 }, () => c.u32()));
  for (let i = 0; i < 1000; i++) {
    const value = a.int(-3, 4);
    assert.ok(value >= -3 && value < 4 && Number.isInteger(value));
  }
});
