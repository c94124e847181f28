// The child process of queue_kill.test.ts: runs a produce/consume workload against a real
// directory (NodeFs, RealClock, sync durability) until it is killed with SIGKILL, and
// reports on stdout, synchronously (so a line is out before the next step happens):
//   E <seq> <id>   the enqueue of payload <id> was acknowledged with <seq>
//   S <seq>        an ack for <seq> is about to be sent
//   A <seq>        the ack of <seq> was acknowledged
// Usage: node --import tsx engine/testing/queue_kill_child.ts <dir>

import { writeSync } from 'node:fs';
import { NodeFs, QueueStore, RealClock } from '../mod.ts';
import { simPayload, simPayloadId } from './queue_sim.ts';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: queue_kill_child.ts <dir>');
const store = await QueueStore.open({ fs: new NodeFs(), clock: new RealClock(), dir,
  durability: 'sync', segmentBytes: 64 * 1024, checkpointEvents: 500 });
const say = (line: string): void => void writeSync(1, `${line}\n`);
let nextId = 1;

async function producer(): Promise<never> {
  for (;;) {
    const ids = Array.from({ length: 1 + (nextId % 3) }, () => nextId++);
    const seqs = await store.enqueueBatch('', 'jobs', ids.map(simPayload));
    seqs.forEach((seq, i) => say(`E ${seq} ${ids[i]}`));
  }
}

async function consumer(): Promise<never> {
  for (;;) {
    const messages = await store.dequeue('', 'jobs',
      { count: 5, blockMs: 100, visibilityTimeoutMs: 2_000 });
    const acking = messages.filter((message) => simPayloadId(message.payload) % 4 !== 0);
    for (const message of acking) say(`S ${message.seq}`);
    if (acking.length > 0) {
      await store.ack('', 'jobs', acking.map((message) => message.seq));
      for (const message of acking) say(`A ${message.seq}`);
    }
  }
}

await Promise.all([producer(), producer(), consumer(), consumer(), consumer()]);
