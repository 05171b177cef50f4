import { calculateJwkThumbprint, exportJWK } from 'jose';
import { generateKeyPairSync, KeyObject, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type AsymmetricAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

const GENERATORS: Record<AsymmetricAlgorithm, () => { privateKey: KeyObject; publicKey: KeyObject }> = {
  RS256: () => generateKeyPairSync('rsa', { modulusLength: 3072 }),
  ES256: () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }),
  EdDSA: () => generateKeyPairSync('ed25519'),
};

export function isAsymmetricAlgorithm(value: unknown): value is AsymmetricAlgorithm {
  return typeof value === 'string' && value in GENERATORS;
}

/**
 * Writes a new key pair as PEM files named by the key's id (its RFC 7638 thumbprint, as the JWKS will show it):
 * `<kid>.private.pem` readable by the owner only, and `<kid>.public.pem`.
 */
export async function generateKeyFiles(
  algorithm: AsymmetricAlgorithm,
  folder: string,
): Promise<{ kid: string; privateFile: string; publicFile: string }> {
  const { privateKey, publicKey } = GENERATORS[algorithm]();
  const kid = await calculateJwkThumbprint(await exportJWK(publicKey));
  mkdirSync(folder, { recursive: true });
  const privateFile = join(folder, `${kid}.private.pem`);
  const publicFile = join(folder, `${kid}.public.pem`);
  writeFileSync(privateFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  writeFileSync(publicFile, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644, flag: 'wx' });
  return { kid, privateFile, publicFile };
}

/** A 256-bit HS256 secret, base64url: what JWT_SECRET should be. */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}
