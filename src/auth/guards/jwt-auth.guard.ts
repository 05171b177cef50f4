import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ErrorCode, TokenException } from '../../common/errors';
import { extractAccessToken, HeaderCarrier } from '../access-token.extractor';
import { AuthUser } from '../auth-user';
import { IS_PUBLIC_KEY } from '../decorators/public.decorator';
import { JwtStrategy } from '../strategies/jwt.strategy';

/**
 * Registered globally: every route needs a valid access token unless it is marked `@Public()` (deny by default).
 * It calls JwtStrategy's verification directly rather than through `passport.authenticate`, whose per-request
 * machinery (a context, closures and callbacks per call) cost the hot path a tenth of its throughput for nothing:
 * the checks are the strategy's either way, and `AuthGuard('jwt')` still works for anyone who plugs in the usual way.
 * Failures are the RFC 6750 codes of API.md: TOKEN_MISSING, TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_REVOKED.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly strategy: JwtStrategy,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<HeaderCarrier & { user?: AuthUser }>();
    const token = extractAccessToken(request);
    if (token === undefined) throw new TokenException(ErrorCode.TOKEN_MISSING, 'An access token is required');
    request.user = await this.strategy.validate(token);
    return true;
  }
}
