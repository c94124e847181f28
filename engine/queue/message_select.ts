// Picking the messages a seq-list operation (ack, nack, touch, DLQ requeue and delete) acts
// on, and the errors for those it cannot: strict calls throw before anything changed, the
// wire's lenient form skips them (queue_types.ts SeqListOptions). Also the names of message
// states in messages and in HeldMessage. Pure functions over QueueState; used by queue.ts.

import { LeaseExpiredError, NotFoundError } from '../errors.ts';
import { MessageState, type Message } from './message.ts';
import type { QueueState } from './queue_state.ts';
import type { HeldMessage } from './queue_types.ts';

/**
 * The distinct messages of `seqs` that `applies` accepts. Strict: any other seq throws
 * (NotFoundError, or LeaseExpiredError for a delivered message whose lease ended);
 * otherwise it is skipped.
 */
export function selectMessages(state: QueueState, queueName: string, seqs: readonly number[],
  strict: boolean, op: string, applies: (message: Message) => boolean): Message[] {
  const targets: Message[] = [];
  const seen = new Set<number>();
  for (const seq of seqs) {
    if (seen.has(seq)) continue;
    seen.add(seq);
    const message = state.find(seq);
    if (message !== undefined && applies(message)) targets.push(message);
    else if (strict) throw notApplicable(queueName, op, seq, message);
  }
  return targets;
}

function notApplicable(queueName: string, op: string, seq: number,
  message: Message | undefined): Error {
  const what = `Cannot ${op} seq ${seq} of queue "${queueName}"`;
  if (message === undefined) return new NotFoundError(`${what}: no such message`);
  const state = stateName(message.state);
  if (op === 'requeue' || op === 'delete') {
    return new NotFoundError(`${what}: it is ${state}, not in the DLQ`);
  }
  if (message.attempts > 0) return new LeaseExpiredError(`${what}: its lease ended (${state})`);
  return new NotFoundError(`${what}: it is ${state}, not leased`);
}

/** The state of a held message as HeldMessage names it. */
export function heldState(state: MessageState): HeldMessage['state'] {
  switch (state) {
    case MessageState.ready: return 'ready';
    case MessageState.delayed: return 'delayed';
    case MessageState.leased: return 'leased';
    case MessageState.dlq: return 'dlq';
    case MessageState.removed: throw new RangeError('a removed message is not held');
  }
}

function stateName(state: MessageState): string {
  switch (state) {
    case MessageState.ready: return 'ready';
    case MessageState.delayed: return 'delayed';
    case MessageState.leased: return 'leased';
    case MessageState.dlq: return 'in the DLQ';
    case MessageState.removed: return 'removed';
  }
}
