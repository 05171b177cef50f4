import { USERNAME_PATTERN } from '../common/validation/identifiers';

const MAX_BASE = 27; // room for "-" and a 4-character suffix within 32
const FALLBACK = 'user';

/** What a provider says about the person, for naming them. */
export interface NameClaims {
  preferred_username?: unknown;
  email?: unknown;
  name?: unknown;
}

/**
 * A username in the allowed alphabet (API.md "Input rules") from the provider's claims: preferred_username (its local
 * part when it is an address, as Entra ID's UPNs are), else the email's local part, else the name. Letters with
 * accents lose them (NFKC, then combining marks dropped); anything else outside `A-Z a-z 0-9 _ . -` becomes `_`.
 */
export function baseUsername(claims: NameClaims): string {
  const sources = [claims.preferred_username, claims.email, claims.name].filter(
    (value): value is string => typeof value === 'string' && value.trim() !== '',
  );
  for (const source of sources) {
    const local = source === claims.name ? source : source.split('@')[0];
    const cleaned = local
      .normalize('NFKC')
      .normalize('NFD')
      .replace(/\p{M}/gu, '')
      .replace(/[^A-Za-z0-9_.-]+/g, '_')
      .replace(/^[_.-]+|[_.-]+$/g, '')
      .slice(0, MAX_BASE);
    if (USERNAME_PATTERN.test(cleaned)) return cleaned;
  }
  return FALLBACK;
}

/** The base with a random suffix, for when the base is taken. */
export function withSuffix(base: string, random: () => string): string {
  return `${base.slice(0, MAX_BASE)}-${random()}`;
}
