import { createCipheriv, createDecipheriv, hkdf, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const deriveKey = promisify(hkdf);
const VERSION = 'v1';
const INFO = 'gatehouse refresh successor v1';

/**
 * The grace window (API.md "Concurrent refreshes") hands a just-spent refresh token its successor again, so the
 * successor must be stored; it is stored sealed (AES-256-GCM) under a key derived (HKDF-SHA256) from the spent token
 * itself. The database holds only that token's hash, so it never yields the key: without the spent token, no one
 * recovers a live refresh token from a dump. The spent token has 256 random bits, so HKDF needs no stretching.
 */
export async function sealSuccessor(spent: string, sessionId: string, successor: string): Promise<string> {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', await keyFrom(spent, sessionId), iv);
  cipher.setAAD(Buffer.from(sessionId));
  const sealed = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final()]);
  return [VERSION, iv, sealed, cipher.getAuthTag()].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
}

/** The successor sealed by `sealSuccessor` with this spent token, or undefined when it does not open. */
export async function openSuccessor(spent: string, sessionId: string, sealed: string): Promise<string | undefined> {
  const [version, iv, data, tag] = sealed.split('.');
  if (version !== VERSION || !iv || !data || !tag) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', await keyFrom(spent, sessionId), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(sessionId));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

async function keyFrom(spent: string, sessionId: string): Promise<Buffer> {
  return Buffer.from(await deriveKey('sha256', spent, sessionId, INFO, 32));
}
