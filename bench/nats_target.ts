// NATS JetStream as a flo-bench server target, through nats.js (one connection): PING is a
// flush (the protocol's PING/PONG); a stream append is a JetStream publish awaited for its
// PubAck (JetStream has no batch publish before 2.12, so a batch is that many publishes in
// flight, acks awaited together); the group is a durable pull consumer with explicit acks,
// read by fetch and acked per message — m.ack() is fire-and-forget, so a read ends with a
// flush, a round trip that returns once the server has received the acks; the KV family is a
// JetStream KV bucket (put awaits its PubAck, get is a direct read). NATS has no work-queue
// peer in the issue, so `queue` is null. The nats module comes from bench/peers.

import { requirePeer } from './peer_modules.ts';
import type { ServerTarget, StreamTarget } from './server_target.ts';

const STREAM = 'BENCH';
const SUBJECT = 'bench.stream';
const GROUP = 'bench-group';
const BUCKET = 'bench';
const READ_PAGE = 1000;
const FETCH_EXPIRES_MS = 10_000;
const ACK_SETTLE_TRIES = 50;

interface Msg { data: Uint8Array; ack(): void }
interface Consumer {
  fetch(options: { max_messages: number; expires: number }): Promise<AsyncIterable<Msg>>;
  info(): Promise<{ num_ack_pending: number; num_pending: number }>;
}
interface JetStream {
  publish(subject: string, data: Uint8Array): Promise<unknown>;
  consumers: { get(stream: string, name?: string): Promise<Consumer> };
  views: { kv(bucket: string, options: object): Promise<NatsKv> };
}
interface NatsKv {
  put(key: string, value: Uint8Array): Promise<number>;
  get(key: string): Promise<{ value: Uint8Array; operation: string } | null>;
}
interface JetStreamManager {
  streams: {
    add(config: object): Promise<unknown>;
    info(name: string): Promise<{ state: { messages: number } }>;
  };
  consumers: { add(stream: string, config: object): Promise<unknown> };
}
interface Connection {
  flush(): Promise<void>;
  jetstream(): JetStream;
  jetstreamManager(): Promise<JetStreamManager>;
  drain(): Promise<void>;
}
interface Nats {
  connect(options: object): Promise<Connection>;
  AckPolicy: { Explicit: string };
  StorageType: { File: string };
}

async function collect(messages: AsyncIterable<Msg>, visit: (message: Msg) => void) {
  let count = 0;
  for await (const message of messages) {
    visit(message);
    count += 1;
  }
  return count;
}

function streamOf(nats: Nats, nc: Connection, js: JetStream, jsm: JetStreamManager) {
  let group: Consumer | null = null;
  const target: StreamTarget = {
    how: 'JetStream publish, PubAck awaited (a batch: that many in flight); group: a durable ' +
      'pull consumer, fetch, ack each, one flush',
    async append(values) {
      await Promise.all(values.map((value) => js.publish(SUBJECT, value)));
    },
    async readAll(visit) {
      const total = (await jsm.streams.info(STREAM)).state.messages;
      const ordered = await js.consumers.get(STREAM);
      let count = 0;
      while (count < total) {
        const want = Math.min(READ_PAGE, total - count);
        const got = await collect(await ordered.fetch({ max_messages: want,
          expires: FETCH_EXPIRES_MS }), (message) => visit(message.data));
        if (got === 0) throw new Error(`${STREAM}: read ${count} of ${total} records back`);
        count += got;
      }
      return count;
    },
    async createGroup() {
      await jsm.consumers.add(STREAM, { durable_name: GROUP,
        ack_policy: nats.AckPolicy.Explicit });
      group = await js.consumers.get(STREAM, GROUP);
    },
    async readAndAck(_consumer, count) {
      const payloads: Uint8Array[] = [];
      await collect(await group!.fetch({ max_messages: count, expires: FETCH_EXPIRES_MS }),
        (message) => {
          payloads.push(message.data);
          message.ack();
        });
      await nc.flush();
      return payloads;
    },
    async outstanding() {
      // The server applies acks after it has received them: allow it a moment to settle.
      let info = await group!.info();
      for (let tries = 0; info.num_ack_pending + info.num_pending > 0 &&
        tries < ACK_SETTLE_TRIES; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        info = await group!.info();
      }
      return info.num_ack_pending + info.num_pending;
    },
  };
  return target;
}

/** Connects to a nats-server (JetStream on) at 127.0.0.1:`port`; creates stream and bucket. */
export async function openNatsTarget(port: number): Promise<ServerTarget> {
  const nats = requirePeer('nats') as Nats;
  const nc = await nats.connect({ servers: `127.0.0.1:${port}` });
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: STREAM, subjects: [SUBJECT], storage: nats.StorageType.File });
  const js = nc.jetstream();
  const kv = await js.views.kv(BUCKET, { history: 1 });
  return {
    name: 'nats',
    ping: () => nc.flush(),
    kv: {
      put: (key, value) => kv.put(key, value).then(() => undefined),
      get: async (key) => {
        const entry = await kv.get(key);
        return entry === null || entry.operation !== 'PUT' ? null : entry.value;
      },
    },
    queue: null,
    stream: streamOf(nats, nc, js, jsm),
    action: null,
    close: () => nc.drain(),
  };
}
