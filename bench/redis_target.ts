// Redis as a flo-bench server target, through the clients a Node user runs: ioredis (one
// connection; it pipelines concurrent commands on it as FloClient does) for PING, SET/GET and
// streams (XADD, a MULTI of XADDs for a batch, XREADGROUP + XACK), and BullMQ for the queue
// (Queue.add / addBulk, a Worker in this process with concurrency = the phase's workers; a
// cycle ends when the Worker has completed its jobs, removeOnComplete so the queue stays as
// small as Flo's after an ack). BullMQ processes jobs one at a time (batches are a BullMQ Pro
// feature), so a batch of 10 is an addBulk of 10 jobs each completed on its own.
// The ioredis and bullmq modules come from bench/peers (peer_modules.ts).

import { requirePeer } from './peer_modules.ts';
import type { QueueCycles, ServerTarget, StreamTarget } from './server_target.ts';

const STREAM = 'bench-stream';
const GROUP = 'bench-group';
const FIELD = 'p';
const READ_PAGE = 1000;

type StreamEntry = [Buffer, Buffer[]];

interface Redis {
  ping(): Promise<string>;
  set(key: string, value: Buffer): Promise<unknown>;
  getBuffer(key: string): Promise<Buffer | null>;
  xadd(key: string, id: string, field: string, value: Buffer): Promise<unknown>;
  multi(): { xadd(key: string, id: string, field: string, value: Buffer): unknown;
    exec(): Promise<Array<[Error | null, unknown]> | null> };
  xrangeBuffer(key: string, start: string, end: string, count: 'COUNT', n: number):
    Promise<StreamEntry[]>;
  xgroup(...args: Array<string | number>): Promise<unknown>;
  xreadgroupBuffer(...args: Array<string | number>):
    Promise<Array<[Buffer, StreamEntry[]]> | null>;
  xack(key: string, group: string, ...ids: Buffer[]): Promise<number>;
  xinfo(...args: string[]): Promise<unknown[][]>;
  quit(): Promise<unknown>;
}

interface BullJob { id?: string; data: { p: string } }
interface BullQueue {
  add(name: string, data: object, options: object): Promise<BullJob>;
  addBulk(jobs: Array<{ name: string; data: object; opts: object }>): Promise<BullJob[]>;
  getJobCounts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}
interface BullWorker {
  on(event: 'completed', listener: (job: BullJob) => void): void;
  on(event: 'failed', listener: (job: BullJob | undefined, error: Error) => void): void;
  close(): Promise<void>;
}
interface BullMq {
  Queue: new (name: string, options: object) => BullQueue;
  Worker: new (name: string, run: (job: BullJob) => Promise<void>, options: object) =>
    BullWorker;
}

// ioredis sends a Buffer as bytes but any other Uint8Array as its toString() ("1,2,3").
const asBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);

const JOB_OPTIONS = { removeOnComplete: true, removeOnFail: true };

function bullCycles(queue: BullQueue, worker: BullWorker, received: Uint8Array[],
  close: () => Promise<void>): QueueCycles {
  // A job may complete before add() resolves (the reply and the Worker's events come over
  // different connections): an outcome without a waiter is kept until its waiter comes.
  const waiting = new Map<string, (error: Error | null) => void>();
  const early = new Map<string, Error | null>();
  const settle = (id: string, error: Error | null): void => {
    const waiter = waiting.get(id);
    if (waiter === undefined) {
      early.set(id, error);
    } else {
      waiting.delete(id);
      waiter(error);
    }
  };
  worker.on('completed', (job) => settle(job.id!, null));
  worker.on('failed', (job, error) => settle(job?.id ?? '', error));
  const done = (job: BullJob): Promise<void> => new Promise((resolve, reject) => {
    const finished = (error: Error | null): void => (error === null ? resolve() : reject(error));
    const outcome = early.get(job.id!);
    if (outcome === undefined) {
      waiting.set(job.id!, finished);
    } else {
      early.delete(job.id!);
      finished(outcome);
    }
  });
  return {
    async cycle(payloads) {
      const data = payloads.map((payload) => ({ p: asBuffer(payload).toString('base64') }));
      const jobs = data.length === 1 ? [await queue.add('job', data[0]!, JOB_OPTIONS)]
        : await queue.addBulk(data.map((item) => ({ name: 'job', data: item, opts: JOB_OPTIONS })));
      await Promise.all(jobs.map(done));
    },
    async finish(sent) {
      const counts = await queue.getJobCounts();
      await close();
      const left = Object.entries(counts).filter(([, count]) => count !== 0);
      const ok = received.length === sent && left.length === 0;
      return { received, problem: ok ? null : `${sent} added, ${received.length} processed, ` +
        `left: ${JSON.stringify(Object.fromEntries(left))}` };
    },
  };
}

