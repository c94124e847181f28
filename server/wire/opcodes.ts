// The op table of flo-wire.md §6 as data: every request op code with its name, family and
// support (full, stub, or not supported with its exact §1.2 message), the reply-only codes
// (treated as unknown ops), and for the blocking ops of §3.3 their timeout outcome. One
// lookup, opRejection(), answers "unknown op code 0x0999" / "not supported: …" for the
// connection layer; handlers are registered per op code elsewhere (server/handler_table.ts).

import { Status } from './frame.ts';

export type OpFamily =
  | 'system'
  | 'namespace'
  | 'cluster'
  | 'kv'
  | 'stream'
  | 'group'
  | 'queue'
  | 'timeseries'
  | 'action'
  | 'worker'
  | 'workflow'
  | 'processing';

/** full: §7 semantics; stub: fixed §7 behaviour; notSupported: BAD_REQUEST with `message`. */
export type OpSupport = 'full' | 'stub' | 'notSupported';

/** How a parked request is answered when its wait ends without a result (§3.3). */
export type TimeoutOutcome = 'notFoundEmpty' | 'okCountZero' | 'okEmpty';

interface OpSpec {
  readonly code: number;
  readonly family: OpFamily;
  readonly support: OpSupport;
  readonly message?: string;
  readonly timeout?: TimeoutOutcome;
}

const TIME_SERIES = 'not supported: time-series';
const PROCESSING = 'not supported: processing';
const MEMBERSHIP = 'not supported: cluster membership';
const SUBSCRIPTIONS = 'not supported: subscriptions (use STREAM_READ with block_ms)';

