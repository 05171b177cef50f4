import { Logger } from '@nestjs/common';
import { calculateJwkThumbprint, exportJWK, JWK } from 'jose';
import { createPrivateKey, createPublicKey, createSecretKey, hkdfSync, KeyObject, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError, type JwtAlgorithm } from '../../config';

/** The keys this instance signs and verifies access tokens with, loaded once at start (never per request). */
export interface KeyRing {
  algorithm: JwtAlgorithm;
  /** The HS256 secret, or the private key; its `kid` goes into every token header (none under HS256). */
  signing: { key: KeyObject; kid?: string };
  /** Verification keys by `kid`: the signing key's public half first, then the older keys of a rotation. */
  verification: Map<string, KeyObject>;
  /** The HS256 secret, which verifies tokens that carry no `kid`. */
  secret?: KeyObject;
  /** What /.well-known/jwks.json publishes: public keys only. */
  jwks: JWK[];
}

export interface KeySettings {
  algorithm: JwtAlgorithm;
  secret?: string;
  privateKeyFile?: string;
  publicKeyFiles: string[];
}

const DEV_SECRET_FILE = join('data', 'jwt-secret');

/** What each algorithm's keys must be (RFC 7518 §3.3: RSA keys of at least 2048 bits; RFC 8037 for Ed25519). */
const KEY_TYPES: Record<Exclude<JwtAlgorithm, 'HS256'>, { type: string; check?: (key: KeyObject) => string | undefined }> = {
  RS256: {
    type: 'rsa',
    check: (key) => ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048 ? 'an RSA key of at least 2048 bits' : undefined),
  },
  ES256: { type: 'ec', check: (key) => (key.asymmetricKeyDetails?.namedCurve !== 'prime256v1' ? 'an EC key on P-256' : undefined) },
  EdDSA: { type: 'ed25519' },
};

/**
 * Builds the key ring from the configuration. Anything wrong with a key file stops the start with a message that
 * names the file and what is wrong with it; nothing is ever read from a token (`jku`, `x5u`, `jwk` or `kid`).
 */
export async function loadKeyRing(settings: KeySettings): Promise<KeyRing> {
  if (settings.algorithm === 'HS256') {
    // A KeyObject like the other keys: TokensService exports it once, to prepare its signer and verifier.
    const secret = createSecretKey(settings.secret ? Buffer.from(settings.secret, 'utf8') : readOrCreateDevelopmentSecret());
    return { algorithm: 'HS256', signing: { key: secret }, verification: new Map(), secret, jwks: [] };
  }
  const algorithm = settings.algorithm;
  if (!settings.privateKeyFile) throw new ConfigurationError(`JWT_PRIVATE_KEY_FILE is required with JWT_ALG=${algorithm}`);
  if (settings.publicKeyFiles.length === 0) throw new ConfigurationError(`JWT_PUBLIC_KEY_FILES is required with JWT_ALG=${algorithm}`);
  const privateKey = readKey(settings.privateKeyFile, 'JWT_PRIVATE_KEY_FILE', 'private', algorithm);
  const publicKeys = settings.publicKeyFiles.map((file) => ({ file, key: readKey(file, 'JWT_PUBLIC_KEY_FILES', 'public', algorithm) }));
  const ownPublic = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  if (!ownPublic.equals(publicKeys[0].key.export({ type: 'spki', format: 'der' }))) {
    throw new ConfigurationError(
      `JWT_PUBLIC_KEY_FILES: ${publicKeys[0].file} is not the public half of ${settings.privateKeyFile} (the signing key's public key must come first)`,
    );
  }
  const verification = new Map<string, KeyObject>();
  const jwks: JWK[] = [];
  for (const { key } of publicKeys) {
    const jwk = await exportJWK(key);
    const kid = await calculateJwkThumbprint(jwk);
    if (verification.has(kid)) continue;
    verification.set(kid, key);
    jwks.push({ ...jwk, kid, alg: algorithm, use: 'sig' });
  }
  return { algorithm, signing: { key: privateKey, kid: jwks[0].kid }, verification, jwks };
}

function readKey(file: string, variable: string, kind: 'private' | 'public', algorithm: Exclude<JwtAlgorithm, 'HS256'>): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigurationError(`${variable}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  // createPublicKey would quietly derive a public key from a private PEM: a private key must never sit among the
  // files meant to be public, so it is refused rather than accepted.
  if (kind === 'public' && isPrivateKey(pem)) throw new ConfigurationError(`${variable}: ${file} holds a private key; give the public key`);
  let key: KeyObject;
  try {
    key = kind === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
  } catch {
    throw new ConfigurationError(`${variable}: ${file} is not a PEM ${kind} key`);
  }
  const expected = KEY_TYPES[algorithm];
  const problem = key.asymmetricKeyType !== expected.type ? `a ${expected.type} key` : expected.check?.(key);
  if (problem) throw new ConfigurationError(`${variable}: ${file} is a ${key.asymmetricKeyType} key; ${algorithm} needs ${problem}`);
  return key;
}

function isPrivateKey(pem: string): boolean {
  try {
    createPrivateKey(pem);
    return true;
  } catch {
    return false;
  }
}

/** Without JWT_SECRET outside production, a random secret is generated once into data/ so tokens survive restarts. */
function readOrCreateDevelopmentSecret(): Buffer {
  try {
    const stored = Buffer.from(readFileSync(DEV_SECRET_FILE, 'utf8').trim(), 'base64url');
    if (stored.length >= 32) return stored;
  } catch {
    // none yet: generate below
  }
  const secret = randomBytes(32);
  mkdirSync('data', { recursive: true });
  writeFileSync(DEV_SECRET_FILE, secret.toString('base64url'), { mode: 0o600 });
  new Logger('KeyRing').warn(
    `JWT_SECRET is not set: generated a development secret into ${DEV_SECRET_FILE}. Set JWT_SECRET in production.`,
  );
  return secret;
}

/**
 * A key of its own for another purpose (`label`), derived from the signing key (HKDF-SHA256): every instance with the
 * same keys derives the same one, and nothing derived can be turned back into the signing key.
 */
export function deriveKey(ring: KeyRing, label: string): Buffer {
  const { key } = ring.signing;
  const material = ring.algorithm === 'HS256' ? key.export() : key.export({ type: 'pkcs8', format: 'der' });
  return Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), label, 32));
}
