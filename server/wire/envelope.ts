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
  const namespaceEnd = sectionEnd(payload, 0, 2, 'namespace');
  const keyEnd = sectionEnd(payload, namespaceEnd, 2, 'key');
  const valueEnd = sectionEnd(payload, keyEnd, 4, 'value');
  const namespaceBytes = payload.subarray(2, namespaceEnd);
  const key = payload.subarray(namespaceEnd + 2, keyEnd);
  const value = payload.subarray(keyEnd + 4, valueEnd);
  let options = TlvOptions.EMPTY;
  if (valueEnd === payload.length - 1) {
    throw malformedEnvelope('one byte after the value section; want none or opts_len');
  }
  if (valueEnd < payload.length) {
    const optionsEnd = sectionEnd(payload, valueEnd, 2, 'options');
    options = new TlvOptions(payload.subarray(valueEnd + 2, optionsEnd));
  }
  checkEnvelopeLimits(namespaceBytes, key, value, limits);
  return { namespace: namespaceText(namespaceBytes), key, value, options };
}

/** Where the section whose length field starts at `offset` ends; checks both fit. */
function sectionEnd(
  payload: Uint8Array,
  offset: number,
  lengthBytes: 2 | 4,
  name: string,
): number {
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
  return start + length;
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
  let at = writeSection(target, offset, parts.namespace ?? EMPTY, 2);
  at = writeSection(target, at, parts.key ?? EMPTY, 2);
  at = writeSection(target, at, parts.value ?? EMPTY, 4);
  return writeSection(target, at, parts.options ?? EMPTY, 2);
}

function writeSection(
  target: Uint8Array,
  at: number,
  bytes: Uint8Array,
  lengthBytes: 2 | 4,
): number {
  if (bytes.length > (lengthBytes === 2 ? 0xffff : 0xffff_ffff)) {
    throw new RangeError(`envelope section of ${bytes.length} bytes`);
  }
  if (lengthBytes === 2) writeU16(target, at, bytes.length);
  else writeU32(target, at, bytes.length);
  target.set(bytes, at + lengthBytes);
  return at + lengthBytes + bytes.length;
}