// Part of the wire format; do not change a code.
const opSpecs = {
  PING: { code: 0x000, family: 'system', support: 'full' },
  AUTH: { code: 0x003, family: 'system', support: 'full' },
  SET_DURABILITY: {
    code: 0x004,
    family: 'system',
    support: 'notSupported',
    message: 'not supported: runtime durability settings',
  },
  NAMESPACE_CREATE: { code: 0x010, family: 'namespace', support: 'full' },
  NAMESPACE_DELETE: { code: 0x011, family: 'namespace', support: 'full' },
  NAMESPACE_LIST: { code: 0x012, family: 'namespace', support: 'full' },
  NAMESPACE_INFO: { code: 0x013, family: 'namespace', support: 'full' },
  NAMESPACE_CONFIG_SET: {
    code: 0x014,
    family: 'namespace',
    support: 'notSupported',
    message: 'not supported: namespace settings',
  },
  NAMESPACE_CONFIG_GET: { code: 0x015, family: 'namespace', support: 'stub' },
  CLUSTER_STATUS: { code: 0x030, family: 'cluster', support: 'stub' },
  CLUSTER_MEMBERS: { code: 0x031, family: 'cluster', support: 'stub' },
  CLUSTER_JOIN: { code: 0x032, family: 'cluster', support: 'notSupported', message: MEMBERSHIP },
  CLUSTER_LEAVE: { code: 0x033, family: 'cluster', support: 'notSupported', message: MEMBERSHIP },
  CLUSTER_TRANSFER_LEADER: {
    code: 0x034,
    family: 'cluster',
    support: 'notSupported',
    message: MEMBERSHIP,
  },
  CLUSTER_ADD_NODE: {
    code: 0x035,
    family: 'cluster',
    support: 'notSupported',
    message: MEMBERSHIP,
  },
  CLUSTER_REMOVE_NODE: {
    code: 0x036,
    family: 'cluster',
    support: 'notSupported',
    message: MEMBERSHIP,
  },
  KV_PUT: { code: 0x100, family: 'kv', support: 'full' },
  KV_GET: { code: 0x101, family: 'kv', support: 'full', timeout: 'notFoundEmpty' },
  KV_MGET: { code: 0x102, family: 'kv', support: 'full' },
  KV_DELETE: { code: 0x103, family: 'kv', support: 'full' },
  KV_SCAN: { code: 0x104, family: 'kv', support: 'full' },
  KV_HISTORY: { code: 0x105, family: 'kv', support: 'full' },
  KV_INCR: { code: 0x10b, family: 'kv', support: 'full' },
  KV_JSON_GET: { code: 0x10c, family: 'kv', support: 'full' },
  KV_JSON_SET: { code: 0x10d, family: 'kv', support: 'full' },
  KV_JSON_DEL: { code: 0x10e, family: 'kv', support: 'full' },
  KV_BEGIN_TXN: { code: 0x110, family: 'kv', support: 'full' },
  KV_COMMIT_TXN: { code: 0x111, family: 'kv', support: 'full' },
  KV_ROLLBACK_TXN: { code: 0x112, family: 'kv', support: 'full' },
  KV_TOUCH: { code: 0x113, family: 'kv', support: 'full' },
  KV_PERSIST: { code: 0x114, family: 'kv', support: 'full' },
  KV_EXISTS: { code: 0x115, family: 'kv', support: 'full' },
  STREAM_APPEND: { code: 0x130, family: 'stream', support: 'full' },
  STREAM_READ: { code: 0x131, family: 'stream', support: 'full', timeout: 'okCountZero' },
  STREAM_TRIM: { code: 0x132, family: 'stream', support: 'full' },
  STREAM_INFO: { code: 0x133, family: 'stream', support: 'full' },
  STREAM_SUBSCRIBE: {
    code: 0x137,
    family: 'stream',
    support: 'notSupported',
    message: SUBSCRIPTIONS,
  },
  STREAM_UNSUBSCRIBE: {
    code: 0x138,
    family: 'stream',
    support: 'notSupported',
    message: SUBSCRIPTIONS,
  },
  STREAM_LIST: { code: 0x13b, family: 'stream', support: 'full' },
  STREAM_CREATE: { code: 0x13d, family: 'stream', support: 'full' },
  STREAM_ALTER: { code: 0x13f, family: 'stream', support: 'full' },
  STREAM_DELETE: { code: 0x140, family: 'stream', support: 'full' },
  STREAM_GROUP_CREATE: { code: 0x150, family: 'group', support: 'full' },
  STREAM_GROUP_JOIN: { code: 0x151, family: 'group', support: 'full' },
  STREAM_GROUP_LEAVE: { code: 0x152, family: 'group', support: 'full' },
  STREAM_GROUP_READ: { code: 0x153, family: 'group', support: 'full', timeout: 'okCountZero' },
  STREAM_GROUP_ACK: { code: 0x154, family: 'group', support: 'full' },
  STREAM_GROUP_CLAIM: { code: 0x155, family: 'group', support: 'full' },
  STREAM_GROUP_PENDING: { code: 0x156, family: 'group', support: 'full' },
  STREAM_GROUP_CONFIGURE_SWEEPER: { code: 0x157, family: 'group', support: 'full' },
  STREAM_GROUP_NACK: { code: 0x159, family: 'group', support: 'full' },
  STREAM_GROUP_TOUCH: { code: 0x15a, family: 'group', support: 'full' },
  STREAM_GROUP_INFO: { code: 0x15b, family: 'group', support: 'full' },
  STREAM_GROUP_DELETE: { code: 0x15c, family: 'group', support: 'full' },
  QUEUE_ENQUEUE: { code: 0x170, family: 'queue', support: 'full' },
  QUEUE_DEQUEUE: { code: 0x171, family: 'queue', support: 'full', timeout: 'okCountZero' },
  QUEUE_COMPLETE: { code: 0x172, family: 'queue', support: 'full' },
  QUEUE_EXTEND_LEASE: { code: 0x173, family: 'queue', support: 'full' },
  QUEUE_FAIL: { code: 0x174, family: 'queue', support: 'full' },
  QUEUE_FAIL_AUTO: { code: 0x175, family: 'queue', support: 'full' },
  QUEUE_DLQ_LIST: { code: 0x176, family: 'queue', support: 'full' },
  QUEUE_DLQ_DELETE: { code: 0x177, family: 'queue', support: 'full' },
  QUEUE_DLQ_REQUEUE: { code: 0x178, family: 'queue', support: 'full' },
  QUEUE_DLQ_STATS: { code: 0x179, family: 'queue', support: 'full' },
  QUEUE_PROMOTE_DUE: { code: 0x17a, family: 'queue', support: 'full' },
  QUEUE_STATS: { code: 0x17b, family: 'queue', support: 'full' },
  QUEUE_PEEK: { code: 0x17c, family: 'queue', support: 'full' },
  QUEUE_TOUCH: { code: 0x17d, family: 'queue', support: 'full' },
  QUEUE_BATCH_ENQUEUE: { code: 0x17e, family: 'queue', support: 'full' },
  QUEUE_PURGE: { code: 0x17f, family: 'queue', support: 'full' },
  QUEUE_LIST: { code: 0x198, family: 'queue', support: 'full' },
  TS_WRITE: { code: 0x1a0, family: 'timeseries', support: 'notSupported', message: TIME_SERIES },
  TS_READ: { code: 0x1a1, family: 'timeseries', support: 'notSupported', message: TIME_SERIES },
  TS_QUERY: { code: 0x1a2, family: 'timeseries', support: 'notSupported', message: TIME_SERIES },
  TS_FLOQL: { code: 0x1a3, family: 'timeseries', support: 'notSupported', message: TIME_SERIES },
  TS_LIST: { code: 0x1a4, family: 'timeseries', support: 'notSupported', message: TIME_SERIES },
  TS_DELETE: { code: 0x1a5, family: 'timeseries', support: 'notSupported', message: TIME_SERIES },
  TS_RETENTION: {
    code: 0x1a6,
    family: 'timeseries',
    support: 'notSupported',
    message: TIME_SERIES,
  },
  ACTION_REGISTER: { code: 0x300, family: 'action', support: 'full' },
  ACTION_INVOKE: { code: 0x301, family: 'action', support: 'full' },
  ACTION_STATUS: { code: 0x302, family: 'action', support: 'full' },
  ACTION_LIST: { code: 0x303, family: 'action', support: 'full' },
  ACTION_LIST_RUNS: { code: 0x304, family: 'action', support: 'full' },
  ACTION_DELETE: { code: 0x305, family: 'action', support: 'full' },
  ACTION_AWAIT: { code: 0x306, family: 'action', support: 'full', timeout: 'okEmpty' },
  ACTION_COMPLETE: { code: 0x307, family: 'action', support: 'full' },
  ACTION_FAIL: { code: 0x308, family: 'action', support: 'full' },
  ACTION_TOUCH: { code: 0x309, family: 'action', support: 'full' },
  WORKER_REGISTER: { code: 0x320, family: 'worker', support: 'full' },
  WORKER_HEARTBEAT: { code: 0x321, family: 'worker', support: 'full' },
  WORKER_DEREGISTER: { code: 0x322, family: 'worker', support: 'full' },
  WORKER_LIST: { code: 0x323, family: 'worker', support: 'full' },
  WORKER_INFO: { code: 0x324, family: 'worker', support: 'full' },
  WORKER_DRAIN: { code: 0x325, family: 'worker', support: 'full' },
  WORKFLOW_CREATE: { code: 0x340, family: 'workflow', support: 'full' },
  WORKFLOW_START: { code: 0x341, family: 'workflow', support: 'full' },
  WORKFLOW_SIGNAL: { code: 0x342, family: 'workflow', support: 'full' },
  WORKFLOW_CANCEL: { code: 0x343, family: 'workflow', support: 'full' },
  WORKFLOW_STATUS: { code: 0x344, family: 'workflow', support: 'full' },
  WORKFLOW_HISTORY: { code: 0x345, family: 'workflow', support: 'full' },
  WORKFLOW_LIST_RUNS: { code: 0x346, family: 'workflow', support: 'full' },
  WORKFLOW_GET_DEFINITION: { code: 0x347, family: 'workflow', support: 'full' },
  WORKFLOW_DISABLE: { code: 0x348, family: 'workflow', support: 'full' },
  WORKFLOW_ENABLE: { code: 0x349, family: 'workflow', support: 'full' },
  WORKFLOW_LIST_DEFINITIONS: { code: 0x34a, family: 'workflow', support: 'full' },
  PROCESSING_SUBMIT: {
    code: 0x360,
    family: 'processing',
    support: 'notSupported',
    message: PROCESSING,
  },
  PROCESSING_STOP: {
    code: 0x361,
    family: 'processing',
    support: 'notSupported',
    message: PROCESSING,
  },
  PROCESSING_CANCEL: {
    code: 0x362,
    family: 'processing',
    support: 'notSupported',
    message: PROCESSING,
  },
  PROCESSING_STATUS: {
    code: 0x363,
    family: 'processing',
    support: 'notSupported',
    message: PROCESSING,
  },
  PROCESSING_LIST: {
    code: 0x364,
    family: 'processing',
    support: 'notSupported',
    message: PROCESSING,
  },
  PROCESSING_SAVEPOINT: {
    code: 0x365,
    family: 'processing',
    support: 'notSupported',
    message: PROCESSING,
  },
  PROCESSING_RESTORE: {
    code: 0x366,
    family: 'processing',
    support: 'notSupported',
    message: PROCESSING,
  },
  PROCESSING_RESCALE: {
    code: 0x367,
    family: 'processing',
    support: 'notSupported',
    message: PROCESSING,
  },
} as const satisfies Record<string, OpSpec>;

