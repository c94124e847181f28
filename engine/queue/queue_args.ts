// Argument checks of the queue API (QueueStore's public boundary): bad arguments throw
// TypeError or RangeError naming the argument and its bound (engine/args.ts); counts and
// page limits above their maximum are clamped, as the wire spec (§2.7) does.

import { checkBytes, checkInt, checkIntOr, checkName } from '../args.ts';
import { utf8 } from '../codec/bytes.ts';
import {
  namespaceBytesMax, queueBatchBytesMax, queueBatchMax, queueDedupKeyBytesMax,
  queueDedupWindowMsMax, queueDelayMsMax, queueDequeueCountMax, queueMaxDeliveriesMax,
  queueNameBytesMax, queuePayloadBytesMax,
  queueSeqListMax, queueVisibilityMsMax,
} from '../limits.ts';
import type { EnqueueSpec } from './queue.ts';
import type { EnqueueOptions, QueueSettings } from './queue_types.ts';

/** The namespace used for '' (wire: the default namespace). */
export const DEFAULT_NAMESPACE = 'default';

/** Checks (namespace, queue) and maps '' to the default namespace. */
export function checkQueueName(namespace: unknown, queue: unknown): [string, string] {
  const ns = checkName(namespace, 'namespace', namespaceBytesMax, true);
  const name = checkName(queue, 'queue', queueNameBytesMax, false);
  return [ns === '' ? DEFAULT_NAMESPACE : ns, name];
}

/** Checks a namespace argument and maps '' to the default namespace. */
export function checkNamespace(namespace: unknown): string {
  const ns = checkName(namespace, 'namespace', namespaceBytesMax, true);
  return ns === '' ? DEFAULT_NAMESPACE : ns;
}

/** Checks one payload. */
export function checkPayload(payload: unknown, what = 'payload'): Uint8Array {
  return checkBytes(payload, what, queuePayloadBytesMax);
}

/** Checks a batch of payloads (1 … 1 000). */
export function checkPayloads(payloads: unknown): Uint8Array[] {
  if (!Array.isArray(payloads)) throw new TypeError('payloads must be an array');
  checkInt(payloads.length, 'payloads.length', 1, queueBatchMax);
  const checked = payloads.map((payload, i) => checkPayload(payload, `payloads[${i}]`));
  const bytes = checked.reduce((total, payload) => total + payload.length, 0);
  if (bytes > queueBatchBytesMax) {
    throw new RangeError(`payloads hold ${bytes} bytes; the limit is ${queueBatchBytesMax}`);
  }
  return checked;
}

/** Checks enqueue options (a batch takes no dedupKey). */
export function checkEnqueueOptions(options: EnqueueOptions, batch: boolean): EnqueueSpec {
  const priority = checkIntOr(options.priority, 'priority', 0, 255, 0);
  const delayMs = checkIntOr(options.delayMs, 'delayMs', 0, queueDelayMsMax, 0);
  const maxRetries = options.maxRetries === undefined
    ? null : checkInt(options.maxRetries, 'maxRetries', 0, 255);
  let dedupKey: Uint8Array | null = null;
  if (options.dedupKey !== undefined) {
    if (batch) throw new TypeError('dedupKey applies to a single enqueue, not a batch');
    const bytes = typeof options.dedupKey === 'string'
      ? utf8(options.dedupKey) : checkBytes(options.dedupKey, 'dedupKey', queueDedupKeyBytesMax);
    if (bytes.length > queueDedupKeyBytesMax) {
      throw new RangeError(`dedupKey is ${bytes.length} bytes; the limit is ` +
        `${queueDedupKeyBytesMax}`);
    }
    // An empty key is the same as none (the wire may carry an empty option).
    dedupKey = bytes.length > 0 ? bytes : null;
  }
  return { priority, delayMs, dedupKey, maxDeliveries: maxRetries === null ? 0 : maxRetries + 1 };
}

/** Checks a dequeue or peek count: 1 or more, clamped to 100 (default 1). */
export function checkCount(count: unknown): number {
  const value = checkIntOr(count, 'count', 1, Number.MAX_SAFE_INTEGER, 1);
  return Math.min(value, queueDequeueCountMax);
}

/** Checks a lease length or extension (1 ms … 12 h). */
export function checkLeaseMs(value: unknown, what: string): number | undefined {
  return value === undefined ? undefined : checkInt(value, what, 1, queueVisibilityMsMax);
}

/** Checks a nack delay (0 … 30 days). */
export function checkDelayMs(value: unknown): number {
  return checkIntOr(value, 'delayMs', 0, queueDelayMsMax, 0);
}

/** Checks a seq list (at most 10 000 seqs, each a safe non-negative integer). */
export function checkSeqs(seqs: unknown): number[] {
  if (!Array.isArray(seqs)) throw new TypeError('seqs must be an array of integers');
  checkInt(seqs.length, 'seqs.length', 0, queueSeqListMax);
  return seqs.map((seq, i) => checkInt(seq, `seqs[${i}]`, 0, Number.MAX_SAFE_INTEGER));
}

/** Checks per-queue settings (every field optional). */
export function checkSettings(settings: QueueSettings): QueueSettings {
  if (typeof settings !== 'object' || settings === null) {
    throw new TypeError('settings must be an object');
  }
  const out: QueueSettings = {};
  const put = (name: keyof QueueSettings, min: number, max: number): void => {
    const value = settings[name];
    if (value !== undefined) out[name] = checkInt(value, name, min, max);
  };
  put('visibilityTimeoutMs', 1, queueVisibilityMsMax);
  put('maxDeliveries', 1, queueMaxDeliveriesMax);
  put('dedupWindowMs', 1, queueDedupWindowMsMax);
  put('maxReady', 1, Number.MAX_SAFE_INTEGER);
  put('dedupKeysMax', 1, Number.MAX_SAFE_INTEGER);
  return out;
}
