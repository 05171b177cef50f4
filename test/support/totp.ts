import { createHmac } from 'node:crypto';

// RFC 6238 (TOTP: HMAC-SHA-1, 6 digits, 30-second steps) computed from the RFC itself with node:crypto, so that the
// tests never ask the service's own helper or its library for a code.

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export const STEP_MS = 30_000;

export function base32Decode(text: string): Buffer {
  let bits = '';
  for (const char of text.toUpperCase().replace(/=+$/, '')) {
    const value = BASE32.indexOf(char);
    if (value < 0) throw new Error(`not base32: ${char}`);
    bits += value.toString(2).padStart(5, '0');
  }
  return Buffer.from((bits.match(/.{8}/g) ?? []).map((byte) => parseInt(byte, 2)));
}

/** The code of time step `step` (RFC 4226 §5.3 dynamic truncation over the big-endian step counter). */
export function totpAtStep(secret: string, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

export const stepAt = (ms: number) => Math.floor(ms / STEP_MS);

/** The code an authenticator app shows at `ms` (now by default). */
export const totpAt = (secret: string, ms = Date.now()) => totpAtStep(secret, stepAt(ms));
