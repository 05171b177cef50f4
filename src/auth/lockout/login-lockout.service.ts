import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, QueryFailedError, Repository } from 'typeorm';
import { every } from '../../common/background/background-tasks';
import { AppException } from '../../common/errors';
import { authConfig } from '../../config';
import { LoginLockout } from './login-lockout.entity';
import { transactional } from '../../database/transactions';

const CLEANUP_INTERVAL_MS = 10 * 60_000;

/** The lockout key of an existing account (names that match no user are keyed by their canonical form). */
export const userLockoutKey = (userId: string): string => `user:${userId}`;

/**
 * Per-account brute-force protection (OWASP Authentication Cheat Sheet): LOGIN_MAX_FAILURES wrong passwords lock the
 * key for LOGIN_LOCK_SECONDS (429, Retry-After), and during the lock even the right password is refused. Only failures
 * count (one atomic increment each), so an account that logs in from several clients at once is never locked by its
 * own successes; guesses already in flight when the lock falls are bounded by the per-address rate limit. Failures
 * older than the lock window are forgotten, and a success clears the count.
 */
@Injectable()
export class LoginLockoutService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(LoginLockoutService.name);
  private stopCleanup?: () => void;

  constructor(
    @InjectRepository(LoginLockout) private readonly lockoutsTable: Repository<LoginLockout>,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  /** The table, through the transaction when one is open (Transactions.run), so a change and its audit event commit together. */
  private get lockouts(): Repository<LoginLockout> {
    return transactional(this.lockoutsTable);
  }

  /** Unknown names get rows too, so anyone can add them: they are swept, or the table would grow without bound. */
  onApplicationBootstrap(): void {
    this.stopCleanup = every(CLEANUP_INTERVAL_MS, 'cleanup', this.logger, () => this.cleanUp());
  }

  onModuleDestroy(): void {
    this.stopCleanup?.();
  }

  /**
   * Throws 429 TOO_MANY_REQUESTS while `key` is locked: checked before the password, so a lock costs no bcrypt.
   * Answers whether the key has failures on record, so that a success without any writes nothing.
   */
  async assertNotLocked(key: string, now = new Date()): Promise<boolean> {
    const current = await this.lockouts.findOneBy({ key });
    if (current?.lockedUntil && current.lockedUntil > now) throw this.locked(current.lockedUntil, now);
    return current !== null;
  }

  /** Counts a wrong password (one atomic increment); the LOGIN_MAX_FAILURES-th locks the key. True when this one did. */
  async recordFailure(key: string, now = new Date()): Promise<boolean> {
    const failures = await this.increment(key, now);
    if (failures < this.config.loginMaxFailures) return false;
    const lockedUntil = new Date(now.getTime() + this.config.loginLockSeconds * 1000);
    await this.lockouts.update({ key }, { failures: 0, lockedUntil });
    return true;
  }

  get lockSeconds(): number {
    return this.config.loginLockSeconds;
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
      // A concurrent success may have deleted the row since: then this attempt is the only one counted.
      if (updated.affected) return (await this.lockouts.findOneBy({ key }))?.failures ?? 1;
      try {
        await this.lockouts.insert({ key, failures: 1, lockedUntil: null, lastFailureAt: now });
        return 1;
      } catch (error) {
        // Another attempt inserted the row first: count on it.
        if (!(error instanceof QueryFailedError)) throw error;
      }
    }
    return (await this.lockouts.findOneBy({ key }))?.failures ?? 1;
  }

  private windowStart(now: Date): Date {
    return new Date(now.getTime() - this.config.loginLockSeconds * 1000);
  }

  private locked(until: Date, now: Date): AppException {
    const seconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
    return AppException.tooManyRequests(seconds, 'Too many failed logins; try again later');
  }
}
