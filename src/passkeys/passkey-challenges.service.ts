import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { LessThan, Repository } from 'typeorm';
import { every } from '../common/background/background-tasks';
import { PasskeyCeremony, PasskeyChallenge } from './entities/passkey-challenge.entity';

/** How long a ceremony may take, and the `timeout` its options give the browser. */
export const PASSKEY_CHALLENGE_TTL_SECONDS = 300;
const CLEANUP_INTERVAL_MS = 10 * 60_000;

/** What a challenge was issued for, as checked when its response comes back. */
export interface IssuedFor {
  ceremony: PasskeyCeremony;
  userId: string | null;
  boundTo: string | null;
}

/**
 * WebAuthn challenges: 256 random bits each (WebAuthn L3 §13.4.3 asks at least 16 bytes), single use, for 5 minutes,
 * in the database so that the instance that checks a response need not be the one that issued its options.
 */
@Injectable()
export class PasskeyChallengesService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PasskeyChallengesService.name);
  private stopCleanup?: () => void;

  constructor(@InjectRepository(PasskeyChallenge) private readonly challenges: Repository<PasskeyChallenge>) {}

  onApplicationBootstrap(): void {
    this.stopCleanup = every(CLEANUP_INTERVAL_MS, 'cleanup', this.logger, () => this.cleanUp());
  }

  onModuleDestroy(): void {
    this.stopCleanup?.();
  }

  /** A new challenge (base64url) for this ceremony. */
  async issue(issuedFor: IssuedFor): Promise<string> {
    const challenge = randomBytes(32).toString('base64url');
    const now = new Date();
    await this.challenges.insert({
      challengeHash: hashOf(challenge),
      ...issuedFor,
      expiresAt: new Date(now.getTime() + PASSKEY_CHALLENGE_TTL_SECONDS * 1000),
      createdAt: now,
    });
    return challenge;
  }

  /**
   * Spends a challenge and says what it was issued for; undefined when it is unknown, spent or expired. A challenge is
   * spent when its response is first presented, whether that response then passes or not, so none is tried twice.
   * The DELETE decides between racing instances: one of them removes the row.
   */
  async take(challenge: string): Promise<IssuedFor | undefined> {
    const challengeHash = hashOf(challenge);
    const row = await this.challenges.findOneBy({ challengeHash });
    if (!row) return undefined;
    const taken = await this.challenges.delete({ challengeHash });
    if (!taken.affected || row.expiresAt.getTime() <= Date.now()) return undefined;
    return { ceremony: row.ceremony, userId: row.userId, boundTo: row.boundTo };
  }

  async removeAll(userId: string): Promise<void> {
    await this.challenges.delete({ userId });
  }

  async cleanUp(now = new Date()): Promise<void> {
    await this.challenges.delete({ expiresAt: LessThan(now) });
  }
}

function hashOf(challenge: string): string {
  return createHash('sha256').update(challenge).digest('hex');
}
