import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { ThrottlerLimitDetail } from '@nestjs/throttler';
import { AppException, ErrorCode } from '../../common/errors';

/**
 * AUTH_RATE_LIMIT_PER_MINUTE requests per client address over all the public auth routes together: one key per
 * address (not per route, as the throttler's default key is), and the address is Fastify's `request.ip`, which honours
 * TRUST_PROXY and nothing else. Applied by `@RateLimited()` only, never globally: guarded routes never pay for it.
 */
@Injectable()
export class AuthThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(request: { ip: string }): Promise<string> {
    return Promise.resolve(request.ip);
  }

  protected override generateKey(_context: ExecutionContext, tracker: string): string {
    return `auth:${tracker}`;
  }

  protected override throwThrottlingException(_context: ExecutionContext, limit: ThrottlerLimitDetail): Promise<void> {
    throw new AppException(ErrorCode.TOO_MANY_REQUESTS, 'Too many requests from this address; try again later', {
      'Retry-After': String(limit.timeToBlockExpire),
    });
  }
}
