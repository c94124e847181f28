// Conformance item 137 (flo-wire.md §9.1, §9.9) with the raw peer: after a restart, KV
// versions, transaction ids, queue seqs and stream sequences carry on above their earlier
// values, and the stored data is intact. Two restarts: a graceful one (server.close, the
// engine reopened on the same in-memory disk) and a power cut (MemFs.crashClone keeps only
// what was synced) in sync mode, where every acknowledged write must survive.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { MemFs, openFlo, type FileSystem } from '../engine/mod.ts';
import { Prng } from '../engine/io/prng.ts';
import { startFloServer } from './flo_server.ts';
import { FloPeer, opts, readRecords, text } from './testing/flo_peer.ts';
import { RawPeer } from './testing/raw_peer.ts';
import { OpCode } from './wire/opcodes.ts';
import { OptionTag } from './wire/option_tags.ts';

interface Numbers {
  version: number;
  txnId: number;
  seq: number;
  sequence: number;
}

async function start(t: TestContext, fs: FileSystem) {
  const flo = await openFlo({ dir: '/data', durability: 'sync', fs });
  const server = await startFloServer(flo, { port: 0, http: false, log: () => {} });
  t.after(() => server.close().catch(() => undefined));
  const raw = await RawPeer.connect(server.address.port);
  t.after(() => raw.destroy());
  return { server, peer: new FloPeer(raw) };
}

// One of each numbered write; returns the numbers they were given.
async function writeEach(peer: FloPeer, round: number): Promise<Numbers> {
  const version = (await peer.okBody(OpCode.KV_PUT, { key: `k${round}`, value: `v${round}` }))
    .u64();
  const begin = await peer.okBody(OpCode.KV_BEGIN_TXN, { key: 'route' });
  begin.u8();
  const txnId = begin.u64();
  const seq = (await peer.okBody(OpCode.QUEUE_ENQUEUE, { key: 'q', value: `m${round}` })).u64();
  const sequence = (await peer.okBody(OpCode.STREAM_APPEND, { key: 's', value: `r${round}` }))
    .u64();
  return { version, txnId, seq, sequence };
}

function assertAbove(after: Numbers, before: Numbers): void {
  for (const name of ['version', 'txnId', 'seq', 'sequence'] as const) {
    assert.ok(after[name] > before[name], `${name}: ${after[name]} > ${before[name]}`);
  }
}

// Everything the first rounds stored is there: keys, queued messages, stream records.
async function assertIntact(peer: FloPeer, rounds: number): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    const got = await peer.okBody(OpCode.KV_GET, { key: `k${round}` });
    got.u64();
    assert.equal(text(got.rest()), `v${round}`);
  }
  const peek = await peer.okBody(OpCode.QUEUE_PEEK, { key: 'q',
    opts: opts().uint(OptionTag.count, 100, 4) });
  assert.equal(peek.u32(), rounds, 'every message is still queued');
  const records = readRecords(await peer.okBody(OpCode.STREAM_READ, { key: 's' }));
  assert.deepEqual(records.map((record) => record.payload),
    Array.from({ length: rounds }, (_, round) => `r${round}`));
}

test('item 137: after a graceful restart every counter carries on and the data is intact',
  async (t) => {
    const fs = new MemFs();
    const first = await start(t, fs);
    let before = await writeEach(first.peer, 0);
    before = await writeEach(first.peer, 1);
    await first.server.close();
    const second = await start(t, fs);
    await assertIntact(second.peer, 2);
    assertAbove(await writeEach(second.peer, 2), before);
  });

test('item 137 after a power cut in sync mode: acknowledged writes and numbering survive',
  async (t) => {
    const fs = new MemFs({ trackCrashes: true });
    const first = await start(t, fs);
    await writeEach(first.peer, 0);
    const before = await writeEach(first.peer, 1);
    const crashed = fs.crashClone(new Prng(137));
    const second = await start(t, crashed);
    await assertIntact(second.peer, 2);
    assertAbove(await writeEach(second.peer, 2), before);
  });
