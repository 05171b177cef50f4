import { createHash, randomBytes } from 'node:crypto';
import { CookieCarrier, readCookie } from '../auth/browser/session-cookies';

/**
 * Ties a sign-in flow to the browser that started it (RFC 9700 §4.7.1): without it, someone could start a flow,
 * sign in at the provider as themself, and have a victim's browser open the callback URL, which would sign the victim
 * into the attacker's account (login CSRF). The cookie is sent only to the OIDC routes, travels on the provider's
 * top-level redirect back (SameSite=Lax) and is shared by all of a browser's flows, so tabs do not undo each other.
 */
export const BINDING_COOKIE = '__Secure-gh-oidc';
const ATTRIBUTES = 'HttpOnly; Secure; SameSite=Lax; Path=/api/v1/auth/oidc; Max-Age=600';
const FORMAT = /^[A-Za-z0-9_-]{43}$/;

/** The browser's binding: the one it already has, or a new one. */
export function browserBinding(request: CookieCarrier): string {
  const cookie = readCookie(request, BINDING_COOKIE);
  return 'value' in cookie && FORMAT.test(cookie.value) ? cookie.value : randomBytes(32).toString('base64url');
}

/** The browser's binding if it sent a well-formed one. */
export function presentedBinding(request: CookieCarrier): string | undefined {
  const cookie = readCookie(request, BINDING_COOKIE);
  return 'value' in cookie && FORMAT.test(cookie.value) ? cookie.value : undefined;
}

export function bindingCookie(binding: string): string {
  return `${BINDING_COOKIE}=${binding}; ${ATTRIBUTES}`;
}

/** What the flow stores: the database alone never yields a binding. */
export function hashBinding(binding: string): string {
  return createHash('sha256').update(binding).digest('hex');
}
