// The request envelope (§4.1): any four sections round-trip; an empty payload is an empty
// envelope in namespace "default"; the options section may be absent; one trailing byte, or
// a length that runs past the payload, is `malformed envelope` (conformance items 21, 22);
// limits, NUL bytes and invalid UTF-8 in the namespace are BAD_REQUEST.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Buffer } from 'node:buffer';
import { fcParams } from '../../engine/testing/fc_params.ts';
import {
  envelopeBytes, parseEnvelope, utf8Length, writeEnvelope, type EnvelopeParts,
} from './envelope.ts';
import { Status } from './frame.ts';
import { wireLimitsDefault } from './limits.ts';
import { WireError } from './wire_error.ts';

const encode = (parts: EnvelopeParts): Uint8Array => {
  const out = new Uint8Array(envelopeBytes(parts));
  assert.equal(writeEnvelope(out, 0, parts), out.length);
  return out;
};
const utf8 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text));
const badRequest = (prefix: string) => (error: unknown): boolean =>
  error instanceof WireError &&
  error.status === Status.BAD_REQUEST &&
  error.message.startsWith(prefix);

const noNul = (maxLength: number) =>
  fc.uint8Array({ minLength: 1, maxLength }).map((bytes) => bytes.map((b) => b || 1));

test('text sections encode exactly as their UTF-8 bytes', () => {
  // Short ASCII takes the character loop, the rest TextEncoder; lone surrogates become U+FFFD
  // in both the length and the bytes.
  const text = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 80 })
      .map((units) => String.fromCharCode(...units)),
  );
  fc.assert(
    fc.property(text, text, text, (namespace, key, value) => {
      assert.equal(utf8Length(key), Buffer.byteLength(key, 'utf8'));
      assert.deepEqual(
        encode({ namespace, key, value }),
        encode({ namespace: utf8(namespace), key: utf8(key), value: utf8(value) }),
      );
    }),
    fcParams(300),
  );
});

test('any envelope round-trips through writeEnvelope and parseEnvelope', () => {
  fc.assert(
    fc.property(
      fc.stringMatching(/^[a-z0-9_.-]{0,20}$/),
      noNul(64),
      fc.uint8Array({ maxLength: 300 }),
      fc.uint8Array({ maxLength: 40 }).map((data) => Uint8Array.of(0x52, data.length, ...data)),
      (namespace, key, value, options) => {
        const parsed = parseEnvelope(encode({ namespace: utf8(namespace), key, value, options }),
          wireLimitsDefault);
        assert.equal(parsed.namespace, namespace === '' ? 'default' : namespace);
        assert.deepEqual(parsed.key, key);
        assert.deepEqual(parsed.value, value);
        assert.deepEqual(parsed.options.bytes, options);
      },
    ),
    fcParams(300),
  );
});

test('an empty payload is an empty envelope in namespace "default"', () => {
  const envelope = parseEnvelope(new Uint8Array(0), wireLimitsDefault);
  assert.equal(envelope.namespace, 'default');
  assert.equal(envelope.key.length + envelope.value.length + envelope.options.bytes.length, 0);
});

test('a payload may end after the value (item 22); bytes after the options are ignored', () => {
  const full = encode({ namespace: utf8('a'), key: utf8('k'), value: utf8('v') });
  const noOptions = full.subarray(0, full.length - 2);
  assert.equal(parseEnvelope(noOptions, wireLimitsDefault).options.bytes.length, 0);
  const trailing = Uint8Array.of(...full, 9, 9, 9);
  assert.deepEqual(parseEnvelope(trailing, wireLimitsDefault).value, utf8('v'));
});

test('one byte after the value, or a length past the payload, is `malformed envelope`', () => {
  const full = encode({ key: utf8('key') });
  assert.throws(() => parseEnvelope(full.subarray(0, full.length - 1), wireLimitsDefault),
    badRequest('malformed envelope'));
  for (let cut = 1; cut < full.length - 2; cut++) {
    assert.throws(() => parseEnvelope(full.subarray(0, cut), wireLimitsDefault),
      badRequest('malformed envelope'), `cut at ${cut}`);
  }
  const longKey = Uint8Array.of(0, 0, 200, 0, 1, 2);
  assert.throws(() => parseEnvelope(longKey, wireLimitsDefault), badRequest('malformed envelope'));
  const longOptions = Uint8Array.of(...encode({}).subarray(0, 8), 5, 0, 1, 0);
  assert.throws(() => parseEnvelope(longOptions, wireLimitsDefault),
    badRequest('malformed envelope'));
});

test('sections above their limits are BAD_REQUEST naming the limit', () => {
  const limits = { ...wireLimitsDefault, namespaceBytesMax: 4, keyBytesMax: 3, valueBytesMax: 2 };
  const parse = (parts: EnvelopeParts): unknown => parseEnvelope(encode(parts), limits);
  assert.throws(() => parse({ namespace: utf8('abcde') }), badRequest('namespace too large'));
  assert.throws(() => parse({ key: utf8('abcd') }), badRequest('key too large'));
  assert.throws(() => parse({ value: utf8('abc') }), badRequest('value too large'));
  assert.doesNotThrow(() =>
    parse({ namespace: utf8('abcd'), key: utf8('abc'), value: utf8('ab') }),
  );
});

test('a NUL byte in the namespace or key, or a namespace that is not UTF-8, is BAD_REQUEST', () => {
  const parse = (parts: EnvelopeParts): unknown => parseEnvelope(encode(parts), wireLimitsDefault);
  assert.throws(
    () => parse({ namespace: Uint8Array.of(0x61, 0) }),
    badRequest('namespace contains'),
  );
  assert.throws(() => parse({ key: Uint8Array.of(0x61, 0, 0x62) }), badRequest('key contains'));
  assert.throws(() => parse({ namespace: Uint8Array.of(0xff) }), badRequest('namespace is not'));
  assert.equal((parse({ namespace: utf8('café') }) as { namespace: string }).namespace, 'café');
});
