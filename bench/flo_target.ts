// Flo's server as a flo-bench server target: one FloClient connection, every request
// pipelined on it (the client matches replies by id). A queue cycle is enqueue (or
// enqueueBatch), dequeue of as many (block_ms 1000; it may take another worker's messages),
// one ack of their seqs; a group read is STREAM_GROUP_READ (block_ms 100) then one ack.
// KV is KV_PUT / KV_GET.

import { FloClient } from '../client/mod.ts';
import type { QueueCycles, ServerTarget, StreamTarget } from './server_target.ts';

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
    close: () => client.close(),
  };
}
