import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { TokenExpiredError } from '@nestjs/jwt';
import { AppException, ErrorCode, TokenException } from '../../common/errors';
import { extractAccessToken, HeaderCarrier } from '../access-token.extractor';
import { AuthUser } from '../auth-user';
import { IS_PUBLIC_KEY } from '../decorators/public.decorator';
import { ACCESS_TOKEN } from '../strategies/jwt.strategy';

/**
 * Registered globally: every route needs a valid access token unless it is marked `@Public()` (deny by default).
 * Failures become the RFC 6750 codes of API.md: TOKEN_MISSING, TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_REVOKED.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<HeaderCarrier & { [ACCESS_TOKEN]?: string }>();
    const token = extractAccessToken(request);
    if (token === undefined) throw new TokenException(ErrorCode.TOKEN_MISSING, 'An access token is required');
    request[ACCESS_TOKEN] = token;
    return super.canActivate(context) as Promise<boolean>;
  }

  override handleRequest<T = AuthUser>(error: unknown, user: T | false, info: unknown): T {
    if (error instanceof AppException) throw error;
    if (error || !user) {
      if (info instanceof TokenExpiredError) throw new TokenException(ErrorCode.TOKEN_EXPIRED, 'The access token has expired');
      throw new TokenException(ErrorCode.TOKEN_INVALID, 'The access token is invalid');
    }
    return user;
  }
}
