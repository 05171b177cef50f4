import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, QueryFailedError, Repository } from 'typeorm';
import { AppException, ErrorCode } from '../../common/errors';
import { authConfig } from '../../config';
import { LoginLockout } from './login-lockout.entity';

/**
 * Per-account brute-force protection (OWASP Authentication Cheat Sheet): every attempt is counted before the
 * password is checked, with one atomic increment, so a burst of parallel guesses cannot slip past the limit.
 * More than LOGIN_MAX_FAILURES attempts without a success lock the key for LOGIN_LOCK_SECONDS (429, Retry-After);
 * during the lock even the right password is refused. Attempts older than the lock window are forgotten.
 */
@Injectable()
export class LoginLockoutService {
  constructor(
    @InjectRepository(LoginLockout) private readonly lockouts: Repository<LoginLockout>,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  /** Counts an attempt on `key`; throws 429 TOO_MANY_REQUESTS if the key is locked or this attempt locks it. */
  async beginAttempt(key: string, now = new Date()): Promise<void> {
    const current = await this.lockouts.findOneBy({ key });
    if (current?.lockedUntil && current.lockedUntil > now) throw this.locked(current.lockedUntil, now);
    const failures = await this.increment(key, now);
    if (failures > this.config.loginMaxFailures) {
      const lockedUntil = new Date(now.getTime() + this.config.loginLockSeconds * 1000);
      await this.lockouts.update({ key }, { failures: 0, lockedUntil });
      throw this.locked(lockedUntil, now);
    }
  }

  /** A correct password clears the count. */
  async succeeded(key: string): Promise<void> {
    await this.lockouts.delete({ key });
  }

  /** Forgets keys with no attempt within the lock window and no lock in force. */
  async cleanUp(now = new Date()): Promise<void> {
    await this.lockouts
      .createQueryBuilder()
      .delete()
      .where({ lastFailureAt: LessThan(this.windowStart(now)) })
      .andWhere('(locked_until IS NULL OR locked_until < :now)', { now })
      .execute();
  }

  private async increment(key: string, now: Date): Promise<number> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const updated = await this.lockouts
        .createQueryBuilder()
        .update(LoginLockout)
        .set({ failures: () => 'CASE WHEN last_failure_at < :windowStart THEN 1 ELSE failures + 1 END', lastFailureAt: now })
        .where({ key })
        .setParameter('windowStart', this.windowStart(now))
        .execute();
      if (updated.affected) return (await this.lockouts.findOneByOrFail({ key })).failures;
      try {
        await this.lockouts.insert({ key, failures: 1, lockedUntil: null, lastFailureAt: now });
        return 1;
      } catch (error) {
        // Another attempt inserted the row first: count on it.
        if (!(error instanceof QueryFailedError)) throw error;
      }
    }
    return (await this.lockouts.findOneByOrFail({ key })).failures;
  }

  private windowStart(now: Date): Date {
    return new Date(now.getTime() - this.config.loginLockSeconds * 1000);
  }

  private locked(until: Date, now: Date): AppException {
    const seconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
    return new AppException(ErrorCode.TOO_MANY_REQUESTS, HttpStatus.TOO_MANY_REQUESTS, 'Too many failed logins; try again later', {
      'Retry-After': String(seconds),
    });
  }
}
