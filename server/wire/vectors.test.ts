// Golden frames (fixtures/wire/vectors.json, a copy of the spec's vectors.json): every frame
// decodes to the fields the file states, and encoding those fields gives the same bytes back.
// A selection of op values and reply bodies is also read with BodyReader and rebuilt with
// BodyWriter, so the body codec is pinned to the spec's layouts too.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import { BodyReader } from './body_reader.ts';
import { BodyWriter } from './body_writer.ts';
import { FrameDecoder, FrameError, replyLayout, requestLayout } from './decoder.ts';
import { encodeReply, encodeRequest } from './encoder.ts';
import { parseEnvelope } from './envelope.ts';
import { readU16, readU32, requestIdNumber, statusName, type FrameEcho } from './frame.ts';
import { wireLimitsDefault } from './limits.ts';
import { opName } from './opcodes.ts';
import { optionInfo } from './option_tags.ts';
import type { TlvOptions } from './options.ts';

type Fields = Record<string, unknown>;
interface Vector {
  name: string;
  direction: 'request' | 'response';
  hex: string;
  fields: Fields;
}

const vectorsPath = join(import.meta.dirname, '..', '..', 'fixtures', 'wire', 'vectors.json');
const vectors = JSON.parse(readFileSync(vectorsPath, 'utf8')) as Vector[];
const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
const utf8 = (value: string): Uint8Array => new Uint8Array(Buffer.from(value, 'utf8'));

/** The raw header fields, read without any validation (for frames the decoder rejects). */
function rawEcho(bytes: Uint8Array, versionOffset: number): FrameEcho {
  return {
    requestIdLo: readU32(bytes, 8),
    requestIdHi: readU32(bytes, 12),
    version: bytes[versionOffset]!,
    reserved: bytes.slice(24, 32),
  };
}

function checkCommonHeader(vector: Vector, bytes: Uint8Array, echo: FrameEcho): void {
  const fields = vector.fields;
  assert.equal(hexOf(bytes.subarray(0, 4)), fields['magic']);
  assert.equal(readU32(bytes, 4), fields['payload_length'] ?? fields['data_length']);
  assert.equal(requestIdNumber(echo), fields['request_id']);
  assert.equal(`0x${readU32(bytes, 16).toString(16).padStart(8, '0')}`, fields['crc32']);
  assert.equal(echo.version, fields['version']);
  assert.equal(hexOf(echo.reserved), fields['reserved_hex']);
}

function decodedOption(options: TlvOptions, tag: number): unknown {
  const info = optionInfo(tag)!;
  const data = options.get(tag)!;
  switch (info.type) {
    case 'uint':
      return options.uint(tag);
    case 'flag':
    case 'flagOrU8':
      return data.length === 0 ? options.flag(tag) : data[0];
    case 'bytes':
      return text(data);
    case 'streamId': {
      const id = options.streamId(tag)!;
      return { timestamp_ms: id.timestampMs, sequence: id.sequence };
    }
    case 'i64':
      return options.i64(tag);
  }
}

function checkRequest(vector: Vector): void {
  const bytes = fromHex(vector.hex);
  const fields = vector.fields;
  const decoder = new FrameDecoder(requestLayout, wireLimitsDefault.payloadBytesMax);
  decoder.push(bytes);
  const result = decoder.next();
  const header = {
    ...rawEcho(bytes, 22),
    opCode: readU16(bytes, 20),
    flags: bytes[23]!,
  };
  checkCommonHeader(vector, bytes, header);
  assert.equal(`0x${header.opCode.toString(16).padStart(3, '0')}`, fields['op_code']);
  assert.equal(opName(header.opCode), fields['op']);
  assert.equal(header.flags, fields['flags']);
  if (vector.name === 'unsupported_version_request') {
    assert.ok(result instanceof FrameError);
    assert.equal(result.reason, 'unsupported protocol version');
    assert.equal(result.echo.version, 3);
  } else {
    assert.ok(result !== null && !(result instanceof FrameError), 'one whole frame');
    assert.equal(result.opCode, header.opCode);
    assert.equal(result.payload.length, fields['payload_length']);
    assert.equal(decoder.next(), null);
    checkEnvelope(vector, result.payload);
  }
  const payload = bytes.subarray(32);
  assert.equal(hexOf(encodeRequest(header, payload)), vector.hex, 'raw payload re-encodes');
  if (payload.length > 0) {
    const envelope = parseEnvelope(payload, wireLimitsDefault);
    const parts = {
      namespace: utf8(envelope.namespace),
      key: envelope.key,
      value: envelope.value,
      options: envelope.options.bytes,
    };
    assert.equal(hexOf(encodeRequest(header, parts)), vector.hex, 'envelope re-encodes');
  }
}

