import { Inject, Injectable } from '@nestjs/common';
import { RATE_LIMIT_STORE, type RateLimitStore } from '../rate-limit/rate-limit.store';

const MAILS_PER_WINDOW = 5;
const WINDOW_MS = 15 * 60_000;

export interface MailAllowance {
  allowed: boolean;
  retryAfterSeconds: number;
}

/**
 * Mails per recipient address, whatever client asks: stops anyone (with many client addresses) from flooding one
 * inbox with reset or verification links. Counted in the shared rate-limit store (Redis when configured).
 */
@Injectable()
export class MailRateLimit {
  constructor(@Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore) {}

  async take(emailNormalized: string): Promise<MailAllowance> {
    const { hits, resetInMs } = await this.store.hit(`mail:${emailNormalized}`, WINDOW_MS);
    return { allowed: hits <= MAILS_PER_WINDOW, retryAfterSeconds: Math.max(1, Math.ceil(resetInMs / 1000)) };
  }
}
