import { Inject, Injectable } from '@nestjs/common';
import { createHmac, createSecretKey, hkdfSync, KeyObject, timingSafeEqual } from 'node:crypto';
import { AppException, ErrorCode } from '../../common/errors';
import { appConfig, AppConfig } from '../../config';
import type { KeyRing } from '../tokens/key-ring';
import { KEY_RING } from '../tokens/tokens.service';

export interface CsrfCarrier {
  method?: string;
  headers: Record<string, string | string[] | undefined>;
}

/** RFC 9110 §9.2.1: the methods that change nothing, which need no CSRF proof. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const TOKEN_LENGTH = 43; // an HMAC-SHA256 in base64url

/**
 * CSRF defence for cookie-authenticated requests (API.md "Browser sessions", OWASP CSRF Prevention Cheat Sheet):
 * a token bound to the session, sent in a custom header, plus the Origin and Fetch Metadata checks.
 * The token is an HMAC of the session id under a key derived from the JWT key material, so every instance with the same
 * keys verifies it without a shared store, it stays the same across refreshes of the session, and a forger needs the
 * key, not only the session id (which access tokens and the session list show).
 */
@Injectable()
export class CsrfService {
  private readonly key: KeyObject;
  private readonly trustedOrigins: ReadonlySet<string>;

  constructor(@Inject(KEY_RING) keys: KeyRing, @Inject(appConfig.KEY) app: AppConfig) {
    this.key = csrfKey(keys);
    this.trustedOrigins = new Set(app.trustedOrigins);
  }

  isUnsafe(request: CsrfCarrier): boolean {
    return !SAFE_METHODS.has(request.method ?? 'GET');
  }

  tokenFor(sessionId: string): string {
    return createHmac('sha256', this.key).update(`gatehouse csrf v1 ${sessionId}`).digest('base64url');
  }

  /** Every check of an unsafe cookie-authenticated request; throws 403 CSRF_FAILED. */
  assertAllowed(request: CsrfCarrier, sessionId: string): void {
    this.assertTrustedSource(request);
    this.assertToken(request, sessionId);
  }

  /**
   * The checks that need no session: an `Origin`, when sent, is ours, APP_URL's or listed in CORS_ORIGINS
   * (`null`, from sandboxed frames and some redirects, is none of them), and a request the browser marks
   * `Sec-Fetch-Site: cross-site` must carry such an Origin. Then the token header must be there at all.
   */
  assertTrustedSource(request: CsrfCarrier): void {
    const origin = request.headers.origin;
    if (origin !== undefined && (typeof origin !== 'string' || !this.trustedOrigins.has(origin))) {
      throw refused('The request comes from an origin that may not use this session');
    }
    if (origin === undefined && request.headers['sec-fetch-site'] === 'cross-site') {
      throw refused('A cross-site request must come from an allowed origin');
    }
    if (request.headers['x-csrf-token'] === undefined) throw refused('X-CSRF-Token is required with cookie authentication');
  }

  /** The token header matches the session's token (compared in constant time). */
  assertToken(request: CsrfCarrier, sessionId: string): void {
    const given = request.headers['x-csrf-token'];
    if (typeof given !== 'string' || given.length !== TOKEN_LENGTH) throw mismatch();
    if (!timingSafeEqual(Buffer.from(given), Buffer.from(this.tokenFor(sessionId)))) throw mismatch();
  }
}

/** HKDF (RFC 5869) from the secret or the signing key, so the CSRF key is never a key that signs tokens. */
function csrfKey(keys: KeyRing): KeyObject {
  const material = keys.secret ? keys.secret.export() : keys.signing.key.export({ type: 'pkcs8', format: 'der' });
  return createSecretKey(Buffer.from(hkdfSync('sha256', material, 'gatehouse', 'csrf-token v1', 32)));
}

function refused(message: string): AppException {
  return new AppException(ErrorCode.CSRF_FAILED, message);
}

function mismatch(): AppException {
  return refused('X-CSRF-Token does not match this session');
}