/** Codes other Flo servers use only in replies: never valid requests (§6). Inclusive. */
const replyCodeRanges: readonly (readonly [from: number, to: number])[] = [
  [0x001, 0x002], // PONG, ERROR_RESPONSE
  [0x005, 0x005], // OK
  [0x020, 0x025], // NAMESPACE_*_RESPONSE
  [0x040, 0x042], // CLUSTER_*_RESPONSE
  [0x106, 0x10a], // KV_*_RESPONSE
  [0x116, 0x119], // KV_*_RESPONSE
  [0x134, 0x136], // STREAM_*_RESPONSE, STREAM_EVENT
  [0x139, 0x13a], // STREAM_SUBSCRIBED / UNSUBSCRIBED
  [0x13c, 0x13c], // STREAM_LIST_RESPONSE
  [0x13e, 0x13e], // STREAM_CREATE_RESPONSE
  [0x158, 0x158], // STREAM_GROUP_READ_RESPONSE
  [0x190, 0x197], // QUEUE_*_RESPONSE
  [0x199, 0x199], // QUEUE_LIST_RESPONSE
  [0x1a7, 0x1ad], // TS_*_RESPONSE
  [0x310, 0x315], // ACTION_*_RESPONSE, ACTION_TASK_ASSIGNMENT
  [0x330, 0x333], // WORKER_*_RESPONSE
  [0x350, 0x358], // WORKFLOW_*_RESPONSE
  [0x370, 0x377], // PROCESSING_*_RESPONSE
];

