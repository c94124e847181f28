// Tests of `flo inspect kv`, run through main() with captured output: a KV store written on
// the real disk (levels, tables, seq ranges, WAL state) as text and JSON, found from a Flo
// data directory too, and a store with a missing table reported with exit code 1.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KvStore, NodeFs, RealClock } from '../../engine/mod.ts';
import { main } from '../main.ts';
import { collectingIo } from '../output.ts';

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = collectingIo();
  const code = await main(['node', 'flo', ...args], io);
  return { code, out: io.stdout, err: io.stderr };
}

async function writeStore(dir: string): Promise<void> {
  const kv = await KvStore.open({ fs: new NodeFs(), clock: new RealClock(), dir,
    durability: 'async', lsm: { memtableBytesMax: 64 * 1024, background: false } });
  for (let i = 0; i < 300; i++) {
    await kv.put('', `key${String(i).padStart(3, '0')}`, 'v'.repeat(50));
  }
  await kv.db.flush();
  await kv.put('', 'after-flush', 'in the WAL');
  await kv.close();
}

test('flo inspect kv shows levels, tables, seq ranges and the WAL', async () => {
  const root = mkdtempSync(join(tmpdir(), 'flo-inspect-kv-'));
  try {
    await writeStore(join(root, 'kv'));
    const { code, out, err } = await run('inspect', 'kv', root);
    assert.equal(code, 0, err);
    assert.match(out, /kv .*\/kv: ok\n/);
    assert.match(out, /manifest MANIFEST-000001: \d+ bytes, \d+ edits\n/);
    assert.match(out, /\nlevels\n/);
    assert.match(out, /L0 +\d+ +\d+ +\d+/);
    assert.match(out, /WAL: \d+ segments, \d+ records, \d+ bytes; replay starts at offset \d+/);
    const json = JSON.parse((await run('inspect', 'kv', join(root, 'kv'), '--json')).out);
    assert.equal(json.ok, true);
    assert.ok(json.totalTables >= 1);
    assert.ok(json.seqRange[1] >= json.seqRange[0]);
    assert.equal(typeof json.levels[0].tables[0].smallestKey.hex, 'string');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('flo inspect kv reports a missing table with exit code 1', async () => {
  const root = mkdtempSync(join(tmpdir(), 'flo-inspect-kv-'));
  try {
    await writeStore(root);
    const table = readdirSync(root).find((name) => name.endsWith('.sst'))!;
    unlinkSync(join(root, table));
    const { code, out } = await run('inspect', 'kv', root);
    assert.equal(code, 1);
    assert.match(out, new RegExp(`PROBLEM: table ${table} named by the manifest is missing`));
    assert.match(out, /\(MISSING\)/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
