import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { FindOptionsWhere, In, IsNull, LessThan, MoreThan, Not, Repository } from 'typeorm';
import { every } from '../common/background/background-tasks';
import { AppException, ErrorCode, TokenException } from '../common/errors';
import { authConfig } from '../config';
import { MetricsService } from '../metrics/metrics.service';
import { hashRefreshToken, newRefreshToken, sessionIdOf } from './refresh-token';
import { openSuccessor, sealSuccessor } from './refresh-successor';
import { RevocationSync } from './revocation-sync.service';
import { revocationHorizon, RevokedSessions } from './revoked-sessions';
import { Session } from './session.entity';
import { ClientInfo, IssuedSession, SessionAuthentication, SessionSubject } from './session.types';
import { SessionResponseDto, toSessionResponse } from './session-response.dto';
import { TableSql } from '../database/table-sql';
import { transactional, Transactions } from '../database/transactions';
import { AuditService } from '../audit/audit.service';

const CLEANUP_INTERVAL_MS = 10 * 60_000;

/**
 * Sessions and their refresh tokens: creation at login, single-use rotation with reuse detection
 * (RFC 9700 §4.14.2), and every revocation, which it records durably and in the in-memory revoked set.
 */
@Injectable()
export class SessionsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SessionsService.name);
  private stopCleanup?: () => void;
  /** The rotation's UPDATE, written once (swapRefreshToken). */
  private readonly rotation: RotationStatement;

  constructor(
    @InjectRepository(Session) private readonly sessionsTable: Repository<Session>,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
    private readonly revoked: RevokedSessions,
    private readonly metrics: MetricsService,
    private readonly sync: RevocationSync,
    private readonly transactions: Transactions,
    private readonly audit: AuditService,
  ) {
    this.rotation = rotationStatement(new TableSql(sessionsTable));
  }

  /** The table, through the transaction when one is open (Transactions.run), so a change and its audit event commit together. */
  private get sessions(): Repository<Session> {
    return transactional(this.sessionsTable);
  }

  onApplicationBootstrap(): void {
    this.metrics.gauge('gatehouse_active_sessions', 'Sessions neither revoked nor expired', () =>
      this.sessions.countBy({ revokedAt: IsNull(), expiresAt: MoreThan(new Date()) }),
    );
    this.stopCleanup = every(CLEANUP_INTERVAL_MS, 'cleanup', this.logger, () => this.cleanUp());
  }

  onModuleDestroy(): void {
    this.stopCleanup?.();
  }

  isRevoked(sessionId: string): boolean {
    return this.revoked.has(sessionId);
  }

  async create(user: SessionUser, client: ClientInfo, authentication: SessionAuthentication): Promise<IssuedSession> {
    const now = new Date();
    const sessionId = randomUUID();
    const refreshToken = newRefreshToken(sessionId);
    const userId = user.id;
    const subject = { username: user.username, roles: [...user.roles] };
    await this.sessions.insert({
      id: sessionId,
      userId,
      ...subject,
      refreshTokenHash: hashRefreshToken(refreshToken),
      userAgent: clip(client.userAgent, 512),
      ip: clip(client.ip, 64),
      createdAt: now,
      lastUsedAt: now,
      expiresAt: this.refreshExpiry(now),
      revokedAt: null,
      authTime: authentication.authTime,
      amr: authentication.amr.join(' '),
      secondFactor: authentication.secondFactor ?? null,
    });
    return { sessionId, userId, subject, refreshToken, refreshExpiresIn: this.config.refreshTokenTtlSeconds, authentication };
  }

  /**
   * Spends a refresh token and issues its successor in the same session. The swap is one conditional UPDATE,
   * so of two concurrent calls with one token exactly one wins. Within the grace window (REFRESH_REUSE_GRACE_SECONDS)
   * the losers, and any caller that shows the token spent last, get that same successor, opened from its sealed copy
   * (API.md "Concurrent refreshes"). Any other token that names a live session has been spent before (or forged by
   * someone who knows the session): either way the session ends.
   */
  async rotate(presented: unknown, client: ClientInfo): Promise<IssuedSession> {
    const sessionId = sessionIdOf(presented);
    if (!sessionId) throw invalidRefreshToken();
    const spent = presented as string;
    const spentHash = hashRefreshToken(spent);
    const now = new Date();
    const refreshToken = newRefreshToken(sessionId);
    const graceOn = this.config.refreshReuseGraceSeconds > 0;
    const rotated = await this.swapRefreshToken({
      sessionId,
      spentHash,
      now,
      refreshTokenHash: hashRefreshToken(refreshToken),
      sealedSuccessor: graceOn ? sealSuccessor(spent, sessionId, refreshToken) : null,
      expiresAt: this.refreshExpiry(now),
      userAgent: client.userAgent === undefined ? null : clip(client.userAgent, 512),
      ip: client.ip === undefined ? null : clip(client.ip, 64),
    });
    if (rotated) {
      if (rotated.userId) {
        const refreshExpiresIn = this.config.refreshTokenTtlSeconds;
        return {
          sessionId,
          userId: rotated.userId,
          ...subjectOf(rotated),
          refreshToken,
          refreshExpiresIn,
          authentication: authenticationOf(rotated),
        };
      }
      throw invalidRefreshToken();
    }
    const session = await this.sessions.findOneBy({ id: sessionId });
    if (!session || session.revokedAt || session.expiresAt <= now) throw invalidRefreshToken();
    const successor = this.graceSuccessor(session, spent, spentHash, now);
    if (successor === 'superseded') throw invalidRefreshToken();
    if (successor) return successor;
    await this.transactions.run(async () => {
      await this.revoke(sessionId);
      await this.audit.record({ type: 'refresh.reused', userId: session.userId, outcome: 'failure', details: { sessionId } }, client);
    });
    this.logger.warn(`refresh token reuse: session ${sessionId} revoked`);
    throw new AppException(ErrorCode.REFRESH_TOKEN_REUSED);
  }

  /**
   * The successor of `spent` when it is the token spent last and that was within the grace window; 'superseded' when
   * a step-up replaced it then without the token at hand to seal its successor under (not reuse, but nothing to give).
   */
  private graceSuccessor(session: Session, spent: string, spentHash: string, now: Date): IssuedSession | 'superseded' | undefined {
    const graceMs = this.config.refreshReuseGraceSeconds * 1000;
    const { previousRefreshTokenHash, rotatedAt, sealedSuccessor, userId } = session;
    if (graceMs === 0 || !userId || !rotatedAt || now.getTime() - rotatedAt.getTime() > graceMs) return undefined;
    if (previousRefreshTokenHash !== spentHash) return undefined;
    if (!sealedSuccessor) return 'superseded';
    const successor = openSuccessor(spent, session.id, sealedSuccessor);
    // Still the session's current token: the chain has not moved on since.
    if (!successor || hashRefreshToken(successor) !== session.refreshTokenHash) return undefined;
    const refreshExpiresIn = Math.max(0, Math.floor((session.expiresAt.getTime() - now.getTime()) / 1000));
    return {
      sessionId: session.id,
      userId,
      ...subjectOf(session),
      refreshToken: successor,
      refreshExpiresIn,
      authentication: authenticationOf(session),
    };
  }

  /**
   * Step-up (RFC 9470): records the session's new authentication and rotates its refresh token as a refresh does, so
   * the session keeps a single chain (two live refresh tokens would blind reuse detection). The token this replaces
   * then answers like one a refresh spent: within the grace window with the same successor when it was at hand to
   * seal it under (`current`, the refresh cookie), otherwise REFRESH_TOKEN_INVALID without ending the session; later,
   * as reuse. Access tokens already issued stay valid until they expire.
   */
  async reauthenticate(sessionId: string, authentication: SessionAuthentication, current?: string): Promise<IssuedSession> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = new Date();
      const session = await this.sessions.findOneBy({ id: sessionId });
      if (!session?.userId || session.revokedAt || session.expiresAt <= now) {
        throw new TokenException(ErrorCode.TOKEN_REVOKED, 'The session of this token has ended');
      }
      const refreshToken = newRefreshToken(sessionId);
      const sealable =
        this.config.refreshReuseGraceSeconds > 0 && current !== undefined && hashRefreshToken(current) === session.refreshTokenHash;
      // Conditional on the chain not having moved since the read: a concurrent refresh wins, and this tries again.
      const result = await this.sessions.update(
        { id: sessionId, refreshTokenHash: session.refreshTokenHash, revokedAt: IsNull() },
        {
          refreshTokenHash: hashRefreshToken(refreshToken),
          previousRefreshTokenHash: session.refreshTokenHash,
          rotatedAt: now,
          sealedSuccessor: sealable ? sealSuccessor(current, sessionId, refreshToken) : null,
          lastUsedAt: now,
          expiresAt: this.refreshExpiry(now),
          authTime: authentication.authTime,
          amr: authentication.amr.join(' '),
          ...(authentication.secondFactor !== undefined && { secondFactor: authentication.secondFactor }),
        },
      );
      if (result.affected === 1) {
        return { sessionId, userId: session.userId, refreshToken, refreshExpiresIn: this.config.refreshTokenTtlSeconds, authentication };
      }
    }
    throw new AppException(ErrorCode.SERVICE_UNAVAILABLE, 'The session is busy; try again');
  }

  /**
   * The conditional UPDATE of a rotation, returning what a refresh then needs of the row (undefined when no row
   * matched): one statement on both databases, where a SELECT after it costs a round trip on PostgreSQL and TypeORM's
   * building and hydrating of it on SQLite (docs/performance.md). Written by hand, once (rotationStatement): TypeORM's
   * query builder cost more per refresh than the database's run of the statement, and its SQLite driver has no RETURNING.
   */
  private async swapRefreshToken(swap: RotationSwap): Promise<RotatedSession | undefined> {
    const rows = await this.rotation.run(this.sessions, swap);
    return rows.length === 1 ? rows[0] : undefined;
  }

  /** Records that the user of this session gained or lost their second factor (their other sessions have ended). */
  async setSecondFactor(sessionId: string, secondFactor: boolean): Promise<void> {
    await this.sessions.update({ id: sessionId }, { secondFactor });
  }

  /** The live session whose current refresh token this is (a page that reloaded after its access cookie expired). */
  async sessionOfRefreshToken(presented: string): Promise<string | undefined> {
    const sessionId = sessionIdOf(presented);
    if (!sessionId) return undefined;
    const session = await this.sessions.findOneBy({ id: sessionId, refreshTokenHash: hashRefreshToken(presented) });
    return session && !session.revokedAt && session.expiresAt > new Date() ? session.id : undefined;
  }

  async revoke(sessionId: string): Promise<void> {
    await this.revokeWhere({ id: sessionId });
  }

  /** Ends one of the user's own sessions; someone else's session is answered as if it did not exist. */
  async revokeOwn(userId: string, sessionId: string, client: ClientInfo): Promise<void> {
    await this.transactions.run(async () => {
      const ended = await this.revokeWhere({ id: sessionId, userId });
      if (ended === 0) throw new AppException(ErrorCode.SESSION_NOT_FOUND);
      await this.audit.record({ type: 'session.revoked', userId, actorId: userId, details: { sessionId } }, client);
    });
  }

  /**
   * Ends every live session of a user, but `keep`. The single path for logout-all, password changes and the admin
   * actions that must end sessions (role change, disabling, deletion).
   */
  async revokeAllForUser(userId: string, keep?: string): Promise<void> {
    await this.revokeWhere({ userId, ...(keep && { id: Not(keep) }) });
  }

  async listForUser(userId: string, currentSessionId: string): Promise<SessionResponseDto[]> {
    const sessions = await this.sessions.find({
      where: { userId, revokedAt: IsNull(), expiresAt: MoreThan(new Date()) },
      order: { lastUsedAt: 'DESC' },
    });
    return sessions.map((s) => toSessionResponse(s, currentSessionId));
  }

  /** Deletes sessions that can no longer matter and forgets revocations older than any live access token. */
  async cleanUp(now = new Date()): Promise<void> {
    const cutoff = this.revocationHorizon(now);
    await this.sessions.delete({ expiresAt: LessThan(cutoff) });
    await this.sessions.delete({ revokedAt: LessThan(cutoff) });
    this.revoked.prune(cutoff);
  }

  private async revokeWhere(where: FindOptionsWhere<Session>): Promise<number> {
    const live = await this.sessions.find({ select: { id: true }, where: { ...where, revokedAt: IsNull() } });
    if (live.length === 0) return 0;
    const now = new Date();
    const ids = live.map((s) => s.id);
    // Memory and the other instances first: the refusal must not wait for the write, and a failed write leaves
    // them stricter, not looser (the client gets a 503 and can retry; the table stays the truth).
    for (const id of ids) this.revoked.add(id, now);
    this.sync.announce(ids, now);
    await this.sessions.update({ id: In(ids), revokedAt: IsNull() }, { revokedAt: now });
    return ids.length;
  }

  private revocationHorizon(now: Date): Date {
    return revocationHorizon(now, this.config.accessTokenTtlSeconds);
  }

  private refreshExpiry(now: Date): Date {
    return new Date(now.getTime() + this.config.refreshTokenTtlSeconds * 1000);
  }
}

