/**
 * One canonical form for names and addresses, used for uniqueness, lookups and rate-limit keys alike,
 * so that a full-width or differently-cased look-alike of a taken name is the same name.
 */
export function canonicalIdentifier(value: string): string {
  return value.trim().normalize('NFKC').toLowerCase();
}

/** What a username must be after NFKC: ASCII letters, digits, `_`, `.`, `-`; no other script, no invisible characters. */
export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{3,32}$/;

/** bcrypt reads at most 72 bytes and stops at NUL, so longer or control-laden passwords would be silently cut. */
export const PASSWORD_MAX_BYTES = 72;
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** True when bcrypt hashes every byte of `password`. */
export function isBcryptSafe(password: string): boolean {
  return Buffer.byteLength(password, 'utf8') <= PASSWORD_MAX_BYTES && !CONTROL_CHARACTERS.test(password);
}

export function bcryptUnsafeMessage(field: string): string {
  return `${field} must be at most ${PASSWORD_MAX_BYTES} bytes of UTF-8 with no control characters (longer passwords are refused, never cut)`;
}
