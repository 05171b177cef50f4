import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { Redis } from 'ioredis';
import { MoreThan, Repository } from 'typeorm';
import { authConfig } from '../config';
import { REDIS } from '../redis/redis.module';
import { revocationHorizon, RevokedSessions } from './revoked-sessions';
import { Session } from './session.entity';

const CHANNEL = 'gatehouse:revocations';

/** Polls look back to their last success plus this, so clocks that differ a little between instances miss nothing. */
const POLL_OVERLAP_MS = 60_000;

/**
 * Keeps every instance's revoked set in step (DESIGN.md "The hot path"). The sessions table is the truth: the set is
 * loaded from it at start, and every instance reads new revocations from it every REVOCATION_POLL_SECONDS. With
 * REDIS_URL set, pub/sub brings them in milliseconds as well; polling continues underneath because a message can be
 * lost: an instance cut off from Redis cannot announce its revocations to instances that still listen.
 */
@Injectable()
export class RevocationSync implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RevocationSync.name);
  private subscriber?: Redis;
  private listening = false;
  private pollTimer?: NodeJS.Timeout;
  private polling = false;
  private polledAt = new Date();
  private closing = false;

  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    private readonly revoked: RevokedSessions,
    @Inject(REDIS) private readonly redis: Redis | null,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.polledAt = new Date();
    const loaded = await this.loadSince(revocationHorizon(this.polledAt, this.config.accessTokenTtlSeconds));
    this.logger.log(`loaded ${loaded} recent revocation(s)`);
    if (this.redis) this.subscribe(this.redis);
    this.pollTimer = setInterval(() => void this.poll(), this.config.revocationPollSeconds * 1000);
    this.pollTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.pollTimer);
    this.closing = true;
    // quit() waits for Redis to answer, forever while Redis is away: only a live connection gets a polite goodbye;
    // any other is dropped, so shutdown never hangs on Redis.
    if (this.subscriber?.status === 'ready') await this.subscriber.quit().catch(() => undefined);
    this.subscriber?.disconnect();
  }

  /** Tells the other instances at once; if the message is lost they learn it from their next poll. */
  announce(sessionIds: string[], at: Date): void {
    if (!this.redis || sessionIds.length === 0) return;
    this.redis.publish(CHANNEL, JSON.stringify({ ids: sessionIds, at: at.getTime() })).catch(() => undefined);
  }

  private subscribe(redis: Redis): void {
    // A subscribing connection can do nothing else, hence a connection of its own. It subscribes on every (re)connect
    // itself rather than through ioredis's autoResubscribe, so that it knows when the subscription holds.
    const subscriber = redis.duplicate({ autoResubscribe: false, maxRetriesPerRequest: null });
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, message: string) => this.receive(message));
    subscriber.on('ready', () => void this.listen(subscriber));
    subscriber.on('error', () => this.pause());
    subscriber.on('close', () => this.pause());
  }

  private async listen(subscriber: Redis): Promise<void> {
    try {
      await subscriber.subscribe(CHANNEL);
      // Reloaded only once subscribed: a revocation made after the reload arrives as a message, one made before (or
      // while Redis was away) is in the table, so none falls between the two.
      await this.loadSince(revocationHorizon(new Date(), this.config.accessTokenTtlSeconds));
      if (!this.listening) this.logger.log('Redis connected: revocations arrive by pub/sub');
      this.listening = true;
    } catch (error) {
      // The next 'ready' tries again; polling covers the meantime.
      this.logger.warn(`could not listen for revocations: ${(error as Error).message}`);
    }
  }

  private pause(): void {
    if (!this.listening) return;
    this.listening = false;
    if (this.closing) return;
    this.logger.warn(`Redis unavailable: revocations arrive by reading the database every ${this.config.revocationPollSeconds}s`);
  }

  private receive(message: string): void {
    try {
      const { ids, at } = JSON.parse(message) as { ids: unknown; at: unknown };
      if (!Array.isArray(ids) || typeof at !== 'number') return;
      for (const id of ids) if (typeof id === 'string') this.revoked.add(id, new Date(at));
    } catch {
      // Not ours: ignore.
    }
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    const startedAt = new Date();
    try {
      // From the last poll that succeeded, so an instance that lost the database for a while catches up in full, but
      // never from before the horizon: older revocations no longer matter.
      const horizon = revocationHorizon(startedAt, this.config.accessTokenTtlSeconds).getTime();
      await this.loadSince(new Date(Math.max(this.polledAt.getTime() - POLL_OVERLAP_MS, horizon)));
      this.polledAt = startedAt;
    } catch (error) {
      this.logger.debug(`revocation poll failed: ${(error as Error).message}`);
    } finally {
      this.polling = false;
    }
  }

  private async loadSince(since: Date): Promise<number> {
    const recent = await this.sessions.find({ select: { id: true, revokedAt: true }, where: { revokedAt: MoreThan(since) } });
    for (const session of recent) this.revoked.add(session.id, session.revokedAt!);
    return recent.length;
  }
}