/** What a refresh reads of its session after the swap. */
const ROTATED_FIELDS = ['userId', 'username', 'roles', 'authTime', 'amr', 'secondFactor', 'createdAt'] as const;
type RotatedSession = Pick<Session, (typeof ROTATED_FIELDS)[number]>;

/** The user a session opens for: kept on it (Session.username and .roles). */
type SessionUser = { id: string } & SessionSubject;

/** What a rotation writes: the spent token's hash is the condition, and becomes the previous one. */
interface RotationSwap {
  sessionId: string;
  spentHash: string;
  now: Date;
  refreshTokenHash: string;
  sealedSuccessor: string | null;
  expiresAt: Date;
  /** Null keeps the stored value (a request that did not say). */
  userAgent: string | null;
  ip: string | null;
}

interface RotationStatement {
  run(sessions: Repository<Session>, swap: RotationSwap): Promise<RotatedSession[]>;
}

/** The swap of the current refresh token's hash, if it is still the one spent and the session is live. */
function rotationStatement(sql: TableSql<Session>): RotationStatement {
  const c = (field: keyof Session) => sql.column(field);
  const p = (index: number) => sql.parameter(index);
  const returned = sql.reader(ROTATED_FIELDS);
  const text =
    `UPDATE ${sql.table} SET ${c('refreshTokenHash')} = ${p(0)}, ${c('previousRefreshTokenHash')} = ${p(1)}, ` +
    `${c('rotatedAt')} = ${p(2)}, ${c('sealedSuccessor')} = ${p(3)}, ${c('lastUsedAt')} = ${p(4)}, ${c('expiresAt')} = ${p(5)}, ` +
    `${c('userAgent')} = COALESCE(${p(6)}, ${c('userAgent')}), ${c('ip')} = COALESCE(${p(7)}, ${c('ip')}) ` +
    `WHERE ${c('id')} = ${p(8)} AND ${c('refreshTokenHash')} = ${p(9)} AND ${c('revokedAt')} IS NULL AND ${c('expiresAt')} > ${p(10)} ` +
    `RETURNING ${returned.columns}`;
  return {
    async run(sessions, swap) {
      const now = sql.value('rotatedAt', swap.now);
      const result: unknown = await sessions.query(text, [
        swap.refreshTokenHash,
        swap.spentHash,
        now,
        swap.sealedSuccessor,
        now,
        sql.value('expiresAt', swap.expiresAt),
        swap.userAgent,
        swap.ip,
        swap.sessionId,
        swap.spentHash,
        now,
      ]);
      return sql.rowsOf(result, 'update').map((row) => returned.read(row));
    },
  };
}

/** The user a session opened for, when it was recorded (sessions opened before were not). */
function subjectOf(session: Pick<Session, 'username' | 'roles'>): { subject?: SessionSubject } {
  return session.username !== null && session.roles !== null ? { subject: { username: session.username, roles: session.roles } } : {};
}

/** Sessions opened before authentications were recorded count as a password login at their creation. */
function authenticationOf(session: RotatedSession): SessionAuthentication {
  return {
    amr: session.amr ? session.amr.split(' ') : ['pwd'],
    authTime: session.authTime ?? session.createdAt,
    ...(session.secondFactor !== null && { secondFactor: session.secondFactor }),
  };
}

function invalidRefreshToken(): AppException {
  return new AppException(ErrorCode.REFRESH_TOKEN_INVALID);
}

function clip(value: string | undefined, max: number): string | null {
  return value ? value.slice(0, max) : null;
}
