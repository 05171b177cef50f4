import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { createSigner, createVerifier, TokenError } from 'fast-jwt';
import { randomUUID } from 'node:crypto';
import { ErrorCode, TokenException } from '../../common/errors';
import { authConfig } from '../../config';
import { UserRole } from '../../users/user-role';
import { AccessTokenClaims, AccessTokenSubject, TokenAuthentication } from './access-token-claims';
import { ACCESS_TOKEN_TYPE, AccessTokenHeaderReader } from './access-token-header';
import type { KeyRing } from './key-ring';

export const KEY_RING = Symbol('KEY_RING');

/** Allowed clock difference between issuers and this verifier (RFC 8725 §3.10 asks for a small one). */
export const CLOCK_SKEW_SECONDS = 5;

/**
 * Signs and verifies access tokens with fast-jwt for every configured algorithm (HS256, RS256, ES256, EdDSA), so a
 * claim or header is added in one place and every token has the same shape. Signer and verifiers are prepared once
 * per key at start: per-call key parsing and option merging would cost every guarded request. Checks run in API.md's
 * order: header (`alg`, `typ`, `crit`, `kid` among the configured keys only), then signature, `exp`, the other
 * registered claims, and what the library leaves out (lifetime, `iat`, types).
 */
@Injectable()
export class TokensService {
  private readonly sign: (payload: Record<string, unknown>) => string;
  /** A prepared verifier per key: by kid, and under '' the HS256 secret (its tokens carry no kid). */
  private readonly verifiers = new Map<string, (token: string) => unknown>();
  private readonly headers: AccessTokenHeaderReader;

  constructor(
    @Inject(KEY_RING) private readonly keys: KeyRing,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {
    this.headers = new AccessTokenHeaderReader(keys.algorithm);
    const { key, kid } = keys.signing;
    this.sign = createSigner({
      key: keys.algorithm === 'HS256' ? key.export() : key.export({ type: 'pkcs8', format: 'pem' }),
      algorithm: keys.algorithm,
      kid,
      header: { alg: keys.algorithm, typ: ACCESS_TOKEN_TYPE },
    });
    const options = {
      algorithms: [keys.algorithm],
      allowedIss: config.issuer,
      allowedAud: config.audience,
      clockTolerance: CLOCK_SKEW_SECONDS * 1000,
      requiredClaims: ['exp'],
      cache: false,
    };
    if (keys.secret) this.verifiers.set('', createVerifier({ ...options, key: keys.secret.export() }));
    for (const [kid, key] of keys.verification) {
      this.verifiers.set(kid, createVerifier({ ...options, key: key.export({ type: 'spki', format: 'pem' }).toString() }));
    }
  }

  get accessTokenTtlSeconds(): number {
    return this.config.accessTokenTtlSeconds;
  }

  signAccessToken(user: AccessTokenSubject, sessionId: string, authentication: TokenAuthentication): string {
    const iat = Math.floor(Date.now() / 1000);
    const { issuer, audience, accessTokenTtlSeconds } = this.config;
    return this.sign({
      username: user.username,
      roles: user.roles,
      sid: sessionId,
      amr: authentication.amr,
      auth_time: authentication.authTime,
      ...(authentication.secondFactor && { second_factor: true }),
      iat,
      exp: iat + accessTokenTtlSeconds,
      aud: audience,
      iss: issuer,
      sub: user.id,
      jti: randomUUID(),
    });
  }

  /** Synchronous: the hot path's guard then settles without a promise (every algorithm verifies in Node's crypto). */
  verifyAccessToken(token: string): AccessTokenClaims {
    const header = this.headers.read(token);
    const verify = this.verifiers.get(header.kid ?? '');
    if (!verify) throw untrusted();
    const claims = this.checkClaims(verifyWith(verify, token));
    this.headers.remember(token, header);
    return claims;
  }

  private checkClaims(payload: unknown): AccessTokenClaims {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw invalid('The token payload is not an object');
    const { exp, iat, sub, sid, jti, username, roles, amr, auth_time, second_factor } = payload as Record<string, unknown>;
    if (typeof exp !== 'number' || typeof iat !== 'number') throw invalid('The token lacks exp or iat');
    if (iat > Date.now() / 1000 + CLOCK_SKEW_SECONDS) throw invalid('The token was issued in the future');
    if (exp - iat > this.config.accessTokenTtlSeconds) throw invalid('The token lives longer than allowed');
    if (typeof sub !== 'string' || typeof sid !== 'string' || typeof jti !== 'string' || typeof username !== 'string') {
      throw invalid('The token lacks required claims');
    }
    if (!Array.isArray(roles) || !roles.every((r) => typeof r === 'string')) throw invalid('The token has malformed roles');
    // Tokens signed before these claims existed (a rolling upgrade) pass, and never count as a recent login.
    if (amr !== undefined && (!Array.isArray(amr) || !amr.every((m) => typeof m === 'string')))
      throw invalid('The token has a malformed amr');
    if (auth_time !== undefined && typeof auth_time !== 'number') throw invalid('The token has a malformed auth_time');
    if (second_factor !== undefined && second_factor !== true) throw invalid('The token has a malformed second_factor');
    // No spread here: a literal with one makes V8 build the object property by property, on every guarded request.
    const claims: AccessTokenClaims = {
      sub,
      sid,
      jti,
      username,
      roles: roles as UserRole[],
      iat,
      exp,
      amr: amr ?? [],
      auth_time: auth_time ?? 0,
    };
    if (second_factor === true) claims.second_factor = true;
    return claims;
  }
}

function verifyWith(verify: (token: string) => unknown, token: string): unknown {
  try {
    return verify(token);
  } catch (error) {
    if (error instanceof TokenError && error.code === TokenError.codes.expired) throw expired();
    if (error instanceof TokenError) throw invalid('The access token is invalid');
    throw error;
  }
}

function untrusted(): TokenException {
  return invalid('The token was not signed by a key this service trusts');
}

function invalid(message: string): TokenException {
  return new TokenException(ErrorCode.TOKEN_INVALID, message);
}

function expired(): TokenException {
  return new TokenException(ErrorCode.TOKEN_EXPIRED, 'The access token has expired');
}
