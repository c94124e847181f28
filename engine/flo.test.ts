// Tests of openFlo's own parts: the directory lock (one process per data directory) and the
// namespace registry (create, list, info, delete with and without force, reopen).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemFs } from './io/mem_fs.ts';
import { ManualClock } from './io/clock.ts';
import { openFlo, type NamespacedStore } from './flo.ts';

const options = (fs: MemFs) => ({ dir: '/data', fs, clock: new ManualClock() });

test('openFlo holds the directory lock until close', async () => {
  const fs = new MemFs();
  const flo = await openFlo(options(fs));
  await assert.rejects(openFlo(options(fs)), /lock/);
  await flo.close();
  const again = await openFlo(options(fs));
  await again.close();
});

test('namespaces: create, list, delete, and the reserved names', async () => {
  const fs = new MemFs();
  const flo = await openFlo(options(fs));
  assert.deepEqual(await flo.namespaces.list(), ['default']);
  await flo.namespaces.create('tenant-b');
  await flo.namespaces.create('Tenant_a');
  await assert.rejects(flo.namespaces.create('tenant-b'), { code: 'CONFLICT' });
  await assert.rejects(flo.namespaces.create('default'), { code: 'CONFLICT' });
  await assert.rejects(flo.namespaces.create('_sys.x'), RangeError);
  await assert.rejects(flo.namespaces.create('1abc'), RangeError);
  await assert.rejects(flo.namespaces.create(''), RangeError);
  assert.deepEqual(await flo.namespaces.list(), ['Tenant_a', 'default', 'tenant-b']);
  await assert.rejects(flo.namespaces.delete('default'), RangeError);
  await assert.rejects(flo.namespaces.delete('nope'), { code: 'NOT_FOUND' });
  await flo.namespaces.delete('Tenant_a');
  await flo.close();
  const reopened = await openFlo(options(fs));
  assert.deepEqual(await reopened.namespaces.list(), ['default', 'tenant-b']);
  assert.ok(await reopened.namespaces.exists('tenant-b'));
  await reopened.close();
});

test('namespaces: a namespace with data needs force to go, and force drops the data', async () => {
  const fs = new MemFs();
  const flo = await openFlo(options(fs));
  const held = new Set(['implicit']);
  const store: NamespacedStore = {
    namespaceHoldsData: (namespace) => held.has(namespace),
    namespacesWithData: () => [...held],
    dropNamespace: async (namespace) => void held.delete(namespace),
    close: async () => undefined,
  };
  flo.attach(store);
  assert.ok(await flo.namespaces.exists('implicit'), 'a write creates a namespace implicitly');
  assert.deepEqual(await flo.namespaces.list(), ['default', 'implicit']);
  await assert.rejects(flo.namespaces.delete('implicit'), /not empty/);
  await flo.namespaces.delete('implicit', { force: true });
  assert.equal(await flo.namespaces.exists('implicit'), false);
  await flo.close();
});

test('namespaces: concurrent creates and deletes all persist (writes never overlap)', async () => {
  const fs = new MemFs();
  const flo = await openFlo(options(fs));
  const names = Array.from({ length: 20 }, (_, index) => `tenant-${index}`);
  await Promise.all(names.map((name) => flo.namespaces.create(name)));
  await Promise.all([flo.namespaces.delete('tenant-3'), flo.namespaces.create('late')]);
  await flo.close();
  const reopened = await openFlo(options(fs));
  const expected = ['default', 'late', ...names.filter((name) => name !== 'tenant-3')];
  assert.deepEqual(await reopened.namespaces.list(), expected.sort());
  await reopened.close();
});

test('namespaces: a failed registry write fails the registry', async () => {
  const fs = new MemFs();
  const flo = await openFlo(options(fs));
  fs.injectFault('sync', 'NAMESPACES');
  const creating = flo.namespaces.create('lost');
  const listing = flo.namespaces.list();
  await assert.rejects(creating, { code: 'STORAGE_IO' });
  await assert.rejects(listing, { code: 'STORAGE_IO' }, 'list waits for the write it follows');
  await assert.rejects(flo.namespaces.create('other'), { code: 'STORAGE_IO' });
  await flo.close();
  const reopened = await openFlo(options(fs));
  assert.deepEqual(await reopened.namespaces.list(), ['default']);
  await reopened.close();
});

test('flo.kv lives under <dir>/kv, shares the engine, and counts for namespaces', async () => {
  const fs = new MemFs();
  const clock = new ManualClock();
  const flo = await openFlo({ dir: '/data', fs, clock });
  assert.equal(await flo.kv.put('tenant', 'k', 'v'), 1);
  assert.deepEqual(await flo.namespaces.list(), ['default', 'tenant']);
  assert.ok(fs.list('/data/kv').includes('CURRENT'));
  await assert.rejects(flo.namespaces.delete('tenant'), { code: 'CONFLICT' });
  await flo.namespaces.delete('tenant', { force: true });
  assert.equal(await flo.kv.get('tenant', 'k'), null);
  await flo.kv.put('', 'k', 'kept');
  await flo.close();
  const reopened = await openFlo({ dir: '/data', fs, clock });
  assert.equal(new TextDecoder().decode((await reopened.kv.get('', 'k'))!.value), 'kept');
  assert.ok(await reopened.kv.put('', 'k', 'again') > 2, 'versions carry on');
  await reopened.close();
});

test('openFlo opens the queue store, whose data survives a reopen', async () => {
  const fs = new MemFs();
  const flo = await openFlo(options(fs));
  assert.equal(await flo.queue.enqueue('tenant', 'jobs', new Uint8Array([1])), 1);
  assert.ok(await flo.namespaces.exists('tenant'));
  await flo.close();
  const reopened = await openFlo(options(fs));
  const [message] = await reopened.queue.dequeue('tenant', 'jobs', { count: 1 });
  assert.equal(message?.seq, 1);
  await assert.rejects(reopened.namespaces.delete('tenant'), /not empty/);
  await reopened.namespaces.delete('tenant', { force: true });
  assert.equal(await reopened.namespaces.exists('tenant'), false);
  await reopened.close();
});

test('openFlo opens the stream store: data survives a reopen, namespaces see streams', async () => {
  const fs = new MemFs();
  const flo = await openFlo(options(fs));
  const appended = await flo.stream.append('tenant', 'events', [{ payload: new Uint8Array([7]) }]);
  assert.equal(appended.sequence, 1);
  assert.ok(await flo.namespaces.exists('tenant'));
  assert.deepEqual(flo.stream.namespacesWithData(), ['tenant']);
  await flo.close();
  const reopened = await openFlo(options(fs));
  const [record] = await reopened.stream.read('tenant', 'events');
  assert.deepEqual([...record!.payload], [7]);
  await assert.rejects(reopened.namespaces.delete('tenant'), /not empty/);
  await reopened.namespaces.delete('tenant', { force: true });
  assert.deepEqual(await reopened.stream.read('tenant', 'events'), []);
  await reopened.close();
});
