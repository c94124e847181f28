// FamilyBase: what every client family (kv.ts, queue.ts, stream.ts, …) shares. It sends one
// request through a Transport (a FloConnection), with the family's default namespace unless
// the call names one, the call's timeout and block time; turns a non-OK reply into the typed
// FloStatusError; and decodes OK bodies with the wire codec's BodyReader, where a body that
// does not fit its layout is a FloProtocolError naming the op. Also the options every call
// takes (CallBase).

import { ok as assert } from 'node:assert/strict';
import { BodyReader } from '../server/wire/body_reader.ts';
import { Status } from '../server/wire/frame.ts';
import { opName } from '../server/wire/opcodes.ts';
import type { Bytes } from './bytes.ts';
import type { CallOptions, WireReply } from './connection.ts';
import { errorForStatus, FloProtocolError } from './errors.ts';
import type { RequestOptions } from './request_options.ts';

/** Options every call takes. */
export interface CallBase {
  /** Overrides the client's default namespace for this call. */
  readonly namespace?: string;
  /** Overrides the connection's timeout for this call (ms); block time is added to it. */
  readonly timeoutMs?: number;
}

/** Where requests go: a FloConnection (or a test double). */
export interface Transport {
  request(opCode: number, call: CallOptions): Promise<WireReply>;
  /** The header version requests are sent with (ACTION_AWAIT's reply depends on it). */
  readonly headerVersion: 1 | 2;
}

/** One request of a family. */
export interface FamilyRequest extends CallBase {
  readonly key?: Bytes;
  readonly value?: Bytes;
  readonly options?: RequestOptions;
  /** The call's block_ms or wait_ms (the reply may take that much longer). */
  readonly blockMs?: number;
}

const EMPTY = new Uint8Array(0);

export class FamilyBase {
  protected readonly transport: Transport;
  private readonly defaultNamespace: string;

  constructor(transport: Transport, defaultNamespace = '') {
    this.transport = transport;
    this.defaultNamespace = defaultNamespace;
  }

  /** The body of an OK reply; any other status throws its FloStatusError. */
  protected async call(opCode: number, request: FamilyRequest): Promise<Uint8Array> {
    return okBody(await this.send(opCode, request));
  }

  /** Like call(), but NOT_FOUND resolves null instead of throwing. */
  protected async callOrNull(opCode: number, request: FamilyRequest): Promise<Uint8Array | null> {
    return okBodyOrNull(await this.send(opCode, request));
  }

  protected send(opCode: number, request: FamilyRequest): Promise<WireReply> {
    assert(Number.isInteger(opCode) && opCode >= 0 && opCode <= 0xffff, 'an op code is a u16');
    assert(request.blockMs === undefined || request.blockMs >= 0, 'block time is not negative');
    // Text goes as is: the connection encodes it straight into the frame.
    return this.transport.request(opCode, {
      namespace: request.namespace ?? this.defaultNamespace,
      key: request.key ?? EMPTY,
      value: request.value ?? EMPTY,
      options: request.options?.toBytes(),
      timeoutMs: request.timeoutMs,
      blockMs: request.blockMs,
    });
  }
}

/** The body of an OK reply; any other status throws its FloStatusError. */
export function okBody(reply: WireReply): Uint8Array {
  if (reply.status !== Status.OK) throw errorForStatus(reply.status, reply.body);
  return reply.body;
}

/** Like okBody(), but NOT_FOUND is null. */
export function okBodyOrNull(reply: WireReply): Uint8Array | null {
  if (reply.status === Status.NOT_FOUND) return null;
  return okBody(reply);
}

/**
 * Reads `body` with `read`; unless `rest` is 'ignore', bytes left over are an error too.
 * Any misfit is a FloProtocolError naming the op (the server and client disagree).
 */
export function decodeBody<T>(
  opCode: number,
  body: Uint8Array,
  read: (reader: BodyReader) => T,
  rest: 'exact' | 'ignore' = 'exact',
): T {
  const reader = new BodyReader(body);
  let value: T;
  try {
    value = read(reader);
  } catch (error) {
    if (error instanceof FloProtocolError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new FloProtocolError(`${opName(opCode)} reply does not fit its layout: ${detail}`);
  }
  if (rest === 'exact' && !reader.atEnd) {
    throw new FloProtocolError(`${opName(opCode)} reply has ${reader.remaining} bytes past ` +
      'its layout');
  }
  return value;
}

/** A protocol error for a decoded value the layout allows but the spec does not. */
export function badReply(opCode: number, what: string): FloProtocolError {
  return new FloProtocolError(`${opName(opCode)} reply: ${what}`);
}
