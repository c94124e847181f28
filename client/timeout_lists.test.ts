// TimeoutLists: entries expire once their own wait has passed, in deadline order within a
// wait and independently across waits; a removed entry never expires, and removing a list's
// head does not lose the timer for the entries behind it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimeoutLists, type Timed } from './timeout_lists.ts';

interface Entry extends Timed {
  readonly name: string;
}

const entry = (name: string): Entry => ({
  name,
  deadlineMs: 0,
  timedPrev: null,
  timedNext: null,
  timedList: null,
});
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('TimeoutLists expires entries after their wait, in order, skipping removed ones', async () => {
  const expired: string[] = [];
  const startMs = performance.now();
  const at: Record<string, number> = {};
  const lists = new TimeoutLists((timed) => {
    const { name } = timed as Entry;
    expired.push(name);
    at[name] = performance.now() - startMs;
  });
  const [a, b, c, d, e] = 'abcde'.split('').map(entry) as [Entry, Entry, Entry, Entry, Entry];
  lists.add(a, 40);
  lists.add(b, 40);
  lists.add(c, 10);
  await sleep(5);
  lists.add(d, 40);
  lists.add(e, 40);
  lists.remove(a);
  lists.remove(e);
  lists.remove(e);
  await sleep(80);
  assert.deepEqual(expired, ['c', 'b', 'd']);
  assert.ok(at['c']! >= 9 && at['b']! >= 39 && at['d']! >= 44, JSON.stringify(at));
  assert.equal(a.timedList, null);
});

test('an entry may wait again after it expired or was removed', async () => {
  const expired: string[] = [];
  const lists = new TimeoutLists((timed) => expired.push((timed as Entry).name));
  const a = entry('a');
  lists.add(a, 5);
  assert.throws(() => lists.add(a, 5), /one list at a time/);
  lists.remove(a);
  lists.add(a, 5);
  await sleep(30);
  lists.add(a, 5);
  await sleep(30);
  assert.deepEqual(expired, ['a', 'a']);
});
