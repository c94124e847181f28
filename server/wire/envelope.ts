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

import { Buffer } from 'node:buffer';
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

/**
 * The parts of an envelope to encode; absent parts are empty. Text is encoded as UTF-8
 * straight into the frame (no intermediate buffer per request).
 */
export interface EnvelopeParts {
  readonly namespace?: Uint8Array | string;
  readonly key?: Uint8Array | string;
  readonly value?: Uint8Array | string;
  readonly options?: Uint8Array;
}

/** Bytes of the encoded envelope (all four sections, as the official SDKs send it). */
export function envelopeBytes(parts: EnvelopeParts): number {
  return (
    10 +
    sectionBytes(parts.namespace) +
    sectionBytes(parts.key) +
    sectionBytes(parts.value) +
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

const sectionBytes = (part: Uint8Array | string | undefined): number =>
  part === undefined ? 0 : typeof part === 'string' ? utf8Length(part) : part.length;

function writeSection(
  target: Uint8Array,
  at: number,
  part: Uint8Array | string,
  lengthBytes: 2 | 4,
): number {
  const length = typeof part === 'string' ? utf8Length(part) : part.length;
  if (length > (lengthBytes === 2 ? 0xffff : 0xffff_ffff)) {
    throw new RangeError(`envelope section of ${length} bytes`);
  }
  if (lengthBytes === 2) writeU16(target, at, length);
  else writeU32(target, at, length);
  if (typeof part === 'string') writeUtf8(target, at + lengthBytes, part, length);
  else target.set(part, at + lengthBytes);
  return at + lengthBytes + length;
}

// Keys and names are mostly short ASCII: a loop over the characters beats a call into C++.
const SHORT_TEXT = 64;
const utf8Encoder = new TextEncoder();

/** The UTF-8 length of `text` (a lone surrogate counts 3 bytes, as U+FFFD). */
export function utf8Length(text: string): number {
  if (text.length > SHORT_TEXT) return Buffer.byteLength(text, 'utf8');
  for (let index = 0; index < text.length; index++) {
    if (text.charCodeAt(index) >= 0x80) return Buffer.byteLength(text, 'utf8');
  }
  return text.length;
}

/** Writes `text` as UTF-8 at `at`; `length` is utf8Length(text). */
function writeUtf8(target: Uint8Array, at: number, text: string, length: number): void {
  if (length === text.length && length <= SHORT_TEXT) {
    for (let index = 0; index < length; index++) target[at + index] = text.charCodeAt(index);
    return;
  }
  const { written } = utf8Encoder.encodeInto(text, target.subarray(at, at + length));
  if (written !== length) throw new RangeError(`text encoded to ${written} of ${length} bytes`);
}
