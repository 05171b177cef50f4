import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { createVerifier, TokenError } from 'fast-jwt';
import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { ErrorCode, TokenException } from '../../common/errors';
import { authConfig } from '../../config';
import { UserRole } from '../../users/user-role';
import { AccessTokenClaims, AccessTokenSubject } from './access-token-claims';
import { ACCESS_TOKEN_TYPE, AccessTokenHeaderReader } from './access-token-header';
import type { KeyRing } from './key-ring';

export const KEY_RING = Symbol('KEY_RING');

/** Allowed clock difference between issuers and this verifier (RFC 8725 §3.10 asks for a small one). */
export const CLOCK_SKEW_SECONDS = 5;

/**
 * Signs and verifies access tokens for every configured algorithm, with the same checks whichever library does the
 * cryptography. Signing: @nestjs/jwt (jsonwebtoken) for HS256, RS256 and ES256, jose for EdDSA, which jsonwebtoken
 * lacks. Verification, on every request: fast-jwt for every algorithm, with one verifier per key prepared at start
 * (jsonwebtoken's per-call option merging and key handling cost a guarded request a third of its throughput). Checks
 * run in API.md's order: header (`alg`, `typ`, `crit`, `kid` among the configured keys only), then signature, `exp`,
 * the other registered claims, and what the libraries leave out (lifetime, `iat`, types).
 */
@Injectable()
export class TokensService {
  /** A prepared verifier per key: by kid, and under '' the HS256 secret (its tokens carry no kid). */
  private readonly verifiers = new Map<string, (token: string) => unknown>();
  private readonly headers: AccessTokenHeaderReader;

  constructor(
    private readonly jwt: JwtService,
    @Inject(KEY_RING) private readonly keys: KeyRing,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {
    this.headers = new AccessTokenHeaderReader(keys.algorithm);
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

  async signAccessToken(user: AccessTokenSubject, sessionId: string): Promise<string> {
    const claims = { username: user.username, roles: user.roles, sid: sessionId };
    const header = { alg: this.keys.algorithm, typ: ACCESS_TOKEN_TYPE, ...(this.keys.signing.kid && { kid: this.keys.signing.kid }) };
    const { issuer, audience, accessTokenTtlSeconds } = this.config;
    if (this.keys.algorithm === 'EdDSA') {
      return new SignJWT(claims)
        .setProtectedHeader(header)
        .setSubject(user.id)
        .setJti(randomUUID())
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime(`${accessTokenTtlSeconds}s`)
        .sign(this.keys.signing.key);
    }
    return this.jwt.sign(claims, {
      privateKey: this.keys.signing.key,
      algorithm: this.keys.algorithm,
      header,
      subject: user.id,
      jwtid: randomUUID(),
      issuer,
      audience,
      expiresIn: accessTokenTtlSeconds,
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
    const { exp, iat, sub, sid, jti, username, roles } = payload as Record<string, unknown>;
    if (typeof exp !== 'number' || typeof iat !== 'number') throw invalid('The token lacks exp or iat');
    if (iat > Date.now() / 1000 + CLOCK_SKEW_SECONDS) throw invalid('The token was issued in the future');
    if (exp - iat > this.config.accessTokenTtlSeconds) throw invalid('The token lives longer than allowed');
    if (typeof sub !== 'string' || typeof sid !== 'string' || typeof jti !== 'string' || typeof username !== 'string') {
      throw invalid('The token lacks required claims');
    }
    if (!Array.isArray(roles) || !roles.every((r) => typeof r === 'string')) throw invalid('The token has malformed roles');
    return { sub, sid, jti, username, roles: roles as UserRole[], iat, exp };
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
