// FloClient: the client's facade, shaped like the official SDKs' surface: client.kv,
// client.queue, client.stream (with client.stream.group), client.action, client.worker,
// client.namespaces and client.system, all over one pipelined FloConnection (so concurrent
// calls share the socket, and the connection reconnects with backoff after a drop). Every
// call takes `namespace` and `timeoutMs`; the client's `namespace` is the default.
// Workers that long-poll get their own connections: see ActionWorker (action_worker.ts).

import { ActionApi } from './action.ts';
import { FloConnection, type ConnectionOptions } from './connection.ts';
import { KvApi } from './kv.ts';
import { NamespaceApi } from './namespace.ts';
import { QueueApi } from './queue.ts';
import { StreamApi } from './stream.ts';
import { SystemApi } from './system.ts';
import { WorkerApi } from './worker.ts';

export interface ClientOptions extends ConnectionOptions {
  /** The namespace of every call that does not name one; default "default". */
  readonly namespace?: string;
}

/**
 * A Flo client over one connection.
 *
 * @example
 * const client = new FloClient({ port: 9000, namespace: 'shop' });
 * const version = await client.kv.put('cart:1', '{"items":[]}', { ttlMs: 60_000 });
 * const seq = await client.queue.enqueue('emails', 'hello', { priority: 1 });
 * await client.close();
 */
export class FloClient {
  readonly connection: FloConnection;
  readonly kv: KvApi;
  readonly queue: QueueApi;
  readonly stream: StreamApi;
  readonly action: ActionApi;
  readonly worker: WorkerApi;
  readonly namespaces: NamespaceApi;
  readonly system: SystemApi;

  constructor(options: ClientOptions = {}) {
    const namespace = options.namespace ?? '';
    if (namespace.includes('\0')) throw new RangeError('namespace must not contain NUL');
    this.connection = new FloConnection(options);
    this.kv = new KvApi(this.connection, namespace);
    this.queue = new QueueApi(this.connection, namespace);
    this.stream = new StreamApi(this.connection, namespace);
    this.action = new ActionApi(this.connection, namespace);
    this.worker = new WorkerApi(this.connection, namespace);
    this.namespaces = new NamespaceApi(this.connection, namespace);
    this.system = new SystemApi(this.connection, namespace);
  }

  /** A client whose server has answered a PING (fails fast when it is not there). */
  static async connect(options: ClientOptions = {}): Promise<FloClient> {
    const client = new FloClient(options);
    try {
      await client.system.ping();
    } catch (error) {
      await client.close();
      throw error;
    }
    return client;
  }

  /** Fails the calls in flight and closes the connection. */
  close(): Promise<void> {
    return this.connection.close();
  }
}
