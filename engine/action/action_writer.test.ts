// Tests of ActionWriter's batching: puts that must land together (a run's final record with
// its list and idempotency entries) stay in one LSM write even when they carry the turn's
// batch past the early-write size.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../io/clock.ts';
import { MemFs } from '../io/mem_fs.ts';
import { utf8 } from '../codec/bytes.ts';
import { LsmDb } from '../lsm/db.ts';
import type { WriteBatch } from '../lsm/write_batch.ts';
import { ActionWriter } from './action_writer.ts';

const MiB = 1024 * 1024;

async function writerOverDb(): Promise<{ db: LsmDb; writer: ActionWriter; writes: number[] }> {
  const db = await LsmDb.open({ fs: new MemFs(), clock: new ManualClock(), dir: '/db',
    background: false });
  const writes: number[] = [];
  const write = db.write.bind(db);
  db.write = (batch: WriteBatch) => {
    writes.push(batch.count);
    return write(batch);
  };
  const writer = new ActionWriter(db, (error) => assert.fail(error));
  return { db, writer, writes };
}

test('putAll keeps its puts in one LSM write when they cross the early-write size', async () => {
  const { db, writer, writes } = await writerOverDb();
  void writer.put(utf8('big'), new Uint8Array(4 * MiB - 64));
  const durable = writer.putAll([[utf8('run'), new Uint8Array(200)],
    [utf8('list'), new Uint8Array(8)], [utf8('idem'), new Uint8Array(8)]]);
  await durable;
  assert.deepEqual(writes, [4], 'the big put and the three together, one write');
  await db.close();
});

test('single puts are written as soon as the batch passes the early-write size', async () => {
  const { db, writer, writes } = await writerOverDb();
  void writer.put(utf8('big'), new Uint8Array(4 * MiB - 64));
  void writer.put(utf8('run'), new Uint8Array(200));
  const last = writer.put(utf8('list'), new Uint8Array(8));
  await last;
  assert.deepEqual(writes, [2, 1], 'the write happens between the two puts');
  await db.close();
});
