import { Logger, Provider } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { createSecretKey, KeyObject, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { authConfig } from '../../config';

export const SIGNING_KEY = Symbol('SIGNING_KEY');

const DEV_SECRET_FILE = join('data', 'jwt-secret');

/**
 * The HS256 key as a KeyObject: jsonwebtoken re-derives a string secret on every call (about 45 times slower).
 * Without JWT_SECRET outside production, a random secret is generated once into data/ so tokens survive restarts.
 */
export const signingKeyProvider: Provider = {
  provide: SIGNING_KEY,
  inject: [authConfig.KEY],
  useFactory: (config: ConfigType<typeof authConfig>): KeyObject => {
    if (config.jwtSecret) return createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));
    return createSecretKey(readOrCreateDevelopmentSecret());
  },
};

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
  new Logger('SigningKey').warn(
    `JWT_SECRET is not set: generated a development secret into ${DEV_SECRET_FILE}. Set JWT_SECRET in production.`,
  );
  return secret;
}
