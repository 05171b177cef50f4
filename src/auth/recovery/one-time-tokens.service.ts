import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { IsNull, MoreThan, Repository } from 'typeorm';
import { OneTimeToken, OneTimeTokenPurpose } from './one-time-token.entity';
import { IssuedToken, OneTimeTokenTtls, SpentToken } from './one-time-tokens.types';
import { transactional } from '../../database/transactions';

/** How long a token of each purpose works, in seconds. A provider of its own so a test can shorten it. */
export const ONE_TIME_TOKEN_TTLS = Symbol('ONE_TIME_TOKEN_TTLS');
export const DEFAULT_ONE_TIME_TOKEN_TTLS: OneTimeTokenTtls = { password_reset: 30 * 60, email_verification: 24 * 3600 };

/** 256 random bits, base64url: anything else is refused without a query. */
const FORMAT = /^[A-Za-z0-9_-]{43}$/;

/** Mailed single-use tokens: only their hash is stored, a new one voids the old, and spending one is atomic. */
@Injectable()
export class OneTimeTokensService {
  constructor(
    @InjectRepository(OneTimeToken) private readonly tokensTable: Repository<OneTimeToken>,
    @Inject(ONE_TIME_TOKEN_TTLS) private readonly ttls: OneTimeTokenTtls,
  ) {}

  /** The table, through the transaction when one is open (Transactions.run), so a change and its audit event commit together. */
  private get tokens(): Repository<OneTimeToken> {
    return transactional(this.tokensTable);
  }

  /** A new token for the user, mailed to `email` (canonical); every earlier token of this purpose stops working. */
  async issue(userId: string, email: string, purpose: OneTimeTokenPurpose, now = new Date()): Promise<IssuedToken> {
    const token = randomBytes(32).toString('base64url');
    const ttlSeconds = this.ttls[purpose];
    // Deleting rather than marking keeps the table at one row per user and purpose; a deleted token is as dead.
    await this.tokens.delete({ userId, purpose });
    await this.tokens.insert({
      tokenHash: hash(token),
      purpose,
      userId,
      email,
      expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
      usedAt: null,
      createdAt: now,
    });
    return { token, ttlSeconds };
  }

  /** Whether a token would spend now (a cheap look before costly work; `spend` still decides). */
  async isLive(presented: unknown, purpose: OneTimeTokenPurpose, now = new Date()): Promise<boolean> {
    if (typeof presented !== 'string' || !FORMAT.test(presented)) return false;
    return this.tokens.existsBy({ tokenHash: hash(presented), purpose, usedAt: IsNull(), expiresAt: MoreThan(now) });
  }

  /**
   * Spends a token: one conditional UPDATE, so of concurrent uses exactly one succeeds. Unknown, malformed, used,
   * expired and other-purpose tokens all answer undefined alike.
   */
  async spend(presented: unknown, purpose: OneTimeTokenPurpose, now = new Date()): Promise<SpentToken | undefined> {
    if (typeof presented !== 'string' || !FORMAT.test(presented)) return undefined;
    const tokenHash = hash(presented);
    const result = await this.tokens.update({ tokenHash, purpose, usedAt: IsNull(), expiresAt: MoreThan(now) }, { usedAt: now });
    if (result.affected !== 1) return undefined;
    const spent = await this.tokens.findOneBy({ tokenHash });
    return spent ? { userId: spent.userId, email: spent.email } : undefined;
  }
}

function hash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
