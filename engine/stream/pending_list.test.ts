// Model-based test of the PEL (pending_list.ts) against a plain sorted array: random appends,
// removals (by entry and below a sequence), lookups and scans agree, across the compactions
// that lazy deletion triggers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from '../testing/fc_params.ts';
import { PendingEntry, PendingList } from './pending_list.ts';

const operation = fc.oneof(
  fc.record({ op: fc.constant('append' as const), gap: fc.integer({ min: 1, max: 3 }),
    count: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ op: fc.constant('remove' as const), pick: fc.nat(), count: fc.integer({ min: 1,
    max: 150 }) }),
  fc.record({ op: fc.constant('removeBelow' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('scan' as const), pick: fc.nat(), limit: fc.integer({ min: 1,
    max: 50 }) }),
);

test('PendingList agrees with a sorted array under random operations', () => {
  fc.assert(fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
    const list = new PendingList();
    let model: PendingEntry[] = [];
    let next = 1;
    for (const step of operations) {
      if (step.op === 'append') {
        for (let i = 0; i < step.count; i++) {
          const entry = new PendingEntry(next, next, 0, next, 'c', 1, 0, 0);
          next += step.gap;
          list.append(entry);
          model.push(entry);
        }
      } else if (step.op === 'remove') {
        for (let i = 0; i < step.count && model.length > 0; i++) {
          const [entry] = model.splice((step.pick + i * 7) % model.length, 1);
          list.remove(entry!);
        }
      } else if (step.op === 'removeBelow') {
        const below = model.length === 0 ? next : model[step.pick % model.length]!.sequence;
        const removed = list.removeBelow(below).map((entry) => entry.sequence);
        assert.deepEqual(removed, model.filter((e) => e.sequence < below).map((e) => e.sequence));
        model = model.filter((entry) => entry.sequence >= below);
      } else {
        const from = step.pick % next;
        const seen: number[] = [];
        list.scan((entry) => entry.sequence < from, (entry) => {
          seen.push(entry.sequence);
          return seen.length < step.limit;
        });
        const expected = model.filter((e) => e.sequence >= from).slice(0, step.limit);
        assert.deepEqual(seen, expected.map((entry) => entry.sequence));
      }
      assert.equal(list.size, model.length);
      assert.equal(list.first()?.sequence, model[0]?.sequence);
      const probe = model[operations.length % Math.max(1, model.length)];
      if (probe !== undefined) assert.equal(list.get(probe.sequence), probe);
      list.checkInvariants();
    }
    assert.deepEqual([...list.values()].map((e) => e.sequence), model.map((e) => e.sequence));
  }), fcParams(200));
});
