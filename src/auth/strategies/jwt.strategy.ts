import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ErrorCode, TokenException } from '../../common/errors';
import { AuthUser } from '../../common/auth';
import { SessionsService } from '../../sessions/sessions.service';
import { TokensService } from '../tokens/tokens.service';
import { AccessTokenStrategy } from './access-token.strategy';

/**
 * The access-token strategy (RFC 8725, RFC 9068): TokensService checks header, signature and claims;
 * this adds the last check of API.md's order, the session, from the in-memory revoked set (no query).
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(AccessTokenStrategy, 'jwt') {
  constructor(
    private readonly tokens: TokensService,
    private readonly sessions: SessionsService,
  ) {
    super();
  }

  /** Synchronous, so that the guard on every request settles without a promise; Passport takes either. */
  validate(token: string): AuthUser {
    const claims = this.tokens.verifyAccessToken(token);
    if (this.sessions.isRevoked(claims.sid)) throw new TokenException(ErrorCode.TOKEN_REVOKED, 'The session of this token has ended');
    return { userId: claims.sub, username: claims.username, roles: claims.roles, sessionId: claims.sid, tokenId: claims.jti };
  }
}
