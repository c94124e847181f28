// Manifest tests: version edits round-trip (property), decoding rejects every malformed
// field, and the recovery catalogue of the manifest file: a torn last frame cut at every
// byte, a zero-filled tail, a bad frame with data after it, a bad or dangling CURRENT,
// inconsistent edit sequences.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from '../testing/fc_params.ts';
import { CorruptionError } from '../errors.ts';
import { MemFs } from '../io/mem_fs.ts';
import { utf8 } from '../codec/bytes.ts';
import { levelCountMax } from '../limits.ts';
import { foldEdits } from './db_recovery.ts';
import { ManifestWriter, readManifest } from './manifest.ts';
import { decodeEdit, encodeEdit, type TableMeta, type VersionEdit } from './version_edit.ts';

const keyArb = fc.uint8Array({ maxLength: 12 });
const tableArb: fc.Arbitrary<TableMeta> = fc.record({
  fileNumber: fc.integer({ min: 1, max: 2 ** 33 - 1 }),
  sizeBytes: fc.integer({ min: 0, max: 2 ** 40 }),
  entryCount: fc.integer({ min: 1, max: 2 ** 40 }),
  seqs: fc.tuple(fc.nat(), fc.nat()),
  keys: fc.tuple(keyArb, keyArb),
}).map(({ seqs, keys, ...rest }) => {
  const [a, b] = Buffer.compare(keys[0], keys[1]) <= 0 ? keys : [keys[1], keys[0]];
  return { ...rest, smallestSeq: Math.min(...seqs), largestSeq: Math.max(...seqs),
    smallestKey: a, largestKey: b };
});
const editArb: fc.Arbitrary<VersionEdit> = fc.record({
  walOffset: fc.option(fc.nat(), { nil: undefined }),
  lastSeq: fc.option(fc.integer({ min: 0, max: 2 ** 53 - 1 }), { nil: undefined }),
  nextFileNumber: fc.option(fc.nat(), { nil: undefined }),
  added: fc.array(fc.record({ level: fc.integer({ min: 0, max: levelCountMax - 1 }),
    table: tableArb }), { maxLength: 5 }),
  removed: fc.array(fc.record({ level: fc.integer({ min: 0, max: levelCountMax - 1 }),
    fileNumber: fc.nat() }), { maxLength: 5 }),
}, { requiredKeys: ['added', 'removed'] });

function strip(edit: VersionEdit): VersionEdit {
  return JSON.parse(JSON.stringify(edit, (_, value: unknown) =>
    value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value)) as VersionEdit;
}

test('version edits round-trip through their encoding', () => {
  fc.assert(fc.property(editArb, (edit) => {
    const decoded = decodeEdit(encodeEdit(edit));
    assert.notEqual(typeof decoded, 'string', String(decoded));
    assert.deepEqual(strip(decoded as VersionEdit), strip(edit));
  }), fcParams());
});

test('decodeEdit names what is wrong with a malformed edit', () => {
  const table = { fileNumber: 3, sizeBytes: 10, entryCount: 1, smallestSeq: 1, largestSeq: 2,
    smallestKey: utf8('a'), largestKey: utf8('b') };
  const good = encodeEdit({ added: [{ level: 1, table }], removed: [] });
  const cases: Array<[Uint8Array, RegExp]> = [
    [Uint8Array.of(0x09), /unknown field tag 0x9/],
    [Uint8Array.of(0x05, levelCountMax, 1), /level 7 above the limit/],
    [good.subarray(0, good.length - 1), /truncated|runs past/],
    [Uint8Array.of(0x01, 0x80), /truncated varint/],
    [encodeEdit({ added: [], removed: [] }), /^$/],
  ];
  for (const [bytes, message] of cases.slice(0, -1)) {
    const result = decodeEdit(bytes);
    assert.equal(typeof result, 'string');
    assert.match(result as string, message);
  }
  const swapped = good.slice();
  // Make the smallest key "c" > largest key "b".
  swapped[swapped.length - 3] = 0x63;
  assert.match(decodeEdit(swapped) as string, /smallest key above largest key/);
});

async function writeManifest(fs: MemFs, edits: VersionEdit[]): Promise<void> {
  fs.mkdirp('/db');
  const writer = await ManifestWriter.create(fs, '/db', 1, edits[0]!);
  for (const edit of edits.slice(1)) await writer.append(edit);
  writer.close();
}

