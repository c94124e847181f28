// Flo's server as a flo-bench server target: one FloClient connection, every request
// pipelined on it (the client matches replies by id). A queue cycle is enqueue (or
// enqueueBatch), dequeue of as many (block_ms 1000; it may take another worker's messages),
// one ack of their seqs; a group read is STREAM_GROUP_READ (block_ms 100) then one ack.
// KV is KV_PUT / KV_GET. An action round trip is ACTION_INVOKE, a worker loop's
// ACTION_AWAIT (block_ms 1000) and ACTION_COMPLETE, then ACTION_STATUS of the run.

import { Buffer } from 'node:buffer';
import { FloClient } from '../client/mod.ts';
import type {
  ActionRoundTrips, QueueCycles, ServerTarget, StreamTarget,
} from './server_target.ts';

const STREAM = 'bench-stream';
const GROUP = 'bench-group';
const READ_PAGE = 1000;

function queueCycles(client: FloClient, queue: string, batch: number): QueueCycles {
  const received: Uint8Array[] = [];
  const take = async (count: number, blockMs: number): Promise<number> => {
    const messages = await client.queue.dequeue(queue, { count, blockMs });
    if (messages.length === 0) return 0;
    for (const message of messages) received.push(message.payload);
    await client.queue.ack(queue, messages.map((message) => message.seq));
    return messages.length;
  };
  return {
    async cycle(payloads) {
      if (payloads.length === 1) await client.queue.enqueue(queue, payloads[0]!);
      else await client.queue.enqueueBatch(queue, payloads);
      if (await take(batch, 1000) === 0) throw new Error(`${queue}: a dequeue found nothing`);
    },
    async finish(sent) {
      // A worker may have taken fewer than it enqueued (another took the rest): drain them.
      while (await take(100, 0) > 0);
      const stats = await client.queue.stats(queue);
      const ok = stats.acked === sent && stats.dequeued === sent &&
        stats.ready + stats.leased === 0;
      return { received, problem: ok ? null : `${sent} sent but ${JSON.stringify(stats)}` };
    },
  };
}

function streamOf(client: FloClient): StreamTarget {
  return {
    how: 'STREAM_APPEND of the batch (atomic); group: STREAM_GROUP_READ, one STREAM_GROUP_ACK',
    async append(values) {
      await client.stream.append(STREAM, values.map((payload) => ({ payload })));
    },
    async readAll(visit) {
      let count = 0;
      for (let next = 1; ;) {
        const records = await client.stream.read(STREAM, { start: next, count: READ_PAGE });
        if (records.length === 0) return count;
        for (const record of records) visit(record.payload);
        count += records.length;
        next = records.at(-1)!.sequence + 1;
      }
    },
    createGroup: () => client.stream.group.create(STREAM, GROUP),
    async readAndAck(consumer, count) {
      const records = await client.stream.group.read(STREAM, GROUP, consumer,
        { count, blockMs: 100 });
      if (records.length > 0) {
        await client.stream.group.ack(STREAM, GROUP, records.map((record) => record.sequence));
      }
      return records.map((record) => record.payload);
    },
    async outstanding() {
      const [info, stream] = await Promise.all([client.stream.group.info(STREAM, GROUP),
        client.stream.info(STREAM)]);
      return info.pending + Math.max(0, stream.last.sequence - info.cursor.sequence);
    },
  };
}

/**
 * Worker loops over `client` for action `name`. A run's input is [id:u32][the round trip's
 * input]; the loop completes it with that input reversed and tells the waiting round trip
 * by id, which then reads the run's status. An empty input is a stop sentinel: the loop
 * completes it and ends, so `workers` sentinels end every loop without waiting out a poll.
 */
async function actionRoundTrips(client: FloClient, name: string,
  workers: number): Promise<ActionRoundTrips> {
  await client.action.register(name);
  const waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let completed = 0;
  let failure: Error | null = null;
  const loop = async (workerId: string): Promise<void> => {
    for (;;) {
      const task = await client.action.awaitTask(workerId, [name], { blockMs: 1000 });
      if (task === null) continue;
      const output = Buffer.from(task.input.subarray(4)).reverse();
      await client.action.complete(workerId, name, task.taskId, output);
      if (task.input.length === 0) return;
      const input = task.input;
      const id = (input[0]! | (input[1]! << 8) | (input[2]! << 16) | (input[3]! << 24)) >>> 0;
      const trip = waiting.get(id);
      if (trip === undefined) throw new Error(`${name}: task ${task.taskId} is not awaited`);
      waiting.delete(id);
      completed++;
      trip.resolve();
    }
  };
  // A loop that fails fails every round trip waiting on the loops, and every later one.
  const loops = Array.from({ length: workers }, (_, index) =>
    loop(`bench-worker-${index}`).catch((error: unknown) => {
      failure ??= error instanceof Error ? error : new Error(String(error));
      for (const trip of waiting.values()) trip.reject(failure);
      waiting.clear();
    }));
  return {
    async roundTrip(input) {
      const id = nextId++;
      const value = Buffer.alloc(4 + input.length);
      value.writeUInt32LE(id % 2 ** 32, 0);
      value.set(input, 4);
      if (failure !== null) throw failure;
      const finished = new Promise<void>((resolve, reject) => waiting.set(id, { resolve,
        reject }));
      const runId = await client.action.invoke(name, value);
      await finished;
      const status = await client.action.status(runId);
      if (status.status !== 'completed' || status.output === null) {
        throw new Error(`${name}: run ${runId} is ${status.status} after its complete`);
      }
      return status.output;
    },
    async finish(sent) {
      await Promise.all(Array.from({ length: workers }, () => client.action.invoke(name)));
      await Promise.all(loops);
      if (failure !== null) return `a worker loop failed: ${failure.message}`;
      const runs = await client.action.listRuns(name, { limit: 1 });
      const newest = runs.items[0];
      if (completed !== sent || waiting.size > 0 || newest?.status !== 'completed') {
        return `${sent} invoked, ${completed} completed, ${waiting.size} still awaited, ` +
          `newest run ${newest?.status ?? 'missing'}`;
      }
      return null;
    },
  };
}

/** Connects to a Flo server on 127.0.0.1:`port`. */
export async function openFloTarget(port: number): Promise<ServerTarget> {
  const client = new FloClient({ port, timeoutMs: 60_000 });
  return {
    name: 'flo',
    ping: () => client.system.ping(),
    kv: {
      put: (key, value) => client.kv.put(key, value).then(() => undefined),
      get: (key) => client.kv.get(key).then((found) => found?.value ?? null),
    },
    queue: {
      how: 'enqueue (enqueueBatch), dequeue of as many, one ack of their seqs',
      open: async (name, batch) => queueCycles(client, name, batch),
    },
    stream: streamOf(client),
    action: {
      how: 'ACTION_INVOKE; a worker loop\'s ACTION_AWAIT and ACTION_COMPLETE; ACTION_STATUS',
      open: (name, workers) => actionRoundTrips(client, name, workers),
    },
    close: () => client.close(),
  };
}
