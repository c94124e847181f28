// Tests of the Catalog: create, list in bytewise order, update, remove, reopen, and crash
// safety of creation and removal.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemFs } from '../io/mem_fs.ts';
import { Prng } from '../io/prng.ts';
import { Catalog } from './catalog.ts';

test('Catalog creates, lists, updates and removes entries, and reopens them', async () => {
  const fs = new MemFs();
  const catalog = await Catalog.open<{ limit: number }>(fs, '/q');
  const b = await catalog.create('default', 'b', { limit: 1 }, 10);
  await catalog.create('default', 'a/é', { limit: 2 }, 11);
  await catalog.create('other', 'a', { limit: 3 }, 12);
  assert.deepEqual(catalog.list('default').map((entry) => entry.name), ['a/é', 'b']);
  assert.deepEqual(catalog.list('default', 'a').map((entry) => entry.name), ['a/é']);
  await catalog.update(b, { limit: 9 });
  const reopened = await Catalog.open<{ limit: number }>(fs, '/q');
  assert.equal(reopened.get('default', 'b')?.settings.limit, 9);
  assert.equal(reopened.get('other', 'a')?.createdAtMs, 12);
  await reopened.remove(reopened.get('default', 'b')!);
  const again = await Catalog.open<{ limit: number }>(fs, '/q');
  assert.equal(again.get('default', 'b'), undefined);
  assert.equal(again.entries().length, 2);
  const next = await again.create('default', 'c', { limit: 0 }, 13);
  assert.ok(next.id > b.id, 'ids are never reused');
});

test('Catalog after a crash holds whole entries only', async () => {
  for (let seed = 0; seed < 50; seed++) {
    const fs = new MemFs();
    const catalog = await Catalog.open<{ n: number }>(fs, '/q');
    const kept = await catalog.create('default', 'kept', { n: 1 }, 1);
    const pending = [catalog.create('default', 'new', { n: 2 }, 2), catalog.remove(kept)];
    const crashed = fs.crashClone(new Prng(seed));
    await Promise.all(pending);
    const recovered = await Catalog.open<{ n: number }>(crashed, '/q');
    for (const entry of recovered.entries()) {
      assert.ok(['kept', 'new'].includes(entry.name));
      assert.equal(entry.settings.n, entry.name === 'kept' ? 1 : 2);
    }
  }
});
