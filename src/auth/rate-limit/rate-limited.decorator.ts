import { applyDecorators, CanActivate, Type, UseGuards } from '@nestjs/common';
import { ErrorCode } from '../../common/errors';
import { ApiErrors } from '../../common/openapi';
import { AuthThrottlerGuard } from './auth-throttler.guard';

/**
 * Counts the request against the caller's address (429 TOO_MANY_REQUESTS with Retry-After past the limit).
 * Guards that do real work (bcrypt) go in `then`, so that they run after it.
 */
export const RateLimited = (...then: Type<CanActivate>[]) =>
  applyDecorators(UseGuards(AuthThrottlerGuard, ...then), ApiErrors(ErrorCode.TOO_MANY_REQUESTS));
