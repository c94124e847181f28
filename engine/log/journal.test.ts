// Tests of the Journal with a tiny state machine (a running sum): restore + replay rebuilds
// the state, checkpoints bound the replay and drop old segments, and under random crashes
// every acknowledged event is reflected exactly once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemFs } from '../io/mem_fs.ts';
import { ManualClock } from '../io/clock.ts';
import { Prng, randomSeed } from '../io/prng.ts';
import { Journal, type JournalOptions } from './journal.ts';

class Sum {
  total = 0;
  events = 0;
  replay = {
    restore: (snapshot: Uint8Array): void => {
      const view = new DataView(snapshot.buffer, snapshot.byteOffset, snapshot.length);
      this.total = view.getFloat64(0, true);
      this.events = view.getFloat64(8, true);
    },
    apply: (record: { value: Uint8Array }): void => {
      this.total += record.value[0]!;
      this.events += 1;
    },
  };

  snapshot(): Uint8Array {
    const bytes = new Uint8Array(16);
    const view = new DataView(bytes.buffer);
    view.setFloat64(0, this.total, true);
    view.setFloat64(8, this.events, true);
    return bytes;
  }
}

const options = (fs: MemFs): JournalOptions => ({
  fs, clock: new ManualClock(), dir: '/j', segmentBytes: 4096,
});

test('Journal rebuilds state from its checkpoint plus the events after it', async () => {
  const fs = new MemFs();
  const state = new Sum();
  let journal = await Journal.open(options(fs), state.replay);
  for (let i = 0; i < 500; i++) {
    state.total += i % 7;
    state.events += 1;
    journal.log.appendNow([{ value: new Uint8Array([i % 7]) }]);
    if (i === 300) await journal.checkpoint(state.snapshot(), journal.log.nextOffset);
  }
  await journal.close();
  assert.ok(journal.log.firstOffset > 0, 'segments below the checkpoint were dropped');
  const restored = new Sum();
  journal = await Journal.open(options(fs), restored.replay);
  assert.equal(journal.recovery.checkpointOffset, 301);
  assert.equal(journal.recovery.replayedEvents, 199);
  assert.equal(restored.total, state.total);
  assert.equal(restored.events, 500);
  await journal.close();
});

test('Journal keeps segments the owner still needs (keepFrom)', async () => {
  const fs = new MemFs();
  const journal = await Journal.open(options(fs), new Sum().replay);
  for (let i = 0; i < 200; i++) journal.log.appendNow([{ value: new Uint8Array(100) }]);
  await journal.checkpoint(new Uint8Array(16), journal.log.nextOffset, 10);
  assert.ok(journal.log.firstOffset <= 10);
  await journal.checkpoint(new Uint8Array(16), journal.log.nextOffset);
  assert.equal(journal.log.firstOffset, 200);
  await journal.close();
});

test('Journal refuses a damaged checkpoint', async () => {
  const fs = new MemFs();
  const journal = await Journal.open(options(fs), new Sum().replay);
  journal.log.appendNow([{ value: new Uint8Array([1]) }]);
  await journal.checkpoint(new Uint8Array(16), 1);
  await journal.close();
  const file = fs.openFile('/j/CHECKPOINT');
  file.writeAt(new Uint8Array([0xff]), 20);
  file.close();
  await assert.rejects(Journal.open(options(fs), new Sum().replay), { name: 'CorruptionError' });
});

test('Journal under random crashes: every acknowledged event counts exactly once', async () => {
  const start = randomSeed();
  for (let seed = start; seed < start + 60; seed++) {
    const prng = new Prng(seed);
    let fs = new MemFs();
    let state = new Sum();
    let journal = await Journal.open(options(fs), state.replay);
    let ackedEvents = 0;
    for (let step = 0; step < 80; step++) {
      const roll = prng.int(0, 10);
      if (roll < 6) {
        const amount = prng.int(0, 5);
        state.total += amount;
        state.events += 1;
        const expected = state.events;
        journal.log.appendNow([{ value: new Uint8Array([amount]) }]).durable
          .then(() => (ackedEvents = Math.max(ackedEvents, expected)), () => undefined);
      } else if (roll < 8) {
        await new Promise((resolve) => setImmediate(resolve));
      } else if (roll < 9 && !journal.checkpointInProgress) {
        void journal.checkpoint(state.snapshot(), journal.log.nextOffset).catch(() => undefined);
      } else {
        const crashed = fs.crashClone(prng);
        const recovered = new Sum();
        const reopened = await Journal.open(options(crashed), recovered.replay);
        assert.ok(recovered.events >= ackedEvents, `seed ${seed}: lost acknowledged events`);
        assert.equal(recovered.events, reopened.log.nextOffset, `seed ${seed}: one per offset`);
        await journal.close().catch(() => undefined);
        fs = crashed;
        journal = reopened;
        state = recovered;
        ackedEvents = recovered.events;
      }
    }
    await journal.close();
  }
});
