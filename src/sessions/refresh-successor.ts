import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { randomPool } from '../common/crypto/random-pool';

const VERSION = 'v1';
const INFO = 'gatehouse refresh successor v1';

/**
 * The grace window (API.md "Concurrent refreshes") hands a just-spent refresh token its successor again, so the
 * successor must be stored; it is stored sealed (AES-256-GCM) under a key derived (HKDF-SHA256) from the spent token
 * itself. The database holds only that token's hash, so it never yields the key: without the spent token, no one
 * recovers a live refresh token from a dump. The spent token has 256 random bits, so HKDF needs no stretching.
 */
export function sealSuccessor(spent: string, sessionId: string, successor: string): string {
  const iv = randomPool.bytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFrom(spent, sessionId), iv);
  cipher.setAAD(Buffer.from(sessionId));
  const sealed = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final()]);
  return [VERSION, iv, sealed, cipher.getAuthTag()].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
}

/** The successor sealed by `sealSuccessor` with this spent token, or undefined when it does not open. */
export function openSuccessor(spent: string, sessionId: string, sealed: string): string | undefined {
  const [version, iv, data, tag] = sealed.split('.');
  if (version !== VERSION || !iv || !data || !tag) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFrom(spent, sessionId), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(sessionId));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/**
 * HKDF-SHA256 (RFC 5869) of the spent token, salted with the session id, for one 32-byte block: an extract and one
 * expand step, each an HMAC. The same bytes as `crypto.hkdf`, whose key objects and thread-pool job cost a refresh
 * more than the hashing itself (docs/performance.md).
 */
export function keyFrom(spent: string, sessionId: string): Buffer {
  const pseudorandomKey = createHmac('sha256', sessionId).update(spent).digest();
  return createHmac('sha256', pseudorandomKey).update(INFO).update(FIRST_BLOCK).digest();
}

const FIRST_BLOCK = Buffer.of(1);