// XINFO GROUPS answers a flat [name, value, …] list per group.
function groupField(groups: unknown[][], field: string): number {
  const group = groups.find((fields) => String(fields[fields.indexOf('name') + 1]) === GROUP);
  const value = group?.[group.indexOf(field) + 1];
  if (typeof value !== 'number') throw new Error(`XINFO GROUPS: no ${field} for ${GROUP}`);
  return value;
}

function streamOf(redis: Redis): StreamTarget {
  return {
    how: 'XADD, a MULTI of XADDs for a batch (atomic, one round trip); group: XREADGROUP ' +
      'COUNT n, one XACK of the ids',
    async append(values) {
      if (values.length === 1) {
        await redis.xadd(STREAM, '*', FIELD, asBuffer(values[0]!));
        return;
      }
      const transaction = redis.multi();
      for (const value of values) transaction.xadd(STREAM, '*', FIELD, asBuffer(value));
      const results = await transaction.exec();
      const failed = results?.find(([error]) => error !== null);
      if (results === null || failed !== undefined) {
        throw new Error(`MULTI of XADDs failed: ${failed?.[0]?.message ?? 'aborted'}`);
      }
    },
    async readAll(visit) {
      let count = 0;
      for (let start = '-'; ;) {
        const entries = await redis.xrangeBuffer(STREAM, start, '+', 'COUNT', READ_PAGE);
        if (entries.length === 0) return count;
        for (const [, fields] of entries) visit(fields[1]!);
        count += entries.length;
        start = `(${entries.at(-1)![0].toString()}`;
      }
    },
    async createGroup() {
      await redis.xgroup('CREATE', STREAM, GROUP, '0');
    },
    async readAndAck(consumer, count) {
      const reply = await redis.xreadgroupBuffer('GROUP', GROUP, consumer, 'COUNT', count,
        'STREAMS', STREAM, '>');
      const entries = reply?.[0]?.[1] ?? [];
      if (entries.length > 0) await redis.xack(STREAM, GROUP, ...entries.map(([id]) => id));
      return entries.map(([, fields]) => fields[1]!);
    },
    async outstanding() {
      const groups = await redis.xinfo('GROUPS', STREAM);
      return groupField(groups, 'pending') + groupField(groups, 'lag');
    },
  };
}

/** Connects to a Redis server on 127.0.0.1:`port` (ioredis, and BullMQ for the queue). */
export async function openRedisTarget(port: number): Promise<ServerTarget> {
  const { Redis } = requirePeer('ioredis') as { Redis: new (options: object) => Redis };
  const bullmq = requirePeer('bullmq') as BullMq;
  const redis = new Redis({ host: '127.0.0.1', port });
  await redis.ping();
  // BullMQ's blocking connections must retry forever (its documented requirement).
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const closers = new Set<() => Promise<void>>();
  return {
    name: 'redis',
    ping: () => redis.ping().then(() => undefined),
    kv: {
      put: (key, value) => redis.set(key, asBuffer(value)).then(() => undefined),
      get: (key) => redis.getBuffer(key),
    },
    queue: {
      how: 'BullMQ: Queue.add (addBulk), a Worker completes each job',
      async open(name, _batch, workers) {
        const received: Uint8Array[] = [];
        const queue = new bullmq.Queue(name, { connection });
        const worker = new bullmq.Worker(name, async (job) => {
          received.push(Buffer.from(job.data.p, 'base64'));
        }, { connection, concurrency: workers });
        const close = async (): Promise<void> => {
          closers.delete(close);
          await worker.close();
          await queue.close();
        };
        closers.add(close);
        return bullCycles(queue, worker, received, close);
      },
    },
    stream: streamOf(redis),
    action: null,
    async close() {
      for (const close of [...closers]) await close();
      await redis.quit();
    },
  };
}
