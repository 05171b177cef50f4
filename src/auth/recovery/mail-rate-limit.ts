import { Injectable } from '@nestjs/common';
import { InjectThrottlerStorage, type ThrottlerStorage } from '@nestjs/throttler';

const MAILS_PER_WINDOW = 5;
const WINDOW_MS = 15 * 60_000;

export interface MailAllowance {
  allowed: boolean;
  retryAfterSeconds: number;
}

/**
 * Mails per recipient address, whatever client asks: stops anyone (with many client addresses) from flooding one
 * inbox with reset or verification links. Counted in the rate limits' storage (Redis when configured).
 */
@Injectable()
export class MailRateLimit {
  constructor(@InjectThrottlerStorage() private readonly storage: ThrottlerStorage) {}

  async take(emailNormalized: string): Promise<MailAllowance> {
    const { isBlocked, timeToExpire } = await this.storage.increment(
      `mail:${emailNormalized}`,
      WINDOW_MS,
      MAILS_PER_WINDOW,
      WINDOW_MS,
      'mail',
    );
    return { allowed: !isBlocked, retryAfterSeconds: timeToExpire };
  }
}
