// FloConnection: the client side of one Flo protocol connection. Requests are pipelined on one
// socket and matched to replies by request id (ids from 1 on each socket, a map of pending calls),
// so replies may come in any order (parked requests on the server answer late). Requests made in
// one turn leave in one socket write (a FrameEncoder flushed from a microtask), or in parts of
// about flushEarlyBytes when more piled up. Each call waits at most its timeout plus its block_ms,
// then fails with FloTimeoutError; a reply that comes later is dropped by id. When the connection
// drops, the calls in flight fail with FloConnectionError (they may or may not have been applied)
// and the next call reconnects, after an exponential backoff while connecting keeps failing. A
// reply that is not a valid frame (magic, version, reserved bytes, CRC) closes the connection. The
// socket does not keep the process alive while no call is pending. Imports only server/wire.

import { ok as assert } from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { connect, type Socket } from 'node:net';
import { FrameDecoder, FrameError, replyLayout } from '../server/wire/decoder.ts';
import type { EnvelopeParts } from '../server/wire/envelope.ts';
import { FrameEncoder, type RequestHeaderFields } from '../server/wire/encoder.ts';
import { reservedOf, Status, type ReplyFrame } from '../server/wire/frame.ts';
import { flushEarlyBytes, replyBytesMaxDefault } from '../server/wire/limits.ts';
import { opName } from '../server/wire/opcodes.ts';
import { OptionsWriter } from '../server/wire/options.ts';
import { TimeoutLists, type Timed, type TimedList } from './timeout_lists.ts';
import {
  errorForStatus,
  FloClosedError,
  FloConnectionError,
  FloProtocolError,
  FloTimeoutError,
} from './errors.ts';

export interface ConnectionOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 9000. */
  readonly port?: number;
  /** Header version of requests, 1 or 2; default 2. */
  readonly version?: 1 | 2;
  /** How long a call waits for its reply, before any block_ms (ms); default 30 000. */
  readonly timeoutMs?: number;
  /** How long one connection attempt may take (ms); default 5 000. */
  readonly connectTimeoutMs?: number;
  /** First and largest wait between failed connection attempts (ms); default 50 and 5 000. */
  readonly backoffMsMin?: number;
  readonly backoffMsMax?: number;
  /** Largest reply body accepted (bytes); default 64 MiB. */
  readonly replyBytesMax?: number;
}

/** One request's envelope and how long to wait for it. */
export interface CallOptions {
  /** Empty means "default" on the server. */
  readonly namespace?: string;
  readonly key?: string | Uint8Array;
  readonly value?: string | Uint8Array;
  /** The TLV options section. */
  readonly options?: Uint8Array | OptionsWriter;
  /** Overrides the connection's timeoutMs for this call. */
  readonly timeoutMs?: number;
  /** The call's block_ms or wait_ms: it extends the wait for the reply. */
  readonly blockMs?: number;
  readonly version?: 1 | 2;
  readonly flags?: number;
}

/** A reply: status and body (a view of the received bytes). */
export interface WireReply {
  readonly status: number;
  readonly body: Uint8Array;
}

/** A call in flight, and its place in the timeout lists. */
class PendingCall implements Timed {
  readonly id: number;
  readonly opCode: number;
  readonly version: number;
  readonly waitMs: number;
  readonly resolve: (reply: WireReply) => void;
  readonly reject: (error: Error) => void;
  deadlineMs = 0;
  timedPrev: Timed | null = null;
  timedNext: Timed | null = null;
  timedList: TimedList | null = null;

  constructor(
    id: number,
    request: { opCode: number; version: number; waitMs: number },
    resolve: (reply: WireReply) => void,
    reject: (error: Error) => void,
  ) {
    this.id = id;
    this.opCode = request.opCode;
    this.version = request.version;
    this.waitMs = request.waitMs;
    this.resolve = resolve;
    this.reject = reject;
  }
}

type State = 'idle' | 'connecting' | 'open' | 'closed';

const EMPTY = new Uint8Array(0);
const TWO_POW_32 = 0x1_0000_0000;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * One pipelined connection to a Flo server.
 *
 * @example
 * const connection = new FloConnection({ port: 9000 });
 * const body = await connection.call(OpCode.KV_GET, { key: 'k' });
 * await connection.close();
 */
