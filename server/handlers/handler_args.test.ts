// Tests of parkHooks: a request's AbortSignal is made only when an engine reads it (on the
// way to parking), not when the handler builds the call's options.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestContext } from '../handler.ts';
import { parkHooks } from './handler_args.ts';

function countingContext(): { context: RequestContext; reads: () => number; parks: () => number } {
  let signalReads = 0;
  let parkCalls = 0;
  const controller = new AbortController();
  const context = {
    auth: { kind: 'none' },
    setAuth() {},
    get signal() {
      signalReads += 1;
      return controller.signal;
    },
    park() {
      parkCalls += 1;
      return true;
    },
  } as unknown as RequestContext;
  return { context, reads: () => signalReads, parks: () => parkCalls };
}

test('parkHooks makes the signal only when it is read, and merges without reading it', () => {
  const { context, reads, parks } = countingContext();
  const options = Object.assign(parkHooks(context, true), { blockMs: 1000, count: 1 });
  assert.deepEqual([options.blockMs, options.count, reads()], [1000, 1, 0]);
  assert.ok(options.signal instanceof AbortSignal);
  assert.equal(reads(), 1);
  assert.equal(options.onPark?.(), true);
  assert.equal(parks(), 1);
});

test('parkHooks of a request that cannot wait has no signal and no onPark', () => {
  const { context, reads } = countingContext();
  const options = parkHooks(context, false);
  assert.equal(options.signal, undefined);
  assert.equal(options.onPark, undefined);
  assert.equal(reads(), 0);
});
