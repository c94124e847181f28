// Tests of MemFs's crash model: what a crash clone may keep (synced bytes, a prefix of the
// rest, directory entries only after syncDir), and fault injection.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemFs } from './mem_fs.ts';
import { Prng } from './prng.ts';
import { writeFileAtomic } from './file_system.ts';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

function contentOf(fs: MemFs, path: string): number[] | null {
  return fs.stat(path) === null ? null : [...fs.readFile(path)];
}

test('MemFs crash clone keeps synced bytes and a prefix of unsynced ones', async () => {
  for (let seed = 0; seed < 200; seed++) {
    const fs = new MemFs();
    fs.mkdirp('/d');
    const file = fs.openFile('/d/f', { create: true });
    file.writeAt(bytes(1, 2, 3), 0);
    await file.sync();
    await fs.syncDir('/d');
    file.writeAt(bytes(4, 5), 3);
    file.writeAt(bytes(6), 5);
    const crashed = contentOf(fs.crashClone(new Prng(seed)), '/d/f');
    assert.ok(crashed !== null, `seed ${seed}: synced file vanished`);
    assert.deepEqual(crashed.slice(0, 3), [1, 2, 3], `seed ${seed}`);
    assert.deepEqual(crashed, [1, 2, 3, 4, 5, 6].slice(0, crashed.length), `seed ${seed}`);
  }
});

test('MemFs crash clone can drop a created file until its directory is synced', async () => {
  const outcomes = new Set<string>();
  for (let seed = 0; seed < 100; seed++) {
    const fs = new MemFs();
    fs.mkdirp('/d');
    const file = fs.openFile('/d/new', { create: true });
    file.writeAt(bytes(7), 0);
    await file.sync();
    const crashed = fs.crashClone(new Prng(seed));
    outcomes.add(JSON.stringify(contentOf(crashed, '/d/new')));
  }
  assert.deepEqual([...outcomes].sort(), ['[7]', 'null']);
  const fs = new MemFs();
  fs.mkdirp('/d');
  fs.openFile('/d/new', { create: true }).writeAt(bytes(8), 0);
  await fs.syncDir('/d');
  assert.deepEqual(contentOf(fs.crashClone(new Prng(1)), '/d/new') !== null, true);
});

test('MemFs sync makes only writes issued before the call durable', async () => {
  const fs = new MemFs();
  fs.mkdirp('/d');
  const file = fs.openFile('/d/f', { create: true });
  await fs.syncDir('/d');
  file.writeAt(bytes(1), 0);
  const syncing = file.sync();
  file.writeAt(bytes(2), 1);
  await syncing;
  const seen = new Set<string>();
  for (let seed = 0; seed < 100; seed++) {
    const crashed = fs.crashClone(new Prng(seed), { tornWrites: false });
    seen.add(JSON.stringify(contentOf(crashed, '/d/f')));
  }
  assert.deepEqual([...seen].sort(), ['[1,2]', '[1]']);
});

test('writeFileAtomic leaves the old or the new content after any crash', async () => {
  for (let seed = 0; seed < 100; seed++) {
    const fs = new MemFs();
    fs.mkdirp('/d');
    await writeFileAtomic(fs, '/d/CURRENT', bytes(1, 1));
    const prng = new Prng(seed);
    const pending = writeFileAtomic(fs, '/d/CURRENT', bytes(2, 2, 2));
    const midway = fs.crashClone(prng);
    await pending;
    const after = fs.crashClone(prng);
    assert.ok(['[1,1]', '[2,2,2]'].includes(JSON.stringify(contentOf(midway, '/d/CURRENT'))));
    assert.deepEqual(contentOf(after, '/d/CURRENT'), [2, 2, 2]);
  }
});

test('MemFs injected faults fail the named operation once', async () => {
  const fs = new MemFs();
  fs.mkdirp('/d');
  const file = fs.openFile('/d/f', { create: true });
  fs.injectFault('write', '/d/f');
  assert.throws(() => file.writeAt(bytes(1), 0), { code: 'STORAGE_IO' });
  file.writeAt(bytes(1), 0);
  fs.injectFault('sync', '/d/f');
  await assert.rejects(file.sync(), { code: 'STORAGE_IO' });
  await file.sync();
  assert.deepEqual([...fs.readFile('/d/f')], [1]);
});

test('MemFs truncate then extend reads zeros, in the live and the crashed file', async () => {
  const fs = new MemFs();
  fs.mkdirp('/d');
  const file = fs.openFile('/d/f', { create: true });
  file.writeAt(bytes(1, 2, 3, 4), 0);
  file.truncate(1);
  file.truncate(3);
  assert.deepEqual([...fs.readFile('/d/f')], [1, 0, 0]);
  await file.sync();
  await fs.syncDir('/d');
  assert.deepEqual(contentOf(fs.crashClone(new Prng(3)), '/d/f'), [1, 0, 0]);
  assert.deepEqual(fs.list('/d'), ['f']);
});