export class FloConnection {
  private readonly host: string;
  private readonly port: number;
  private readonly version: 1 | 2;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly backoffMsMin: number;
  private readonly backoffMsMax: number;
  private readonly replyBytesMax: number;
  private readonly encoder = new FrameEncoder();
  private readonly header: Mutable<RequestHeaderFields> = {
    requestIdLo: 0, requestIdHi: 0, version: 2, reserved: reservedOf(2), opCode: 0, flags: 0,
  };
  private readonly parts: Mutable<EnvelopeParts> = {};
  private readonly pending = new Map<number, PendingCall>();
  private readonly timeouts = new TimeoutLists((call) => this.expire(call as PendingCall));
  private decoder: FrameDecoder<ReplyFrame>;
  private socket: Socket | null = null;
  private state: State = 'idle';
  private nextId = 1;
  private failures = 0;
  private flushQueued = false;
  /** Why the server closed us, when it said so (an error frame with request id 0). */
  private serverMessage: string | null = null;
  private socketError: Error | null = null;

  constructor(options: ConnectionOptions = {}) {
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 9000;
    this.version = options.version ?? 2;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.backoffMsMin = options.backoffMsMin ?? 50;
    this.backoffMsMax = options.backoffMsMax ?? 5_000;
    this.replyBytesMax = options.replyBytesMax ?? replyBytesMaxDefault;
    if (this.version !== 1 && this.version !== 2) throw new RangeError('version must be 1 or 2');
    if (!(this.backoffMsMin > 0 && this.backoffMsMin <= this.backoffMsMax)) {
      throw new RangeError('backoffMsMin must be positive and at most backoffMsMax');
    }
    this.decoder = new FrameDecoder(replyLayout, this.replyBytesMax);
  }

  /** The header version requests are sent with unless a call names one. */
  get headerVersion(): 1 | 2 {
    return this.version;
  }