export type OpName = keyof typeof opSpecs;

/** Request op codes by name: `OpCode.KV_GET === 0x101`. */
export const OpCode = Object.fromEntries(
  Object.entries(opSpecs).map(([name, spec]) => [name, spec.code]),
) as { readonly [N in OpName]: (typeof opSpecs)[N]['code'] };

/** What the table says about one request op code. */
export interface OpInfo {
  readonly code: number;
  readonly name: OpName;
  readonly family: OpFamily;
  readonly support: OpSupport;
  /** The BAD_REQUEST message of a not-supported op. */
  readonly message: string | null;
  /** Set exactly for the blocking ops of §3.3. */
  readonly timeout: TimeoutOutcome | null;
}

const OP_CODE_LIMIT = 0x400;
const ops: (OpInfo | undefined)[] = new Array(OP_CODE_LIMIT);
const replyCodes = new Uint8Array(OP_CODE_LIMIT);

for (const [name, spec] of Object.entries(opSpecs) as [OpName, OpSpec][]) {
  if (spec.code >= OP_CODE_LIMIT || ops[spec.code] !== undefined) {
    throw new Error(`op table: bad or duplicate code for ${name}`);
  }
  if ((spec.support === 'notSupported') !== (spec.message !== undefined)) {
    throw new Error(`op table: ${name} needs a message exactly when not supported`);
  }
  ops[spec.code] = {
    code: spec.code,
    name,
    family: spec.family,
    support: spec.support,
    message: spec.message ?? null,
    timeout: spec.timeout ?? null,
  };
}
for (const [from, to] of replyCodeRanges) {
  for (let code = from; code <= to; code++) {
    if (ops[code] !== undefined) throw new Error(`op table: 0x${code.toString(16)} is both kinds`);
    replyCodes[code] = 1;
  }
}

/** The request op with `code`, or undefined for a reply-only or unknown code. */
export function opInfo(code: number): OpInfo | undefined {
  return code < OP_CODE_LIMIT ? ops[code] : undefined;
}

/** Every request op, by ascending code. */
export function allOps(): OpInfo[] {
  return ops.filter((op): op is OpInfo => op !== undefined);
}

/** True for a code used only in replies (§6 "reply code"). */
export function isReplyCode(code: number): boolean {
  return code < OP_CODE_LIMIT && replyCodes[code] === 1;
}

/** The op's name, or `UNKNOWN_0x0999` for a code that is not a request op (logs, tools). */
export function opName(code: number): string {
  return opInfo(code)?.name ?? `UNKNOWN_0x${code.toString(16).padStart(4, '0')}`;
}

/** `unknown op code 0x0999`: the §3.5 message for unknown and reply-only codes. */
export function unknownOpMessage(code: number): string {
  return `unknown op code 0x${code.toString(16).padStart(4, '0')}`;
}

/**
 * The BAD_REQUEST message that rejects `code` before any handler runs (unknown op, reply
 * code, or a not-supported family), or null when the op may be handled.
 */
export function opRejection(code: number): string | null {
  const op = opInfo(code);
  if (op === undefined) return unknownOpMessage(code);
  return op.message;
}

/** The status and body a parked request of `outcome` gets when its wait ends empty. */
export function timeoutReply(outcome: TimeoutOutcome): { status: Status; body: Uint8Array } {
  switch (outcome) {
    case 'notFoundEmpty':
      return { status: Status.NOT_FOUND, body: new Uint8Array(0) };
    case 'okCountZero':
      return { status: Status.OK, body: new Uint8Array(4) };
    case 'okEmpty':
      return { status: Status.OK, body: new Uint8Array(0) };
  }
}

/** The message for a known op no handler is registered for (workflows: spec §1.2). */
export function unregisteredMessage(op: OpInfo): string {
  if (op.family === 'workflow') return 'not supported: workflows';
  return `not supported: ${op.name} is not available on this server`;
}
