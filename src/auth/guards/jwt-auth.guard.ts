import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RouteMetadata } from '../../common/metadata/route-metadata';
import { HeaderCarrier } from '../access-token.extractor';
import { AuthUser, IS_PUBLIC_KEY, PublicAccess } from '../../common/auth';
import { AppException } from '../../common/errors';
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
  private readonly isPublic: RouteMetadata<PublicAccess>;

  constructor(
    reflector: Reflector,
    private readonly strategy: JwtStrategy,
  ) {
    this.isPublic = new RouteMetadata(reflector, IS_PUBLIC_KEY);
  }

  // Synchronous on purpose: Nest awaits a guard that returns a promise, at a measurable cost on every request.
  canActivate(context: ExecutionContext): boolean {
    return this.admit(context.getArgByIndex(0), this.isPublic.get(context));
  }

  /** The check itself, for a route whose `@Public()` value is known (AccessGuard works it out once per route). */
  admit(request: HeaderCarrier & { user?: AuthUser }, access: PublicAccess | undefined): boolean {
    if (access === true) return true;
    if (access === 'token-optional') {
      try {
        request.user = this.strategy.authenticateAccessToken(request);
      } catch (error) {
        // A cookie without its CSRF header names no caller either: such a request is as anonymous as one without a token.
        if (!(error instanceof AppException)) throw error;
      }
      return true;
    }
    request.user = this.strategy.authenticateAccessToken(request);
    return true;
  }
}
