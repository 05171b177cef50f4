import { registerAs } from '@nestjs/config';
import { decodeDataKey, validatedEnvironment } from './environment';

export const mfaConfig = registerAs('mfa', () => {
  const env = validatedEnvironment();
  return {
    production: env.NODE_ENV === 'production',
    /** The key of TOTP secrets at rest; unset outside production, one is generated into data/ (mfa/data-key.ts). */
    dataEncryptionKey: env.DATA_ENCRYPTION_KEY === undefined ? undefined : decodeDataKey(env.DATA_ENCRYPTION_KEY),
  };
});

export type MfaConfig = ReturnType<typeof mfaConfig>;
