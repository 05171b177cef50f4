import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ErrorCode, TokenException } from '../../common/errors';
import { RouteMetadata } from '../../common/metadata/route-metadata';
import { extractAccessToken, HeaderCarrier } from '../access-token.extractor';
import { AuthUser, IS_PUBLIC_KEY } from '../../common/auth';
import { JwtStrategy } from '../strategies/jwt.strategy';

/**
 * Registered globally: every route needs a valid access token unless it is marked `@Public()` (deny by default).
 * It calls JwtStrategy's verification directly: `passport.authenticate`'s per-request machinery slows the hot path
 * for nothing (docs/performance.md), the checks are the strategy's either way, and `AuthGuard('jwt')` still works.
 * Failures are the RFC 6750 codes of API.md: TOKEN_MISSING, TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_REVOKED.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  private readonly isPublic: RouteMetadata<boolean>;

  constructor(
    reflector: Reflector,
    private readonly strategy: JwtStrategy,
  ) {
    this.isPublic = new RouteMetadata(reflector, IS_PUBLIC_KEY);
  }

  // Synchronous on purpose: Nest awaits a guard that returns a promise, at a measurable cost on every request.
  canActivate(context: ExecutionContext): boolean {
    if (this.isPublic.get(context)) return true;
    const request = context.switchToHttp().getRequest<HeaderCarrier & { user?: AuthUser }>();
    const token = extractAccessToken(request);
    if (token === undefined) throw new TokenException(ErrorCode.TOKEN_MISSING);
    request.user = this.strategy.validate(token);
    return true;
  }
}
