import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { Redis } from 'ioredis';
import { MoreThan, Repository } from 'typeorm';
import { authConfig } from '../../config';
import { REDIS } from '../../redis/redis.module';
import { revocationHorizon, RevokedSessions } from './revoked-sessions';
import { Session } from './session.entity';

const CHANNEL = 'gatehouse:revocations';

/** Polls look back over their own interval plus this, so clocks that differ a little between instances miss nothing. */
const POLL_OVERLAP_MS = 60_000;

/**
 * Keeps every instance's revoked set in step (DESIGN.md "The hot path"). The sessions table is the truth: the set is
 * loaded from it at start, and then kept current by Redis pub/sub when REDIS_URL is set, or by reading new
 * revocations every REVOCATION_POLL_SECONDS when it is not, or while Redis is away. A (re)connected subscriber
 * reloads from the table, so no message missed while it was away leaves a revoked token alive.
 */
@Injectable()
export class RevocationSync implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RevocationSync.name);
  private subscriber?: Redis;
  private listening = false;
  private pollTimer?: NodeJS.Timeout;
  private closing = false;

  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    private readonly revoked: RevokedSessions,
    @Inject(REDIS) private readonly redis: Redis | null,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const loaded = await this.loadSince(revocationHorizon(new Date(), this.config.accessTokenTtlSeconds));
    this.logger.log(`loaded ${loaded} recent revocation(s)`);
    if (this.redis) this.subscribe(this.redis);
    const intervalMs = this.config.revocationPollSeconds * 1000;
    this.pollTimer = setInterval(() => void this.poll(intervalMs), intervalMs);
    this.pollTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.pollTimer);
    this.closing = true;
    // quit() waits for Redis to answer, forever while Redis is away (the subscriber queues commands): only a live
    // connection gets a polite goodbye; any other is dropped, so shutdown never hangs on Redis.
    if (this.subscriber?.status === 'ready') await this.subscriber.quit().catch(() => undefined);
    this.subscriber?.disconnect();
  }

  /** Tells the other instances at once; if Redis is away they learn it from their next poll. */
  announce(sessionIds: string[], at: Date): void {
    if (!this.redis || sessionIds.length === 0) return;
    this.redis.publish(CHANNEL, JSON.stringify({ ids: sessionIds, at: at.getTime() })).catch(() => undefined);
  }

  private subscribe(redis: Redis): void {
    // A subscribing connection can do nothing else, hence a connection of its own; it queues the SUBSCRIBE until
    // connected and re-subscribes by itself after every reconnect.
    const subscriber = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, message: string) => this.receive(message));
    subscriber.on('ready', () => void this.resume());
    subscriber.on('error', () => this.pause());
    subscriber.on('close', () => this.pause());
    subscriber.subscribe(CHANNEL).catch(() => undefined);
  }

  private async resume(): Promise<void> {
    const wasAway = this.subscriber !== undefined && !this.listening;
    try {
      await this.loadSince(revocationHorizon(new Date(), this.config.accessTokenTtlSeconds));
      this.listening = true;
      if (wasAway) this.logger.log('Redis connected: revocations arrive by pub/sub');
    } catch (error) {
      this.logger.warn(`could not reload revocations: ${(error as Error).message}`);
    }
  }

  private pause(): void {
    if (!this.listening) return;
    this.listening = false;
    if (this.closing) return;
    this.logger.warn(`Redis unavailable: reading revocations from the database every ${this.config.revocationPollSeconds}s`);
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

  private async poll(intervalMs: number): Promise<void> {
    if (this.listening) return;
    try {
      await this.loadSince(new Date(Date.now() - intervalMs - POLL_OVERLAP_MS));
    } catch (error) {
      this.logger.debug(`revocation poll failed: ${(error as Error).message}`);
    }
  }

  private async loadSince(since: Date): Promise<number> {
    const recent = await this.sessions.find({ select: { id: true, revokedAt: true }, where: { revokedAt: MoreThan(since) } });
    for (const session of recent) this.revoked.add(session.id, session.revokedAt!);
    return recent.length;
  }
}
