// RawPeer: a bare TCP client for the server's conformance tests. It writes whatever bytes a
// test gives it (valid frames, broken ones, single bytes) and cuts the replies by their length
// field without judging them, with none of client/connection.ts's behaviour, so tests see
// exactly what the server sends and when it closes. Only tests import this file.

import { Buffer } from 'node:buffer';
import { connect, type Socket } from 'node:net';
import { encodeRequest } from '../wire/encoder.ts';
import { HEADER_BYTES, readU32, RESERVED_V1, TABLE_HASH, type ReplyFrame } from '../wire/frame.ts';

export interface RequestSpec {
  readonly id?: number | bigint;
  readonly version?: number;
  readonly flags?: number;
  readonly namespace?: string;
  readonly key?: string | Uint8Array;
  readonly value?: string | Uint8Array;
  readonly options?: Uint8Array;
  /** Send payload_length 0 instead of the four sections. */
  readonly emptyPayload?: boolean;
  /** Send these bytes as the payload instead of the four sections. */
  readonly payload?: Uint8Array;
}

const bytesOf = (value: string | Uint8Array | undefined): Uint8Array =>
  typeof value === 'string'
    ? new Uint8Array(Buffer.from(value, 'utf8'))
    : (value ?? new Uint8Array(0));

/** One request frame, v1 by default. */
export function requestBytes(opCode: number, spec: RequestSpec = {}): Uint8Array {
  const id = BigInt(spec.id ?? 1);
  const version = spec.version ?? 1;
  const header = {
    requestIdLo: Number(id & 0xffff_ffffn),
    requestIdHi: Number(id >> 32n),
    version,
    reserved: version === 2 ? TABLE_HASH : RESERVED_V1,
    opCode,
    flags: spec.flags ?? 0,
  };
  if (spec.emptyPayload) return encodeRequest(header, new Uint8Array(0));
  if (spec.payload !== undefined) return encodeRequest(header, spec.payload);
  return encodeRequest(header, {
    namespace: bytesOf(spec.namespace),
    key: bytesOf(spec.key),
    value: bytesOf(spec.value),
    options: spec.options,
  });
}

export class RawPeer {
  readonly socket: Socket;
  /** Resolves when the server closed its side (FIN or reset). */
  readonly ended: Promise<void>;
  private pending: Buffer = Buffer.alloc(0);
  private readonly replies: ReplyFrame[] = [];
  private waiters: (() => void)[] = [];
  private endedFlag = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      this.split();
      this.wake();
    });
    socket.on('error', () => {});
    this.ended = new Promise((resolve) => {
      const done = (): void => {
        this.endedFlag = true;
        this.wake();
        resolve();
      };
      socket.once('end', () => {
        // Like a real client: the server's FIN ends our side too, so the socket closes.
        socket.end();
        done();
      });
      socket.once('close', done);
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host, allowHalfOpen: true });
      socket.once('connect', () => resolve(new RawPeer(socket)));
      socket.once('error', reject);
    });
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** The next reply, in the order received; rejects after `timeoutMs` or at the server's close. */
  async next(timeoutMs = 3000): Promise<ReplyFrame> {
    const deadline = Date.now() + timeoutMs;
    while (this.replies.length === 0) {
      if (this.endedFlag) throw new Error('the server closed the connection');
      const leftMs = deadline - Date.now();
      if (leftMs <= 0) throw new Error(`no reply within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, leftMs);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.replies.shift()!;
  }

  /** `count` replies. */
  async take(count: number, timeoutMs = 3000): Promise<ReplyFrame[]> {
    const out: ReplyFrame[] = [];
    for (let index = 0; index < count; index++) out.push(await this.next(timeoutMs));
    return out;
  }

  /** Replies received so far and not taken. */
  get queued(): number {
    return this.replies.length;
  }

  /** Waits for the server to close; returns the replies that came before. */
  async untilClosed(timeoutMs = 3000): Promise<ReplyFrame[]> {
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`not closed within ${timeoutMs} ms`)), timeoutMs).unref(),
    );
    await Promise.race([this.ended, timeout]);
    return this.replies.splice(0);
  }

  get isEnded(): boolean {
    return this.endedFlag;
  }

  destroy(): void {
    this.socket.destroy();
  }

  /**
   * Cuts whole frames by data_length without judging them (tests check version, reserved
   * bytes and CRC themselves: an error frame may echo a version no client accepts).
   */
  private split(): void {
    while (this.pending.length >= HEADER_BYTES) {
      const total = HEADER_BYTES + readU32(this.pending, 4);
      if (this.pending.length < total) return;
      const bytes = new Uint8Array(this.pending.subarray(0, total));
      this.pending = this.pending.subarray(total);
      this.replies.push({
        requestIdLo: readU32(bytes, 8),
        requestIdHi: readU32(bytes, 12),
        version: bytes[20]!,
        reserved: bytes.slice(24, 32),
        status: bytes[21]!,
        flags: bytes[22]!,
        pad: bytes[23]!,
        crc32: readU32(bytes, 16),
        body: bytes.subarray(HEADER_BYTES),
        bytes,
      });
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** The UTF-8 text of a reply body. */
export const bodyText = (reply: ReplyFrame): string => Buffer.from(reply.body).toString('utf8');
