// Tests of the action metric: a scrape of a real server's /metrics counts the ACTION_AWAITs
// parked in the action store, and drops to zero once a run answers the wait.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openFlo } from '../../engine/mod.ts';
import { startFloServer } from '../flo_server.ts';

async function parkedWaits(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  assert.match(text, /^# TYPE flo_action_parked_waits gauge$/m);
  const line = text.split('\n').find((candidate) =>
    candidate.startsWith('flo_action_parked_waits '));
  assert.ok(line !== undefined, 'the scrape has flo_action_parked_waits');
  return Number(line.split(' ')[1]);
}

test('GET /metrics counts the parked ACTION_AWAITs', async (t) => {
  const flo = await openFlo({ dir: '/data', durability: 'memory' });
  const server = await startFloServer(flo, { port: 0, http: { port: 0 }, log: () => {} });
  t.after(() => server.close());
  const port = server.httpAddress!.port;
  await flo.action.register('', 'a');
  assert.equal(await parkedWaits(port), 0);
  const waits = [flo.action.awaitTask('', 'w1', ['a']), flo.action.awaitTask('', 'w2', ['a'])];
  assert.equal(await parkedWaits(port), 2);
  await flo.action.invoke('', 'a', new Uint8Array(0));
  await flo.action.invoke('', 'a', new Uint8Array(0));
  assert.equal((await Promise.all(waits)).filter((task) => task !== null).length, 2);
  assert.equal(await parkedWaits(port), 0);
});
