import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ErrorCode, TokenException } from '../../common/errors';
import { AuthUser } from '../../common/auth';
import { SessionsService } from '../../sessions/sessions.service';
import { extractAccessToken, HeaderCarrier, MAX_ACCESS_TOKEN_LENGTH } from '../access-token.extractor';
import { CsrfCarrier, CsrfService } from '../browser/csrf.service';
import { ACCESS_COOKIE, readCookie } from '../browser/session-cookies';
import { TokensService } from '../tokens/tokens.service';
import { AccessTokenStrategy } from './access-token.strategy';

/**
 * The access-token strategy (RFC 6750, RFC 8725, RFC 9068), registered as `'jwt'`. Its one check serves the global
 * JwtAuthGuard (directly) and `AuthGuard('jwt')` (through Passport), so both refuse and accept alike.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(AccessTokenStrategy, 'jwt') {
  constructor(
    private readonly tokens: TokensService,
    private readonly sessions: SessionsService,
    private readonly csrf: CsrfService,
  ) {
    super();
  }

  /**
   * The token (TOKEN_MISSING without one), TokensService's header, signature and claim checks, then the last check of
   * API.md's order, the session, from the in-memory revoked set (no query). Synchronous, so that the global guard on
   * every request settles without a promise. A header token always wins; only a request without one has its Cookie
   * header read, so bearer requests never pay for it.
   */
  authenticateAccessToken(request: HeaderCarrier & CsrfCarrier): AuthUser {
    const token = extractAccessToken(request);
    if (token !== undefined) return this.callerOf(token, 'header');
    const caller = this.callerOf(this.accessCookie(request), 'cookie');
    if (this.csrf.isUnsafe(request)) this.csrf.assertAllowed(request, caller.sessionId);
    return caller;
  }

  /** Passport's verify callback: AccessTokenStrategy hands it the request. */
  validate(request: HeaderCarrier & CsrfCarrier): AuthUser {
    return this.authenticateAccessToken(request);
  }

  private callerOf(token: string, via: AuthUser['via']): AuthUser {
    const claims = this.tokens.verifyAccessToken(token);
    if (this.sessions.isRevoked(claims.sid)) throw new TokenException(ErrorCode.TOKEN_REVOKED, 'The session of this token has ended');
    return {
      userId: claims.sub,
      username: claims.username,
      roles: claims.roles,
      sessionId: claims.sid,
      tokenId: claims.jti,
      amr: claims.amr,
      authTime: claims.auth_time,
      secondFactor: claims.second_factor === true,
      via,
    };
  }

  /** The access cookie of a request that sent no token header (an Authorization of another scheme counts as one). */
  private accessCookie(request: HeaderCarrier): string {
    const { headers } = request;
    if (headers.authorization === undefined && headers['x-access-token'] === undefined) {
      const cookie = readCookie(request, ACCESS_COOKIE);
      if ('malformed' in cookie) throw new TokenException(ErrorCode.TOKEN_INVALID, cookie.malformed);
      // An empty value is what a cleared cookie leaves in a client that does not drop it: no token.
      if ('value' in cookie && cookie.value.length > 0) {
        if (cookie.value.length > MAX_ACCESS_TOKEN_LENGTH)
          throw new TokenException(ErrorCode.TOKEN_INVALID, 'The access cookie is too long');
        return cookie.value;
      }
    }
    throw new TokenException(ErrorCode.TOKEN_MISSING, 'An access token is required');
  }
}
