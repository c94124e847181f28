// Test harness for the engine families' conformance tests: a real startFloServer on
// 127.0.0.1 (port 0) over an in-memory engine driven by a ManualClock (leases, delays and
// timeouts advance when a test says so, not with the wall clock), and FloPeer, a RawPeer
// that numbers its requests; plus readers and builders of the usual value and reply shapes
// (seq lists, paging values, stream record lists). Only tests import this file.

import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { ManualClock, openFlo, type Flo, type FloOptions } from '../../engine/mod.ts';
import { startFloServer, type FloServerConfig, type RunningFloServer } from '../flo_server.ts';
import { BodyReader } from '../wire/body_reader.ts';
import { Status, type ReplyFrame } from '../wire/frame.ts';
import { OptionsWriter } from '../wire/options.ts';
import { bodyText, RawPeer, requestBytes, type RequestSpec } from './raw_peer.ts';

export interface ServedFlo {
  readonly flo: Flo;
  readonly server: RunningFloServer;
  readonly clock: ManualClock;
  /** A new raw connection, closed when the test ends. */
  peer(): Promise<FloPeer>;
}

/** Starts a server over `openFlo({ durability: 'memory' })`; both close when `t` ends. */
export async function serveFlo(
  t: TestContext,
  config: FloServerConfig = {},
  floOptions: Partial<FloOptions> = {},
): Promise<ServedFlo> {
  const clock = new ManualClock();
  const flo = await openFlo({ dir: '/data', durability: 'memory', clock, ...floOptions });
  const server = await startFloServer(flo, { port: 0, http: false, log: () => {}, ...config });
  t.after(() => server.close());
  return {
    flo, server, clock,
    peer: async () => {
      const peer = new FloPeer(await RawPeer.connect(server.address.port));
      t.after(() => peer.raw.destroy());
      return peer;
    },
  };
}

/** A RawPeer that numbers requests; `ask` sends one and waits for the next reply. */
export class FloPeer {
  readonly raw: RawPeer;
  private nextId = 1;

  constructor(raw: RawPeer) {
    this.raw = raw;
  }

  /** Sends a request without waiting; returns its id. */
  send(opCode: number, spec: RequestSpec & { opts?: OptionsWriter } = {}): number {
    const id = this.nextId++;
    const options = spec.opts?.toBytes() ?? spec.options;
    this.raw.write(requestBytes(opCode, { id, ...spec, ...(options ? { options } : {}) }));
    return id;
  }

  /** Sends a request and returns the next reply (checked to carry its id). */
  async ask(opCode: number, spec: RequestSpec & { opts?: OptionsWriter } = {}) {
    const id = this.send(opCode, spec);
    const reply = await this.raw.next();
    assert.equal(reply.requestIdLo, id, 'the reply answers the request just sent');
    return reply;
  }

  /** Like ask(), asserting OK and returning a reader over the body. */
  async okBody(opCode: number, spec: RequestSpec & { opts?: OptionsWriter } = {}) {
    const reply = await this.ask(opCode, spec);
    assert.equal(reply.status, Status.OK, `${opCode.toString(16)}: ${bodyText(reply)}`);
    return new BodyReader(reply.body);
  }
}

/** A new options writer. */
export const opts = (): OptionsWriter => new OptionsWriter();

/** Asserts `reply` is `status` and, if given, that its message starts with `prefix`. */
export function assertStatus(reply: ReplyFrame, status: Status, prefix?: string): void {
  assert.equal(reply.status, status, `got status ${reply.status}: ${bodyText(reply)}`);
  if (prefix !== undefined) {
    assert.ok(bodyText(reply).startsWith(prefix), `"${bodyText(reply)}" starts with ${prefix}`);
  }
}

/** Little-endian u32 count followed by u64 values (`[n:u32]([v:u64])*`). */
export function u64List(values: readonly number[]): Uint8Array {
  const bytes = Buffer.alloc(4 + values.length * 8);
  bytes.writeUInt32LE(values.length, 0);
  values.forEach((value, index) => bytes.writeBigUInt64LE(BigInt(value), 4 + index * 8));
  return bytes;
}

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
export const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

/** The paging value `[limit:u32][cursor]` (§8). */
export function pageValue(limit: number, cursor: Uint8Array = new Uint8Array(0)): Uint8Array {
  const bytes = Buffer.alloc(4 + cursor.length);
  bytes.writeUInt32LE(limit, 0);
  bytes.set(cursor, 4);
  return bytes;
}

/** Waits (polling every 5 ms, at most 2 s) until the server holds `count` parked requests. */
export async function waitParked(server: RunningFloServer, count: number): Promise<void> {
  for (let tries = 0; server.parkedCount !== count; tries++) {
    if (tries > 400) throw new Error(`parked ${server.parkedCount}, want ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A stream record as a §7.4.3 record list carries it (payload and headers as text). */
export interface WireRecord {
  sequence: number;
  timestampMs: number;
  partition: number;
  stream: string;
  payload: string;
  headers: Array<[string, string]>;
}

/** Reads a §7.4.3 record list; `trailer` bytes may follow. */
export function readRecords(reader: BodyReader): WireRecord[] {
  const out: WireRecord[] = [];
  for (let count = reader.u32(); count > 0; count--) {
    const sequence = reader.u64();
    const timestampMs = reader.i64();
    assert.equal(reader.u8(), 0, 'tier 0');
    const partition = reader.u32();
    assert.equal(reader.u8(), 1, 'key_present 1');
    const stream = text(reader.bytesU32());
    const payload = text(reader.bytesU32());
    const headers: Array<[string, string]> = [];
    for (let n = reader.u32(); n > 0; n--) {
      headers.push([text(reader.bytesU32()), text(reader.bytesU32())]);
    }
    out.push({ sequence, timestampMs, partition, stream, payload, headers });
  }
  return out;
}