function checkEnvelope(vector: Vector, payload: Uint8Array): void {
  const fields = vector.fields;
  const envelope = parseEnvelope(payload, wireLimitsDefault);
  if (fields['envelope'] !== undefined) {
    assert.equal(payload.length, 0);
    assert.equal(envelope.namespace, 'default');
    return;
  }
  assert.equal(envelope.namespace, fields['namespace']);
  assert.equal(text(envelope.key), fields['key']);
  assert.equal(envelope.value.length, fields['value_length']);
  assert.equal(hexOf(envelope.value), fields['value_hex']);
  type StatedOption = { tag: string; name: string; length: number; value: unknown };
  const stated = fields['options'] as StatedOption[];
  const entries = [...envelope.options.entries()];
  assert.equal(entries.length, stated.length);
  entries.forEach(([tag, data], index) => {
    const want = stated[index]!;
    assert.equal(`0x${tag.toString(16).padStart(2, '0')}`, want.tag);
    assert.equal(optionInfo(tag)?.name, want.name);
    assert.equal(data.length, want.length);
    assert.deepEqual(decodedOption(envelope.options, tag), want.value);
  });
  const layout = bodyLayouts[vector.name];
  if (layout !== undefined) checkBody(layout, envelope.value, fields['value']);
}

function checkResponse(vector: Vector): void {
  const bytes = fromHex(vector.hex);
  const fields = vector.fields;
  const decoder = new FrameDecoder(replyLayout, wireLimitsDefault.payloadBytesMax);
  decoder.push(bytes);
  const result = decoder.next();
  const echo = rawEcho(bytes, 20);
  checkCommonHeader(vector, bytes, echo);
  const status = bytes[21]!;
  assert.equal(status, fields['status']);
  assert.equal(statusName(status), fields['status_name']);
  assert.equal(bytes[22], fields['flags']);
  const body = bytes.subarray(32);
  assert.equal(hexOf(body), fields['body_hex']);
  if (echo.version === 3) {
    assert.ok(result instanceof FrameError, 'a client rejects an unknown version');
  } else {
    assert.ok(result !== null && !(result instanceof FrameError), 'one whole frame');
    assert.equal(result.status, status);
    assert.equal(hexOf(result.body), fields['body_hex']);
  }
  const stated = fields['body'] as Fields;
  if (status !== 0) {
    assert.equal(text(body), (stated['message'] as string | undefined) ?? '');
  } else if (bodyLayouts[vector.name] !== undefined) {
    checkBody(bodyLayouts[vector.name]!, body, stated);
  }
  assert.equal(hexOf(encodeReply(echo, status, body)), vector.hex, 're-encodes');
}

interface BodyLayout {
  read(reader: BodyReader): Fields;
  write(writer: BodyWriter, fields: Fields): void;
}

function checkBody(layout: BodyLayout, bytes: Uint8Array, stated: unknown): void {
  const reader = new BodyReader(bytes);
  const decoded = layout.read(reader);
  assert.equal(reader.remaining, 0, 'the layout reads the whole body');
  for (const [name, value] of Object.entries(decoded)) {
    assert.deepEqual(value, (stated as Fields)[name], name);
  }
  const writer = new BodyWriter(8);
  layout.write(writer, stated as Fields);
  assert.equal(hexOf(writer.view()), hexOf(bytes), 'the body re-encodes');
}

const str = (value: unknown): Uint8Array => utf8(value as string);