const edits: VersionEdit[] = [
  { walOffset: 0, lastSeq: 0, nextFileNumber: 2, added: [], removed: [] },
  { walOffset: 5, lastSeq: 9, nextFileNumber: 3, removed: [], added: [{ level: 0, table: {
    fileNumber: 2, sizeBytes: 100, entryCount: 9, smallestSeq: 1, largestSeq: 9,
    smallestKey: utf8('a'), largestKey: utf8('z') } }] },
  { walOffset: 8, lastSeq: 12, nextFileNumber: 4, removed: [], added: [] },
];

test('the manifest reads back the edits its writer appended', async () => {
  const fs = new MemFs();
  await writeManifest(fs, edits);
  const read = readManifest(fs, '/db')!;
  assert.equal(read.name, 'MANIFEST-000001');
  assert.equal(read.tornTail, false);
  assert.deepEqual(read.edits.map(strip), edits.map(strip));
  const state = foldEdits(read.edits, '/db/MANIFEST-000001');
  assert.deepEqual([state.walOffset, state.lastSeq, state.nextFileNumber, state.tables.size],
    [8, 12, 4, 1]);
});

test('a torn last frame is cut at every byte, and a zero-filled tail too', async () => {
  const fs = new MemFs();
  await writeManifest(fs, edits);
  const whole = fs.readFile('/db/MANIFEST-000001');
  const lastFrame = 8 + encodeEdit(edits[2]!).length;
  for (let cut = whole.length - lastFrame; cut < whole.length; cut++) {
    for (const zeros of [0, whole.length - cut]) {
      const damaged = new MemFs();
      await writeManifest(damaged, edits);
      const file = damaged.openFile('/db/MANIFEST-000001');
      file.truncate(cut);
      file.truncate(cut + zeros);
      file.close();
      const read = readManifest(damaged, '/db')!;
      assert.equal(read.edits.length, 2);
      assert.equal(read.tornTail, !(cut === whole.length - lastFrame && zeros === 0));
      assert.equal(read.validBytes, whole.length - lastFrame);
      const writer = await ManifestWriter.reopen(damaged, '/db', read);
      await writer.append(edits[2]!);
      writer.close();
      assert.equal(readManifest(damaged, '/db')!.edits.length, 3, `cut ${cut} zeros ${zeros}`);
    }
  }
});

test('a bad frame with more data after it, or a bad CURRENT, is CorruptionError', async () => {
  const fs = new MemFs();
  await writeManifest(fs, edits);
  const file = fs.openFile('/db/MANIFEST-000001');
  const flipped = new Uint8Array(1);
  file.readAt(flipped, 0, 1, 20);
  file.writeAt(Uint8Array.of(flipped[0]! ^ 1), 20);
  file.close();
  assert.throws(() => readManifest(fs, '/db'), CorruptionError);
  const cases: Array<[string, RegExp]> = [['MANIFEST-000001', /Cannot read CURRENT/],
    ['MANIFEST-000009\n', /"MANIFEST-000009" is missing/], ['garbage\n', /Cannot read CURRENT/]];
  for (const [current, message] of cases) {
    const other = new MemFs();
    await writeManifest(other, edits);
    const handle = other.openFile('/db/CURRENT');
    handle.truncate(0);
    handle.writeAt(utf8(current), 0);
    handle.close();
    assert.throws(() => readManifest(other, '/db'), (error: unknown) =>
      error instanceof CorruptionError && message.test(error.message));
  }
  assert.equal(readManifest(new MemFs(), '/'), null);
});

test('foldEdits refuses an edit sequence that cannot have been written', () => {
  const add = (fileNumber: number) => ({ level: 0, table: { ...edits[1]!.added[0]!.table,
    fileNumber } });
  const bad: Array<[VersionEdit[], RegExp]> = [
    [[{ added: [], removed: [{ level: 0, fileNumber: 5 }] }], /removes unknown table 5/],
    [[{ added: [add(2)], removed: [] }, { added: [add(2)], removed: [] }], /adds table 2 twice/],
    [[{ walOffset: 5, added: [], removed: [] }, { walOffset: 4, added: [], removed: [] }],
      /walOffset goes backwards/],
    [[{ nextFileNumber: 2, added: [add(7)], removed: [] }], /at or above nextFileNumber/],
  ];
  for (const [sequence, message] of bad) {
    assert.throws(() => foldEdits(sequence, 'm'), (error: unknown) =>
      error instanceof CorruptionError && message.test(error.message));
  }
});
