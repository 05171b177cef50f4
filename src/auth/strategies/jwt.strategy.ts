import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ErrorCode, TokenException } from '../../common/errors';
import { AuthUser } from '../../common/auth';
import { SessionsService } from '../../sessions/sessions.service';
import { extractAccessToken, HeaderCarrier } from '../access-token.extractor';
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
  ) {
    super();
  }

  /**
   * The token (TOKEN_MISSING without one), TokensService's header, signature and claim checks, then the last check of
   * API.md's order, the session, from the in-memory revoked set (no query). Synchronous, so that the global guard on
   * every request settles without a promise.
   */
  authenticateAccessToken(request: HeaderCarrier): AuthUser {
    const token = extractAccessToken(request);
    if (token === undefined) throw new TokenException(ErrorCode.TOKEN_MISSING, 'An access token is required');
    const claims = this.tokens.verifyAccessToken(token);
    if (this.sessions.isRevoked(claims.sid)) throw new TokenException(ErrorCode.TOKEN_REVOKED, 'The session of this token has ended');
    return { userId: claims.sub, username: claims.username, roles: claims.roles, sessionId: claims.sid, tokenId: claims.jti };
  }

  /** Passport's verify callback: AccessTokenStrategy hands it the request. */
  validate(request: HeaderCarrier): AuthUser {
    return this.authenticateAccessToken(request);
  }
}
