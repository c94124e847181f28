// The real-process crash test: a child process runs a produce/consume workload on a real
// directory (engine/testing/queue_kill_child.ts) and is killed with SIGKILL mid-workload;
// the directory is then reopened here and checked: every acknowledged enqueue without an
// ack sent is there, no acknowledged ack comes back, unacked leased messages are delivered
// again once their lease has run out, and seqs continue above every seq handed out.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeFs } from '../io/node_fs.ts';
import { ManualClock } from '../io/clock.ts';
import { simPayload, simPayloadId } from '../testing/queue_sim.ts';
import { QueueStore } from './queue_store.ts';

const child = new URL('../testing/queue_kill_child.ts', import.meta.url).pathname;

// Runs the child until it has reported `acks` acks (or 10 s pass), then SIGKILLs it.
function runAndKill(dir: string, acks: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, dir],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let seen = 0;
    const kill = (): void => void proc.kill('SIGKILL');
    const deadline = setTimeout(kill, 10_000);
    proc.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      out += text;
      seen += text.split('\nA ').length - 1;
      if (seen >= acks) kill();
    });
    proc.stderr.on('data', (chunk: Buffer) => void (err += chunk.toString('utf8')));
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      clearTimeout(deadline);
      if (signal !== 'SIGKILL') reject(new Error(`child exited with ${code}: ${err}`));
      // A line cut by the kill is not a report.
      else resolve(out.split('\n').slice(0, -1));
    });
  });
}

test('after SIGKILL mid-workload, acknowledged enqueues and acks hold on reopen', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flo-queue-kill-'));
  try {
    const lines = await runAndKill(dir, 300);
    const enqueued = new Map<number, number>();
    const ackSent = new Set<number>();
    const acked = new Set<number>();
    for (const line of lines) {
      const [kind, seq, id] = line.split(' ');
      if (kind === 'E') enqueued.set(Number(seq), Number(id));
      else if (kind === 'S') ackSent.add(Number(seq));
      else if (kind === 'A') acked.add(Number(seq));
    }
    assert.ok(acked.size >= 50, `the child acked only ${acked.size} messages`);
    const clock = new ManualClock(Date.now());
    const store = await QueueStore.open({ fs: new NodeFs(), clock, dir });
    clock.advance(2_001);
    const present = new Map<number, number>();
    for (;;) {
      const messages = await store.dequeue('', 'jobs', { count: 100 });
      if (messages.length === 0) break;
      for (const message of messages) present.set(message.seq, simPayloadId(message.payload));
    }
    for (const [seq, id] of enqueued) {
      if (!ackSent.has(seq)) assert.equal(present.get(seq), id, `enqueued seq ${seq} lost`);
    }
    for (const seq of acked) assert.ok(!present.has(seq), `acked seq ${seq} came back`);
    for (const [seq, id] of present) assert.ok(id > 0, `seq ${seq} has a foreign payload`);
    const next = await store.enqueue('', 'jobs', simPayload(1));
    assert.ok(next > Math.max(...enqueued.keys()), `seq ${next} reused`);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
