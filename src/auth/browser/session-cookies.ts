/**
 * The two cookies of API.md "Browser sessions". `__Host-` binds the access cookie to this host (no Domain, Path=/,
 * Secure: a sibling subdomain cannot set or shadow it); the refresh cookie travels only to /api/v1/auth, where it is
 * spent, and never on a cross-site request (SameSite=Strict). Both are HttpOnly: no script ever reads a token.
 */
export const ACCESS_COOKIE = '__Host-gh-at';
export const REFRESH_COOKIE = '__Secure-gh-rt';

const ACCESS_ATTRIBUTES = 'HttpOnly; Secure; SameSite=Lax; Path=/';
const REFRESH_ATTRIBUTES = 'HttpOnly; Secure; SameSite=Strict; Path=/api/v1/auth';

/** Longer Cookie headers are refused unread: ours need about 700 bytes, and Node caps all headers at 16 kB anyway. */
export const MAX_COOKIE_HEADER_LENGTH = 8192;

export interface CookieCarrier {
  headers: Record<string, string | string[] | undefined>;
}

/** The Set-Cookie values that store a token pair. */
export function sessionCookies(accessToken: string, accessMaxAge: number, refreshToken: string, refreshMaxAge: number): string[] {
  return [
    `${ACCESS_COOKIE}=${accessToken}; ${ACCESS_ATTRIBUTES}; Max-Age=${accessMaxAge}`,
    `${REFRESH_COOKIE}=${refreshToken}; ${REFRESH_ATTRIBUTES}; Max-Age=${refreshMaxAge}`,
  ];
}

/** The Set-Cookie values that delete both (same Path and attributes, or the browser keeps the originals). */
export const CLEARED_SESSION_COOKIES = [
  `${ACCESS_COOKIE}=; ${ACCESS_ATTRIBUTES}; Max-Age=0`,
  `${REFRESH_COOKIE}=; ${REFRESH_ATTRIBUTES}; Max-Age=0`,
];

/** What reading one cookie found: its value, nothing, or a header that cannot be trusted to say. */
export type CookieLookup = { value: string } | { absent: true } | { malformed: string };

/**
 * One cookie's value from the Cookie header, found in a single pass (no regex, no split of the whole header).
 * A header over the cap, or a name that appears twice (a cookie planted under another Path or Domain to shadow
 * ours), is malformed rather than guessed at. Nothing is decoded: our values are base64url and dots.
 */
export function readCookie(request: CookieCarrier, name: string): CookieLookup {
  const header = request.headers.cookie;
  if (typeof header !== 'string' || header.length === 0) return { absent: true };
  if (header.length > MAX_COOKIE_HEADER_LENGTH) return { malformed: 'The Cookie header is too long' };
  let found: string | undefined;
  let start = 0;
  // The next '=' at or after `start`, kept across pairs so that no stretch of the header is scanned twice.
  let equals = -1;
  while (start < header.length) {
    let end = header.indexOf(';', start);
    if (end === -1) end = header.length;
    if (equals < start) equals = header.indexOf('=', start);
    if (equals === -1) break;
    if (equals < end && header.slice(start, equals).trim() === name) {
      if (found !== undefined) return { malformed: `The cookie ${name} is sent more than once` };
      found = header.slice(equals + 1, end).trim();
    }
    start = end + 1;
  }
  return found === undefined ? { absent: true } : { value: found };
}
