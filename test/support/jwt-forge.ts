import { createHmac, randomUUID } from 'node:crypto';
import { TEST_JWT_SECRET } from './test-app';
import { decodeJwt } from './http';

/** What the app puts in iss / aud by default (API.md, JWT_ISSUER / JWT_AUDIENCE). */
export const ISSUER = 'gatehouse';
export const AUDIENCE = 'gatehouse-api';
export const ACCESS_TOKEN_TTL_SECONDS = 900;

type HmacAlg = 'HS256' | 'HS384' | 'HS512';
const HASH: Record<HmacAlg, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };

export const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Signs any header and payload (the payload may be a string or an array: it is JSON-encoded as given).
 * The key is the secret's UTF-8 bytes, as the app's `createSecretKey(Buffer.from(secret, 'utf8'))`.
 * The algorithm used is the header's `alg` when it is an HS one, else HS256.
 */
export function signJwt(header: Record<string, unknown>, payload: unknown, secret: string = TEST_JWT_SECRET): string {
  const alg = (typeof header.alg === 'string' && header.alg in HASH ? header.alg : 'HS256') as HmacAlg;
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const signature = createHmac(HASH[alg], Buffer.from(secret, 'utf8')).update(input).digest('base64url');
  return `${input}.${signature}`;
}

export interface Subject {
  sub: string;
  username: string;
  roles: string[];
  sid: string;
}

export interface ForgeOptions {
  /** Replaces or adds claims; a claim set to `undefined` is left out. */
  claims?: Record<string, unknown>;
  /** Replaces or adds header fields; a field set to `undefined` is left out. */
  header?: Record<string, unknown>;
  secret?: string;
}

/** An access token as the app issues it (all claims right, `typ: at+jwt`, HS256, TEST_JWT_SECRET), then altered by `options`. */
export function forgeAccessToken(subject: Subject, options: ForgeOptions = {}): string {
  const iat = nowSeconds();
  const payload = withoutUndefined({
    sub: subject.sub,
    username: subject.username,
    roles: subject.roles,
    sid: subject.sid,
    jti: randomUUID(),
    iat,
    exp: iat + ACCESS_TOKEN_TTL_SECONDS,
    iss: ISSUER,
    aud: AUDIENCE,
    ...options.claims,
  });
  const header = withoutUndefined({ alg: 'HS256', typ: 'at+jwt', ...options.header });
  return signJwt(header, payload, options.secret);
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

/** The subject of a real access token, so a test can forge others for the same user and session. */
export function subjectOf(accessToken: string): Subject {
  const { payload } = decodeJwt(accessToken);
  return { sub: payload.sub as string, username: payload.username as string, roles: payload.roles as string[], sid: payload.sid as string };
}
