// The request envelope (flo-wire.md §4.1): the payload of every request.
//
//   [ns_len:u16][namespace][key_len:u16][key][value_len:u32][value][opts_len:u16][options]
//
// parseEnvelope() checks the sections against the payload and the configured limits and
// returns views (no copies). Rules: an empty payload is an empty envelope; the options section
// is optional, but exactly one byte after the value is malformed; bytes after the options are
// ignored. An empty namespace means "default". Namespace and key may not hold a NUL byte. The
// namespace is returned as text: it must be valid UTF-8 (a name, not opaque data; see
// docs/format/wire.md). Called by server/tcp/dispatch.ts. Format page: docs/format/wire.md.

import { readU16, readU32, writeU16, writeU32 } from './frame.ts';
import type { WireLimits } from './limits.ts';
import { TlvOptions } from './options.ts';
import { badRequest, malformedEnvelope } from './wire_error.ts';

export const DEFAULT_NAMESPACE = 'default';

/** A parsed envelope. `key`, `value` and the options are views of the payload. */
export interface Envelope {
  readonly namespace: string;
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly options: TlvOptions;
}

const EMPTY = new Uint8Array(0);
const EMPTY_ENVELOPE: Envelope = {
  namespace: DEFAULT_NAMESPACE,
  key: EMPTY,
  value: EMPTY,
  options: TlvOptions.EMPTY,
};
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const DEFAULT_BYTES = new TextEncoder().encode(DEFAULT_NAMESPACE);

/** Parses `payload`; throws WireError BAD_REQUEST on a malformed or oversized section. */
export function parseEnvelope(payload: Uint8Array, limits: WireLimits): Envelope {
  if (payload.length === 0) return EMPTY_ENVELOPE;
  let offset = 0;
  const section = (name: string, lengthBytes: 2 | 4): Uint8Array => {
    if (offset + lengthBytes > payload.length) {
      throw malformedEnvelope(`${name} length runs past the payload (${payload.length} bytes)`);
    }
    const length = lengthBytes === 2 ? readU16(payload, offset) : readU32(payload, offset);
    const start = offset + lengthBytes;
    if (start + length > payload.length) {
      throw malformedEnvelope(
        `${name} (${length} bytes at offset ${start}) runs past the payload ` +
          `(${payload.length} bytes)`,
      );
    }
    offset = start + length;
    return payload.subarray(start, offset);
  };
  const namespaceBytes = section('namespace', 2);
  const key = section('key', 2);
  const value = section('value', 4);
  let options = TlvOptions.EMPTY;
  if (offset === payload.length - 1) {
    throw malformedEnvelope('one byte after the value section; want none or opts_len');
  }
  if (offset < payload.length) options = new TlvOptions(section('options', 2));
  checkEnvelopeLimits(namespaceBytes, key, value, limits);
  return { namespace: namespaceText(namespaceBytes), key, value, options };
}

function checkEnvelopeLimits(
  namespace: Uint8Array,
  key: Uint8Array,
  value: Uint8Array,
  limits: WireLimits,
): void {
  if (namespace.length > limits.namespaceBytesMax) {
    throw badRequest(
      `namespace too large: ${namespace.length} bytes; max ${limits.namespaceBytesMax}`,
    );
  }
  if (key.length > limits.keyBytesMax) {
    throw badRequest(`key too large: ${key.length} bytes; max ${limits.keyBytesMax}`);
  }
  if (value.length > limits.valueBytesMax) {
    throw badRequest(`value too large: ${value.length} bytes; max ${limits.valueBytesMax}`);
  }
  if (namespace.includes(0)) throw badRequest('namespace contains a NUL byte');
  if (key.includes(0)) throw badRequest('key contains a NUL byte');
}

function namespaceText(bytes: Uint8Array): string {
  if (bytes.length === 0) return DEFAULT_NAMESPACE;
  if (bytes.length === DEFAULT_BYTES.length && DEFAULT_BYTES.every((b, i) => bytes[i] === b)) {
    return DEFAULT_NAMESPACE;
  }
  try {
    return utf8Strict.decode(bytes);
  } catch {
    throw badRequest('namespace is not valid UTF-8');
  }
}

/** The parts of an envelope to encode; absent parts are empty. */
export interface EnvelopeParts {
  readonly namespace?: Uint8Array;
  readonly key?: Uint8Array;
  readonly value?: Uint8Array;
  readonly options?: Uint8Array;
}

/** Bytes of the encoded envelope (all four sections, as the official SDKs send it). */
export function envelopeBytes(parts: EnvelopeParts): number {
  return (
    2 +
    (parts.namespace?.length ?? 0) +
    2 +
    (parts.key?.length ?? 0) +
    4 +
    (parts.value?.length ?? 0) +
    2 +
    (parts.options?.length ?? 0)
  );
}

/** Writes the envelope at `offset` of `target`; returns the offset after it. */
export function writeEnvelope(target: Uint8Array, offset: number, parts: EnvelopeParts): number {
  const sections: [Uint8Array, 2 | 4][] = [
    [parts.namespace ?? EMPTY, 2],
    [parts.key ?? EMPTY, 2],
    [parts.value ?? EMPTY, 4],
    [parts.options ?? EMPTY, 2],
  ];
  let at = offset;
  for (const [bytes, lengthBytes] of sections) {
    const max = lengthBytes === 2 ? 0xffff : 0xffff_ffff;
    if (bytes.length > max) throw new RangeError(`envelope section of ${bytes.length} bytes`);
    if (lengthBytes === 2) writeU16(target, at, bytes.length);
    else writeU32(target, at, bytes.length);
    target.set(bytes, at + lengthBytes);
    at += lengthBytes + bytes.length;
  }
  return at;
}
