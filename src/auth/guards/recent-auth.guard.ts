import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { AuthUser, RECENT_AUTH_KEY } from '../../common/auth';
import { AppException, ErrorCode } from '../../common/errors';
import { RouteMetadata } from '../../common/metadata/route-metadata';
import { authConfig } from '../../config';

/** Whether a caller's session counts as "recent" (API.md): fresh enough, and with the second factor the user has. */
export function isRecentAuthentication(
  caller: Pick<AuthUser, 'amr' | 'authTime' | 'secondFactor'>,
  maxAgeSeconds: number,
  nowMs = Date.now(),
): boolean {
  if (nowMs / 1000 - caller.authTime > maxAgeSeconds) return false;
  return !caller.secondFactor || caller.amr.includes('mfa');
}

/**
 * Runs after JwtAuthGuard and RolesGuard: a route with `@RequireRecentAuth()` answers 401 STEP_UP_REQUIRED with the
 * RFC 9470 challenge (`insufficient_user_authentication`, `max_age`) unless the token's `auth_time` and `amr` say the
 * session authenticated recently enough. Claims only: no query on the guarded path.
 */
@Injectable()
export class RecentAuthGuard implements CanActivate {
  private readonly required: RouteMetadata<boolean>;
  private readonly challenge: string;

  constructor(
    reflector: Reflector,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {
    this.required = new RouteMetadata(reflector, RECENT_AUTH_KEY);
    this.challenge =
      'Bearer realm="gatehouse", error="insufficient_user_authentication", ' +
      `error_description="A more recent authentication is required", max_age=${config.stepUpMaxAgeSeconds}`;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.required.get(context)) return true;
    const caller = context.getArgByIndex<{ user?: AuthUser }>(0).user;
    if (caller && isRecentAuthentication(caller, this.config.stepUpMaxAgeSeconds)) return true;
    throw new AppException(ErrorCode.STEP_UP_REQUIRED, undefined, { 'WWW-Authenticate': this.challenge });
  }
}
