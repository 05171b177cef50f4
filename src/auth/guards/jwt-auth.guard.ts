import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RouteMetadata } from '../../common/metadata/route-metadata';
import { HeaderCarrier } from '../access-token.extractor';
import { AuthUser, IS_PUBLIC_KEY } from '../../common/auth';
import { JwtStrategy } from '../strategies/jwt.strategy';

/**
 * Registered globally: every route needs a valid access token unless it is marked `@Public()` (deny by default).
 * It calls JwtStrategy.authenticateAccessToken directly rather than through `passport.authenticate`, whose
 * per-request machinery (a context, closures and callbacks per call) costs the hot path for nothing: it is the very
 * function `AuthGuard('jwt')` reaches through Passport, so both answer alike (test/passport-jwt-parity.e2e-spec.ts).
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
    request.user = this.strategy.authenticateAccessToken(request);
    return true;
  }
}
