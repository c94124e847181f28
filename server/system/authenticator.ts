// Authenticator: the token checks of flo-wire.md §7.1.2, in order. (1) Static tokens: the
// value equals a configured token byte for byte; every configured token is compared, each
// through SHA-256 digests and timingSafeEqual, so the time taken does not depend on where a
// guess differs or which token matched. (2) An HS256 JWT when a secret is configured.
// Authentication is on when at least one token or a secret is configured; off by default.

import { ok as assert } from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../engine/mod.ts';
import type { AuthState } from '../handler.ts';
import { verifyJwtHs256 } from './jwt.ts';

export interface AuthConfig {
  /** Static tokens (setting `auth.tokens`). */
  readonly tokens?: readonly string[];
  /** The HS256 secret (setting `auth.jwt_secret`). */
  readonly jwtSecret?: string;
}

const sha256 = (bytes: Uint8Array): Buffer => createHash('sha256').update(bytes).digest();

export class Authenticator {
  private readonly tokenDigests: Buffer[];
  private readonly jwtSecret: Uint8Array | null;
  private readonly clock: Clock;

  constructor(config: AuthConfig, clock: Clock) {
    const tokens = config.tokens ?? [];
    for (const token of tokens) {
      if (typeof token !== 'string' || token.length === 0) {
        throw new TypeError('auth.tokens must be non-empty strings');
      }
    }
    if (config.jwtSecret !== undefined && config.jwtSecret.length === 0) {
      throw new RangeError('auth.jwtSecret must not be empty');
    }
    this.tokenDigests = tokens.map((token) => sha256(Buffer.from(token, 'utf8')));
    this.jwtSecret = config.jwtSecret === undefined ? null : Buffer.from(config.jwtSecret, 'utf8');
    this.clock = clock;
  }

  /** True when at least one token or a JWT secret is configured. */
  get enabled(): boolean {
    return this.tokenDigests.length > 0 || this.jwtSecret !== null;
  }

  /** The state a successful AUTH with `token` gives, or null for an invalid token. */
  verify(token: Uint8Array): AuthState | null {
    assert(this.enabled, 'verify is for an enabled authenticator');
    const digest = sha256(token);
    let matched = false;
    for (const candidate of this.tokenDigests) {
      // No early exit: every token is compared whatever matched before.
      matched = timingSafeEqual(digest, candidate) || matched;
    }
    if (matched) return { authenticated: true, subject: '', namespaceLock: null };
    if (this.jwtSecret === null) return null;
    const identity = verifyJwtHs256(
      Buffer.from(token).toString('latin1'),
      this.jwtSecret,
      this.clock.nowMs(),
    );
    return identity === null ? null : { authenticated: true, ...identity };
  }
}
