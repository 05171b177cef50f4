import { generateSecret, generateURI, verify } from 'otplib';

/** RFC 6238 as every authenticator app does it: HMAC-SHA-1, 6 digits, 30-second steps. */
export const TOTP_PERIOD_SECONDS = 30;

/** A new secret of 160 random bits (RFC 4226 §4 recommends it), base32 as apps take it. */
export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

export function totpUri(secret: string, issuer: string, account: string): string {
  return generateURI({ issuer, label: account, secret, algorithm: 'sha1', digits: 6, period: TOTP_PERIOD_SECONDS });
}

/**
 * The time step a code belongs to, within one step of skew either side of `nowMs` (RFC 6238 §5.2), and only a step
 * after `lastUsedStep`: a code accepted once is refused ever after, even inside its window (ASVS 6.5.1). Undefined for
 * any other code.
 */
export async function matchTotpStep(
  secret: string,
  code: string,
  lastUsedStep: number | null,
  nowMs = Date.now(),
): Promise<number | undefined> {
  if (!/^\d{6}$/.test(code)) return undefined;
  const epoch = Math.floor(nowMs / 1000);
  const currentStep = Math.floor(epoch / TOTP_PERIOD_SECONDS);
  // otplib refuses (throws) a floor beyond the window; nothing could match then anyway.
  if (lastUsedStep !== null && lastUsedStep >= currentStep + 1) return undefined;
  try {
    const result = await verify({
      secret,
      token: code,
      algorithm: 'sha1',
      digits: 6,
      period: TOTP_PERIOD_SECONDS,
      epoch,
      epochTolerance: TOTP_PERIOD_SECONDS,
      ...(lastUsedStep !== null && { afterTimeStep: lastUsedStep }),
    });
    return result.valid && 'timeStep' in result ? result.timeStep : undefined;
  } catch {
    return undefined;
  }
}
