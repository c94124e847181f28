// What the `server` scenario drives: one server over loopback through its client library —
// Flo through FloClient, Redis through ioredis and BullMQ, NATS JetStream through nats.js.
// Each target offers the families it has (null where the server has no equivalent, or our
// server does not offer it yet); bench/server_phases.ts runs the same phases on every target,
// so one phase's rows are comparable (actions are Flo's alone). Implementations:
// flo_target.ts, redis_target.ts, nats_target.ts. Every operation resolves only once the
// server has answered it.

/** A key–value family: SET/GET, KV put/get. */
export interface KvTarget {
  put(key: string, value: Uint8Array): Promise<void>;
  /** The value, or null when the key is absent. */
  get(key: string): Promise<Uint8Array | null>;
}

/** One phase's queue: cycles run concurrently, then finish() checks what went through. */
export interface QueueCycles {
  /** Enqueues `payloads` and resolves once as many messages were taken and acknowledged. */
  cycle(payloads: Uint8Array[]): Promise<void>;
  /**
   * After the last cycle: takes and acknowledges whatever is left, and checks the server's
   * counters against `sent`. Returns the payloads received over the whole phase (every
   * cycle's and the leftovers), and what is wrong, if anything.
   */
  finish(sent: number): Promise<{ received: Uint8Array[]; problem: string | null }>;
}

/** A work queue family: Flo queues, BullMQ. */
export interface QueueTarget {
  /** How a cycle maps onto this server's operations (printed in the row's note). */
  readonly how: string;
  /** A fresh queue for a phase of `workers` concurrent cycles of `batch` messages. */
  open(name: string, batch: number, workers: number): Promise<QueueCycles>;
}

/** A stream family with consumer groups: Flo streams, Redis streams, JetStream. */
export interface StreamTarget {
  /** How a batch is appended and how a group reads (printed in the row's note). */
  readonly how: string;
  /** Appends `values` in order; resolves once every one is acknowledged. */
  append(values: Uint8Array[]): Promise<void>;
  /** Reads the whole stream back in order, calling `visit` per payload; returns the count. */
  readAll(visit: (payload: Uint8Array) => void): Promise<number>;
  /** Creates the consumer group, positioned at the start of the stream. */
  createGroup(): Promise<void>;
  /** One consumer's read of at most `count` records, acknowledged before it resolves. */
  readAndAck(consumer: string, count: number): Promise<Uint8Array[]>;
  /** Records delivered to the group and not yet acknowledged, plus any not yet delivered. */
  outstanding(): Promise<number>;
}

/** One phase's action and its worker loops. */
export interface ActionRoundTrips {
  /**
   * Invokes the action with `input`; a worker loop takes the task and completes it with the
   * input reversed; resolves with the output the server then reports for the run.
   */
  roundTrip(input: Uint8Array): Promise<Uint8Array>;
  /** Stops the worker loops; returns what is wrong, if anything (tasks lost or doubled). */
  finish(sent: number): Promise<string | null>;
}

/** Actions run by workers: Flo's actions (no peer has a counterpart). */
export interface ActionTarget {
  /** How a round trip maps onto this server's operations (printed in the row's note). */
  readonly how: string;
  /** Registers a fresh action and starts `workers` worker loops on it. */
  open(name: string, workers: number): Promise<ActionRoundTrips>;
}

export interface ServerTarget {
  /** "flo", "redis", "nats" */
  readonly name: string;
  /** One round trip that does no work (PING; NATS's flush is a PING). */
  ping(): Promise<void>;
  readonly kv: KvTarget | null;
  readonly queue: QueueTarget | null;
  readonly stream: StreamTarget | null;
  readonly action: ActionTarget | null;
  close(): Promise<void>;
}
