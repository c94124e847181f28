// HS256 JSON Web Token verification for AUTH (flo-wire.md §7.1.2), with node:crypto only:
// compact JWS `header.payload.signature`, each part base64url without padding; header `alg`
// must be HS256; the signature is HMAC-SHA-256 over `header.payload`, compared in constant
// time; a numeric `exp` must be later than now and a numeric `nbf` not later than now (in
// seconds). Returns the subject (`sub` when a string) and the namespace lock (`flo_namespace`
// when a non-empty string); other claims are ignored. Called by Authenticator.

import { Buffer } from 'node:buffer';
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface JwtIdentity {
  readonly subject: string;
  readonly namespaceLock: string | null;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** The identity in `token` if it is a valid HS256 JWT under `secret` at `nowMs`, else null. */
export function verifyJwtHs256(
  token: string,
  secret: Uint8Array,
  nowMs: number,
): JwtIdentity | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) return null;
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = parseJsonObject(headerPart);
  if (header === null || header['alg'] !== 'HS256') return null;
  const expected = createHmac('sha256', secret).update(`${headerPart}.${payloadPart}`).digest();
  const signature = Buffer.from(signaturePart, 'base64url');
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return null;
  const claims = parseJsonObject(payloadPart);
  if (claims === null) return null;
  const nowSeconds = nowMs / 1000;
  const exp = claims['exp'];
  if (typeof exp === 'number' && !(exp > nowSeconds)) return null;
  const nbf = claims['nbf'];
  if (typeof nbf === 'number' && nbf > nowSeconds) return null;
  const sub = claims['sub'];
  const namespace = claims['flo_namespace'];
  return {
    subject: typeof sub === 'string' ? sub : '',
    namespaceLock: typeof namespace === 'string' && namespace !== '' ? namespace : null,
  };
}

function parseJsonObject(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
