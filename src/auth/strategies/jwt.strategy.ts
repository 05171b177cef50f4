import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import { KeyObject } from 'node:crypto';
import { Strategy } from 'passport-jwt';
import { ErrorCode, TokenException } from '../../common/errors';
import { authConfig } from '../../config';
import { UserRole } from '../../users/user-role';
import { AuthUser } from '../auth-user';
import { SessionsService } from '../sessions/sessions.service';
import { SIGNING_KEY } from '../tokens/signing-key.provider';
import { assertAccessTokenHeader } from '../tokens/access-token-header';

/** Where JwtAuthGuard leaves the token it extracted, so the header is parsed once and linearly. */
export const ACCESS_TOKEN = Symbol('accessToken');

/** Allowed clock difference between issuers and this verifier (RFC 8725 §3.10 asks for a small one). */
export const CLOCK_SKEW_SECONDS = 5;

/** jsonwebtoken's `complete` result; the header was checked before verification (assertAccessTokenHeader). */
interface DecodedToken {
  payload: unknown;
}

/**
 * Verifies access tokens (RFC 8725, RFC 9068), in API.md's order: the header (`alg`, `typ`, no `crit`) before
 * anything else; jsonwebtoken then checks the signature with the one configured algorithm, `nbf`, `exp`, `iss` and
 * `aud`; `validate` adds what it leaves out: an object payload with `exp`, `iat` not in the future, a lifetime
 * within the configured TTL, typed claims, and the session not revoked.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly maxLifetimeSeconds: number;

  constructor(
    @Inject(SIGNING_KEY) key: KeyObject,
    @Inject(authConfig.KEY) config: ConfigType<typeof authConfig>,
    private readonly sessions: SessionsService,
  ) {
    super({
      jwtFromRequest: (request: { [ACCESS_TOKEN]?: string }) => {
        const token = request[ACCESS_TOKEN];
        if (token) assertAccessTokenHeader(token, config.jwtAlgorithm);
        return token ?? null;
      },
      secretOrKey: key as unknown as Buffer,
      algorithms: [config.jwtAlgorithm],
      issuer: config.issuer,
      audience: config.audience,
      jsonWebTokenOptions: { complete: true, clockTolerance: CLOCK_SKEW_SECONDS },
    });
    this.maxLifetimeSeconds = config.accessTokenTtlSeconds;
  }

  validate({ payload }: DecodedToken): AuthUser {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw invalid('The token payload is not an object');
    const claims = payload as Record<string, unknown>;
    const { exp, iat, sub, sid, jti, username, roles } = claims;
    if (typeof exp !== 'number' || typeof iat !== 'number') throw invalid('The token lacks exp or iat');
    if (iat > Date.now() / 1000 + CLOCK_SKEW_SECONDS) throw invalid('The token was issued in the future');
    if (exp - iat > this.maxLifetimeSeconds) throw invalid('The token lives longer than allowed');
    if (typeof sub !== 'string' || typeof sid !== 'string' || typeof jti !== 'string' || typeof username !== 'string') {
      throw invalid('The token lacks required claims');
    }
    if (!Array.isArray(roles) || !roles.every((r) => typeof r === 'string')) throw invalid('The token has malformed roles');
    if (this.sessions.isRevoked(sid)) throw new TokenException(ErrorCode.TOKEN_REVOKED, 'The session of this token has ended');
    return { userId: sub, username, roles: roles as UserRole[], sessionId: sid, tokenId: jti };
  }
}

function invalid(message: string): TokenException {
  return new TokenException(ErrorCode.TOKEN_INVALID, message);
}
