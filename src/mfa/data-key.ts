import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeDataKey, type MfaConfig } from '../config';
import { SecretBox } from './secret-box';

export const SECRET_BOX = Symbol('SECRET_BOX');

const DEV_KEY_FILE = join('data', 'data-encryption-key');

/**
 * The box TOTP secrets are sealed in: DATA_ENCRYPTION_KEY's; outside production without one, a key generated once
 * into data/ (like the development JWT secret); in production without one, none (enrolment answers MFA_UNAVAILABLE).
 */
export function secretBoxFrom(config: MfaConfig): SecretBox | undefined {
  if (config.dataEncryptionKey) return new SecretBox(config.dataEncryptionKey);
  if (config.production) return undefined;
  return new SecretBox(readOrCreateDevelopmentKey());
}

function readOrCreateDevelopmentKey(): Buffer {
  try {
    const stored = decodeDataKey(readFileSync(DEV_KEY_FILE, 'utf8'));
    if (stored) return stored;
  } catch {
    // none yet: generate below
  }
  const key = randomBytes(32);
  mkdirSync('data', { recursive: true });
  writeFileSync(DEV_KEY_FILE, key.toString('base64url'), { mode: 0o600 });
  new Logger('SecretBox').warn(
    `DATA_ENCRYPTION_KEY is not set: generated a development key into ${DEV_KEY_FILE}. Set DATA_ENCRYPTION_KEY in production.`,
  );
  return key;
}
