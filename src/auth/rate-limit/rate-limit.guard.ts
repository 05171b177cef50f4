import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { AppException } from '../../common/errors';
import { authConfig } from '../../config';
import { RATE_LIMIT_STORE, type RateLimitStore } from './rate-limit.store';

const WINDOW_MS = 60_000;

/**
 * AUTH_RATE_LIMIT_PER_MINUTE requests per client address over all the public auth routes together
 * (the address is Fastify's `request.ip`, which honours TRUST_PROXY and nothing else).
 */
@Injectable()
export class AuthRateLimitGuard implements CanActivate {
  constructor(
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ ip: string }>();
    const { hits, resetInMs } = await this.store.hit(`auth:${request.ip}`, WINDOW_MS);
    if (hits <= this.config.authRateLimitPerMinute) return true;
    throw AppException.tooManyRequests(Math.max(1, Math.ceil(resetInMs / 1000)));
  }
}
