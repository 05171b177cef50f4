import { hash } from 'node:crypto';
import { randomPool } from '../common/crypto/random-pool';

/**
 * Refresh tokens are `<session id>.<256 random bits>`: opaque to clients, never a JWT (so they cannot pass for an
 * access token), stored only as a SHA-256 hash. Naming the session lets a spent token be recognised as reuse.
 */
const FORMAT = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/;

export function newRefreshToken(sessionId: string): string {
  return `${sessionId}.${randomPool.base64url(32)}`;
}

export function hashRefreshToken(token: string): string {
  return hash('sha256', token, 'hex');
}

/** The session a well-formed token names, or undefined for anything else. */
export function sessionIdOf(token: unknown): string | undefined {
  if (typeof token !== 'string' || token.length > 100) return undefined;
  return FORMAT.exec(token)?.[1];
}
