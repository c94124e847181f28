// ReadyIndex against a sorted array: random fresh inserts (growing seqs), returns (any seq),
// removals of ready messages (dead entries), takes and peeks; take() and peek() must always
// give the model's order (priority value, then seq) and oldest() its lowest seq.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams } from '../testing/fc_params.ts';
import { MessageState, type Message } from './message.ts';
import { ReadyIndex } from './ready_index.ts';

function message(seq: number, priority: number): Message {
  return {
    seq, priority, enqueuedAtMs: seq, maxDeliveries: 0, state: MessageState.ready, attempts: 0,
    dueMs: 0, leaseMs: 0, epoch: 0, payloadOffset: 0, payloadBytes: 0, payload: null,
  };
}

const order = (a: Message, b: Message): number => a.priority - b.priority || a.seq - b.seq;

type Op = { op: 'fresh' | 'return' | 'remove' | 'take' | 'peek'; priority: number; pick: number };

test('ReadyIndex gives the order of a sorted array through inserts, removals and takes', () => {
  const opArb = fc.record({ op: fc.constantFrom('fresh', 'fresh', 'return', 'remove', 'take',
    'peek'), priority: fc.constantFrom(0, 1, 7, 255), pick: fc.nat(1000) },
  { noNullPrototype: true }) as fc.Arbitrary<Op>;
  fc.assert(fc.property(fc.array(opArb, { maxLength: 300, size: 'max' }), (ops) => {
    const index = new ReadyIndex();
    let model: Message[] = [];
    const out: Message[] = [];
    let nextSeq = 1;
    for (const { op, priority, pick } of ops) {
      if (op === 'fresh') {
        const m = message(nextSeq++, priority);
        index.insertFresh(m);
        model.push(m);
      } else if (op === 'return' && out.length > 0) {
        const m = out.splice(pick % out.length, 1)[0]!;
        m.state = MessageState.ready;
        index.insert(m);
        model.push(m);
      } else if (op === 'remove' && model.length > 0) {
        const m = model.splice(pick % model.length, 1)[0]!;
        m.state = MessageState.removed;
        index.deadEntries += 1;
      } else if (op === 'take') {
        model.sort(order);
        const expected = model.shift();
        const taken = index.take();
        assert.equal(taken, expected);
        if (taken !== undefined) {
          taken.state = MessageState.leased;
          out.push(taken);
        }
      } else if (op === 'peek') {
        model.sort(order);
        assert.deepEqual(index.peek(1 + (pick % 5)).map((m) => m.seq),
          model.slice(0, 1 + (pick % 5)).map((m) => m.seq));
      }
      const lowest = model.reduce<Message | undefined>((a, m) =>
        (a === undefined || m.seq < a.seq ? m : a), undefined);
      assert.equal(index.oldest(), lowest);
      assert.equal([...index.live()].length, model.length);
    }
    assert.ok(index.deadEntries >= 0);
    model = [];
  }), fcParams(300));
});