const bodyLayouts: Record<string, BodyLayout> = {
  kv_get_response_v1_ok: {
    read: (r) => ({ version: r.u64(), value: text(r.rest()) }),
    write: (w, f) => w.u64(f['version'] as number).bytes(str(f['value'])),
  },
  kv_scan_request_next_page: {
    read: (r) => ({ limit: r.u32(), cursor_hex: hexOf(r.rest()) }),
    write: (w, f) => w.u32(f['limit'] as number).bytes(fromHex(f['cursor_hex'] as string)),
  },
  kv_scan_response_page_with_cursor: {
    read: (r) => {
      const count = r.u32();
      const entries = Array.from({ length: count }, () => ({
        key: text(r.bytesU16()),
        value: text(r.bytesU32()),
      }));
      return { count, entries, has_more: r.u8(), cursor_hex: hexOf(r.bytesU16()) };
    },
    write: (w, f) => {
      const entries = f['entries'] as { key: string; value: string }[];
      w.u32(entries.length);
      for (const entry of entries) w.bytesU16(str(entry.key)).bytesU32(str(entry.value));
      w.u8(f['has_more'] as number).bytesU16(fromHex(f['cursor_hex'] as string));
    },
  },
  kv_history_response: {
    read: (r) => {
      const count = r.u32();
      const entries = Array.from({ length: count }, () => ({
        version: r.u64(),
        timestamp_ms: r.i64(),
        value: text(r.bytesU32()),
      }));
      return { count, entries };
    },
    write: (w, f) => {
      const entries = f['entries'] as { version: number; timestamp_ms: number; value: string }[];
      w.u32(entries.length);
      for (const e of entries) w.u64(e.version).i64(e.timestamp_ms).bytesU32(str(e.value));
    },
  },
  kv_mget_request: {
    read: (r) => {
      const count = r.u16();
      return { count, keys: Array.from({ length: count }, () => text(r.bytesU16())) };
    },
    write: (w, f) => {
      const keys = f['keys'] as string[];
      w.u16(keys.length);
      for (const key of keys) w.bytesU16(str(key));
    },
  },
  kv_incr_response: {
    read: (r) => ({ version: r.u64(), new_value: Number(r.i64Big()) }),
    write: (w, f) => w.u64(f['version'] as number).i64(BigInt(f['new_value'] as number)),
  },
  kv_commit_txn_response: {
    read: (r) => ({ variant: r.u8(), commit_index: r.u64(), op_count: r.u16() }),
    write: (w, f) =>
      w.u8(f['variant'] as number).u64(f['commit_index'] as number).u16(f['op_count'] as number),
  },
  queue_dequeue_response_two_messages: {
    read: (r) => {
      const count = r.u32();
      const messages = Array.from({ length: count }, () => ({
        seq: r.u64(),
        payload: text(r.bytesU32()),
        enqueued_at_ms: r.i64(),
        delivery_count: r.u32(),
        priority: r.u8(),
      }));
      return { count, messages };
    },
    write: (w, f) => {
      type Message = { seq: number; payload: string; enqueued_at_ms: number };
      const messages = f['messages'] as (Message & { delivery_count: number; priority: number })[];
      w.u32(messages.length);
      for (const m of messages) {
        w.u64(m.seq).bytesU32(str(m.payload)).i64(m.enqueued_at_ms);
        w.u32(m.delivery_count).u8(m.priority);
      }
    },
  },
  queue_ack_request: {
    read: (r) => {
      const n = r.u32();
      return { n, seqs: Array.from({ length: n }, () => r.u64()) };
    },
    write: (w, f) => {
      const seqs = f['seqs'] as number[];
      w.u32(seqs.length);
      for (const seq of seqs) w.u64(seq);
    },
  },
  stream_append_response: {
    read: (r) => ({ sequence: r.u64(), timestamp_ms: r.i64() }),
    write: (w, f) => w.u64(f['sequence'] as number).i64(f['timestamp_ms'] as number),
  },
  group_ack_request: {
    read: (r) => {
      const group = text(r.bytesU16());
      const consumer = text(r.bytesU16());
      const n = r.u32();
      const ids = Array.from({ length: n }, () => ({ timestamp_ms: r.u64(), sequence: r.u64() }));
      return { group, consumer, n, ids };
    },
    write: (w, f) => {
      const ids = f['ids'] as { timestamp_ms: number; sequence: number }[];
      w.bytesU16(str(f['group'])).bytesU16(str(f['consumer'])).u32(ids.length);
      for (const id of ids) w.u64(id.timestamp_ms).u64(id.sequence);
    },
  },
  action_await_response_v1_with_caller: {
    read: (r) => ({
      task_id: text(r.bytesU16()),
      task_type: text(r.bytesU16()),
      created_at: r.i64(),
      attempt: r.u32(),
      has_caller: r.flag() ? 1 : 0,
      caller_run_id: text(r.bytesU16()),
      caller_workflow_name: text(r.bytesU16()),
      payload: text(r.rest()),
    }),
    write: (w, f) => {
      w.utf8U16(f['task_id'] as string).utf8U16(f['task_type'] as string);
      w.i64(f['created_at'] as number).u32(f['attempt'] as number).u8(1);
      w.utf8U16(f['caller_run_id'] as string).utf8U16(f['caller_workflow_name'] as string);
      w.utf8(f['payload'] as string);
    },
  },
  auth_response_ok: {
    read: (r) => ({ subject: text(r.bytesU16()), namespace: text(r.bytesU16()) }),
    write: (w, f) => w.utf8U16(f['subject'] as string).utf8U16(f['namespace'] as string),
  },
};

test('vectors.json holds the frames the spec lists, requests and responses', () => {
  assert.ok(vectors.length >= 60);
  const names = new Set(vectors.map((vector) => vector.name));
  assert.equal(names.size, vectors.length, 'names are unique');
  for (const name of Object.keys(bodyLayouts)) assert.ok(names.has(name), name);
});

for (const vector of vectors) {
  test(`vector ${vector.name} decodes to its fields and re-encodes to its bytes`, () => {
    if (vector.direction === 'request') checkRequest(vector);
    else checkResponse(vector);
  });
}
