// Model-based test of NameMap against a Map keyed by `${namespace}\0${name}`: random sets,
// deletes (one entry or a namespace) and lookups agree on every answer, the size and the
// values held.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from '../testing/fc_params.ts';
import { NameMap } from './name_map.ts';

const part = fc.constantFrom('', 'a', 'b', 'ab', 'default');
const op = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), ns: part, name: part, value: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), ns: part, name: part }),
  fc.record({ kind: fc.constant('clear' as const) }),
  fc.record({ kind: fc.constant('deleteNamespace' as const), ns: part }),
);

test('NameMap agrees with a Map of joined keys', () => {
  fc.assert(fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
    const map = new NameMap<number>();
    const model = new Map<string, number>();
    for (const step of ops) {
      if (step.kind === 'set') {
        map.set(step.ns, step.name, step.value);
        model.set(`${step.ns}\u0000${step.name}`, step.value);
      } else if (step.kind === 'delete') {
        assert.equal(map.delete(step.ns, step.name), model.delete(`${step.ns}\u0000${step.name}`));
      } else if (step.kind === 'deleteNamespace') {
        const removed = [...model].filter(([joined]) => joined.startsWith(`${step.ns}\u0000`));
        for (const [joined] of removed) model.delete(joined);
        assert.deepEqual(map.deleteNamespace(step.ns).sort(), removed.map(([, v]) => v).sort());
      } else {
        map.clear();
        model.clear();
      }
      assert.equal(map.size, model.size);
      for (const ns of ['', 'a', 'b', 'ab', 'default']) {
        for (const name of ['', 'a', 'b', 'ab', 'default']) {
          const joined = `${ns}\u0000${name}`;
          assert.equal(map.get(ns, name), model.get(joined));
          assert.equal(map.has(ns, name), model.has(joined));
        }
      }
      assert.deepEqual([...map.values()].sort(), [...model.values()].sort());
    }
  }), fcParams());
});
