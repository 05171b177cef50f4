import { registerAs } from '@nestjs/config';
import { appUrlOf, validatedEnvironment } from './environment';
import { relyingPartyOf } from './webauthn';

export const passkeysConfig = registerAs('passkeys', () => {
  const env = validatedEnvironment();
  return { relyingParty: relyingPartyOf(env, appUrlOf(env)) };
});

export type PasskeysConfig = ReturnType<typeof passkeysConfig>;
