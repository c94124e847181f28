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
  assert.deepEqual(flo.namespaces.list(), ['default']);
  await flo.namespaces.create('tenant-b');
  await flo.namespaces.create('Tenant_a');
  await assert.rejects(flo.namespaces.create('tenant-b'), { code: 'CONFLICT' });
  await assert.rejects(flo.namespaces.create('default'), { code: 'CONFLICT' });
  await assert.rejects(flo.namespaces.create('_sys.x'), RangeError);
  await assert.rejects(flo.namespaces.create('1abc'), RangeError);
  await assert.rejects(flo.namespaces.create(''), RangeError);
  assert.deepEqual(flo.namespaces.list(), ['Tenant_a', 'default', 'tenant-b']);
  await assert.rejects(flo.namespaces.delete('default'), RangeError);
  await assert.rejects(flo.namespaces.delete('nope'), { code: 'NOT_FOUND' });
  await flo.namespaces.delete('Tenant_a');
  await flo.close();
  const reopened = await openFlo(options(fs));
  assert.deepEqual(reopened.namespaces.list(), ['default', 'tenant-b']);
  assert.ok(reopened.namespaces.exists('tenant-b'));
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
  assert.ok(flo.namespaces.exists('implicit'), 'a write creates a namespace implicitly');
  assert.deepEqual(flo.namespaces.list(), ['default', 'implicit']);
  await assert.rejects(flo.namespaces.delete('implicit'), /not empty/);
  await flo.namespaces.delete('implicit', { force: true });
  assert.equal(flo.namespaces.exists('implicit'), false);
  await flo.close();
});