  /** Calls in flight. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Sends a request; resolves with its reply whatever the status.
   * @throws FloConnectionError, FloTimeoutError, FloProtocolError, FloClosedError (rejects).
   */
  request(opCode: number, call: CallOptions = {}): Promise<WireReply> {
    if (this.state === 'closed') {
      return Promise.reject(new FloClosedError(`the connection to ${this.where} is closed`));
    }
    const version = call.version ?? this.version;
    const waitMs = (call.timeoutMs ?? this.timeoutMs) + (call.blockMs ?? 0);
    const id = this.nextId++;
    try {
      this.append(id, opCode, version, call);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<WireReply>((resolve, reject) => {
      const call = new PendingCall(id, { opCode, version, waitMs }, resolve, reject);
      this.pending.set(id, call);
      this.timeouts.add(call, waitMs);
      if (this.pending.size === 1) this.socket?.ref();
      if (this.state === 'idle') this.open();
      else this.scheduleFlush();
    });
  }

  /** Sends a request; resolves with the body of an OK reply, throws FloStatusError otherwise. */
  async call(opCode: number, call: CallOptions = {}): Promise<Uint8Array> {
    const reply = await this.request(opCode, call);
    if (reply.status !== Status.OK) throw errorForStatus(reply.status, reply.body);
    return reply.body;
  }

  /** Fails the calls in flight with FloClosedError and closes the socket. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.failAll(new FloClosedError(`the connection to ${this.where} was closed by its owner`));
    const socket = this.socket;
    if (socket === null || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      // An idle socket is unref'd; the close handshake must keep the process alive, or a
      // script awaiting close() would end with that await unsettled (exit code 13).
      socket.ref();
      socket.end();
      setTimeout(() => socket.destroy(), 1_000).unref();
    });
  }

  private get where(): string {
    return `${this.host}:${this.port}`;
  }

  private append(id: number, opCode: number, version: number, call: CallOptions): void {
    const options = call.options instanceof OptionsWriter ? call.options.toBytes() : call.options;
    // The encoder copies both into the frame at once: one header and one parts object serve
    // every request.
    const header = this.header;
    header.requestIdLo = id % TWO_POW_32;
    header.requestIdHi = Math.floor(id / TWO_POW_32);
    header.version = version;
    header.reserved = reservedOf(version);
    header.opCode = opCode;
    header.flags = call.flags ?? 0;
    const parts = this.parts;
    parts.namespace = call.namespace ?? EMPTY;
    parts.key = call.key ?? EMPTY;
    parts.value = call.value ?? EMPTY;
    parts.options = options ?? EMPTY;
    try {
      this.encoder.appendRequest(header, parts);
    } finally {
      // Hold no caller's bytes past the call.
      parts.key = parts.value = parts.options = EMPTY;
    }
  }

  // Requests of a turn leave in one write, or at once when flushEarlyBytes have piled up,
  // so the server starts on the first ones while the rest are encoded (as the server does
  // with its replies).
  private scheduleFlush(): void {
    if (this.state === 'open' && this.encoder.pendingBytes >= flushEarlyBytes) {
      this.flush();
      return;
    }
    if (this.flushQueued || this.state !== 'open') return;
    this.flushQueued = true;
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.state !== 'open' || this.socket === null) return;
    const bytes = this.encoder.take();
    if (bytes !== null) this.socket.write(bytes);
  }

  /** Connects (after the backoff that consecutive failures call for). */
  private open(): void {
    assert(this.state === 'idle' && this.socket === null, 'open from idle');
    this.state = 'connecting';
    const delayMs = this.backoffMs();
    if (delayMs === 0) this.dial();
    else setTimeout(() => this.dial(), delayMs);
  }

  private backoffMs(): number {
    if (this.failures === 0) return 0;
    const ceilingMs = Math.min(this.backoffMsMax, this.backoffMsMin * 2 ** (this.failures - 1));
    // Half fixed, half random: clients that lost the same server do not return in step.
    return Math.round(ceilingMs / 2 + (Math.random() * ceilingMs) / 2);
  }

  private dial(): void {
    if (this.state !== 'connecting') return;
    this.socketError = null;
    this.serverMessage = null;
    const socket = connect({ host: this.host, port: this.port });
    this.socket = socket;
    socket.setNoDelay(true);
    if (this.pending.size === 0) socket.unref();
    const connectTimer = setTimeout(() => {
      this.socketError = new Error(`no connection within ${this.connectTimeoutMs} ms`);
      socket.destroy();
    }, this.connectTimeoutMs);
    socket.once('connect', () => {
      clearTimeout(connectTimer);
      this.failures = 0;
      if (this.state !== 'connecting') return;
      this.state = 'open';
      this.flush();
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => (this.socketError ??= error));
    socket.once('close', () => {
      clearTimeout(connectTimer);
      this.onClose(socket);
    });
  }

  private onData(chunk: Buffer): void {
    this.decoder.push(chunk);
    for (let result = this.decoder.next(); result !== null; result = this.decoder.next()) {
      if (result instanceof FrameError) {
        this.fail(new FloProtocolError(`invalid reply from ${this.where}: ${result.reason}`));
        return;
      }
      this.onReply(result);
    }
  }

  private onReply(reply: ReplyFrame): void {
    const id = reply.requestIdHi * TWO_POW_32 + reply.requestIdLo;
    const call = this.pending.get(id);
    if (call === undefined) {
      // Id 0 with an error: the server is closing us and says why (spec §3.6). Otherwise the
      // reply belongs to a call that timed out: drop it.
      if (id === 0 && reply.status !== Status.OK) {
        this.serverMessage = Buffer.from(reply.body).toString('utf8');
      }
      return;
    }
    if (reply.version !== call.version) {
      this.fail(new FloProtocolError(`reply ${id} has version ${reply.version}`));
      return;
    }
    this.pending.delete(id);
    this.timeouts.remove(call);
    if (this.pending.size === 0) this.socket?.unref();
    call.resolve(reply);
  }

  private expire(call: PendingCall): void {
    assert(this.pending.get(call.id) === call, 'an expiring call is pending');
    this.pending.delete(call.id);
    if (this.pending.size === 0) this.socket?.unref();
    call.reject(
      new FloTimeoutError(`${opName(call.opCode)} got no reply within ${call.waitMs} ms`),
    );
  }

  /** Fails every call in flight with `error` and drops the socket. */
  private fail(error: Error): void {
    this.failAll(error);
    this.socket?.destroy();
  }

  private failAll(error: Error): void {
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const call of calls) {
      this.timeouts.remove(call);
      call.reject(error);
    }
  }

  private onClose(socket: Socket): void {
    if (socket !== this.socket) return;
    const wasOpen = this.state === 'open';
    this.socket = null;
    if (this.state !== 'closed') this.state = 'idle';
    if (!wasOpen) this.failures++;
    const count = this.pending.size;
    if (count > 0) this.failAll(this.closeError(wasOpen, count));
    // The next socket starts afresh: its own ids, no bytes meant for the old one.
    this.encoder.take();
    this.nextId = 1;
    this.flushQueued = false;
    this.decoder = new FrameDecoder(replyLayout, this.replyBytesMax);
  }

  private closeError(wasOpen: boolean, count: number): FloConnectionError {
    const cause = this.socketError ?? undefined;
    if (!wasOpen) {
      return new FloConnectionError(
        `cannot connect to ${this.where}: ${cause?.message ?? 'closed'}`,
        { cause },
      );
    }
    const why = this.serverMessage ?? cause?.message ?? 'closed by the server';
    return new FloConnectionError(
      `connection to ${this.where} lost (${why}); ${count} request(s) in flight may or may ` +
        'not have been applied',
      { cause },
    );
  }
}
