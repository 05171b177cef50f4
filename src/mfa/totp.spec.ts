import { base32Decode, totpAtStep } from '../../test/support/totp';
import { matchTotpStep, newTotpSecret, totpUri } from './totp';

// Codes come from RFC 6238 itself (test/support/totp.ts), never from the library under test.
const codeAt = totpAtStep;

describe('TOTP step check (RFC 6238: SHA-1, 6 digits, 30 s, one step of skew, each step once)', () => {
  const secret = newTotpSecret();
  const step = 58_000_000;
  const now = step * 30_000 + 12_000; // 12 s into the step

  it('makes 160-bit base32 secrets', () => {
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(secret)).toHaveLength(20);
  });

  it('matches the RFC 6238 test vector (SHA-1, T = 59 s)', async () => {
    const rfcSecret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // "12345678901234567890"
    expect(codeAt(rfcSecret, 1)).toBe('287082'); // 94287082's last six digits
    await expect(matchTotpStep(rfcSecret, '287082', null, 59_000)).resolves.toBe(1);
  });

  it('accepts the current step and one either side, naming the step', async () => {
    await expect(matchTotpStep(secret, codeAt(secret, step), null, now)).resolves.toBe(step);
    await expect(matchTotpStep(secret, codeAt(secret, step - 1), null, now)).resolves.toBe(step - 1);
    await expect(matchTotpStep(secret, codeAt(secret, step + 1), null, now)).resolves.toBe(step + 1);
  });

  it('refuses two steps away, at either edge of the current step', async () => {
    await expect(matchTotpStep(secret, codeAt(secret, step - 2), null, now)).resolves.toBeUndefined();
    await expect(matchTotpStep(secret, codeAt(secret, step + 2), null, now)).resolves.toBeUndefined();
    await expect(matchTotpStep(secret, codeAt(secret, step - 2), null, step * 30_000)).resolves.toBeUndefined();
    await expect(matchTotpStep(secret, codeAt(secret, step + 2), null, step * 30_000 + 29_999)).resolves.toBeUndefined();
  });

  it('refuses a step at or before the one used last (a code is accepted once)', async () => {
    const code = codeAt(secret, step);
    await expect(matchTotpStep(secret, code, step, now)).resolves.toBeUndefined();
    await expect(matchTotpStep(secret, codeAt(secret, step - 1), step, now)).resolves.toBeUndefined();
    await expect(matchTotpStep(secret, codeAt(secret, step + 1), step, now)).resolves.toBe(step + 1);
    // A recorded step ahead of the window (a clock that went back) refuses everything rather than throwing.
    await expect(matchTotpStep(secret, codeAt(secret, step + 1), step + 5, now)).resolves.toBeUndefined();
  });

  it('refuses codes of the wrong shape', async () => {
    for (const code of ['', '12345', '1234567', 'abcdef', '12345a', ' 123456']) {
      await expect(matchTotpStep(secret, code, null, now)).resolves.toBeUndefined();
    }
  });

  it('writes an otpauth URI with issuer, account and the secret', () => {
    const uri = new URL(totpUri(secret, 'Gatehouse', 'ada_lovelace'));
    expect(uri.protocol).toBe('otpauth:');
    expect(decodeURIComponent(uri.pathname)).toContain('Gatehouse:ada_lovelace');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Gatehouse');
  });
});
