import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { IsNull, LessThan, Repository } from 'typeorm';
import { FirstFactor, PendingLogin, PendingLogins } from '../auth/second-factors/second-factors';
import { every } from '../common/background/background-tasks';
import { AppException, ErrorCode } from '../common/errors';
import { transactional } from '../database/transactions';
import { MfaChallenge } from './entities/mfa-challenge.entity';

export const MFA_TOKEN_TTL_SECONDS = 300;
/** Codes one mfaToken may try: the 6th attempt is refused whatever the code (API.md). */
export const MFA_TOKEN_MAX_ATTEMPTS = 5;
const CLEANUP_INTERVAL_MS = 10 * 60_000;

/**
 * Logins waiting for their second factor. The `mfaToken` is 256 random bits, stored as SHA-256 only; it proves the
 * password alone, so nothing but POST /auth/mfa/verify takes it (it is not a JWT and names no session).
 */
@Injectable()
export class MfaChallengesService implements PendingLogins, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(MfaChallengesService.name);
  private stopCleanup?: () => void;

  constructor(@InjectRepository(MfaChallenge) private readonly challengesTable: Repository<MfaChallenge>) {}

  /** The table as the open transaction sees it (an MFA reset removes pending logins with its event). */
  private get challenges(): Repository<MfaChallenge> {
    return transactional(this.challengesTable);
  }

  onApplicationBootstrap(): void {
    this.stopCleanup = every(CLEANUP_INTERVAL_MS, 'cleanup', this.logger, () => this.cleanUp());
  }

  onModuleDestroy(): void {
    this.stopCleanup?.();
  }

  async start(userId: string, firstFactor: FirstFactor): Promise<PendingLogin> {
    const mfaToken = randomBytes(32).toString('base64url');
    const now = new Date();
    await this.challenges.insert({
      tokenHash: hashToken(mfaToken),
      userId,
      attempts: 0,
      firstFactor,
      expiresAt: new Date(now.getTime() + MFA_TOKEN_TTL_SECONDS * 1000),
      usedAt: null,
      createdAt: now,
    });
    return { mfaToken, expiresIn: MFA_TOKEN_TTL_SECONDS };
  }

  /**
   * Counts one attempt on a live token and names its user: one conditional UPDATE, so however many requests race,
   * a token is tried at most MFA_TOKEN_MAX_ATTEMPTS times. MFA_TOKEN_INVALID for anything else.
   */
  async attempt(mfaToken: string): Promise<{ tokenHash: string; userId: string; firstFactor: string }> {
    const tokenHash = hashToken(mfaToken);
    const counted = await this.challenges
      .createQueryBuilder()
      .update(MfaChallenge)
      .set({ attempts: () => 'attempts + 1' })
      .where('token_hash = :tokenHash AND used_at IS NULL AND attempts < :max AND expires_at > :now', {
        tokenHash,
        max: MFA_TOKEN_MAX_ATTEMPTS,
        now: new Date(),
      })
      .execute();
    const challenge = counted.affected ? await this.challenges.findOneBy({ tokenHash }) : null;
    if (!challenge) throw invalidToken();
    return { tokenHash, userId: challenge.userId, firstFactor: challenge.firstFactor };
  }

  /**
   * The user of a live token, without counting an attempt: a passkey's options are bound to the pending login they
   * finish, and fetching them tries nothing. MFA_TOKEN_INVALID for anything else.
   */
  async peek(mfaToken: string): Promise<{ tokenHash: string; userId: string }> {
    const tokenHash = hashToken(mfaToken);
    const challenge = await this.challenges.findOneBy({ tokenHash });
    const live =
      challenge && challenge.usedAt === null && challenge.attempts < MFA_TOKEN_MAX_ATTEMPTS && challenge.expiresAt.getTime() > Date.now();
    if (!live) throw invalidToken();
    return { tokenHash, userId: challenge.userId };
  }

  /** Spends the token after a right code; a concurrent success with it got there first otherwise. */
  async spend(tokenHash: string): Promise<void> {
    const spent = await this.challenges.update({ tokenHash, usedAt: IsNull() }, { usedAt: new Date() });
    if (!spent.affected) throw invalidToken();
  }

  async removeAll(userId: string): Promise<void> {
    await this.challenges.delete({ userId });
  }

  async cleanUp(now = new Date()): Promise<void> {
    await this.challenges.delete({ expiresAt: LessThan(now) });
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function invalidToken(): AppException {
  return new AppException(ErrorCode.MFA_TOKEN_INVALID);
}
