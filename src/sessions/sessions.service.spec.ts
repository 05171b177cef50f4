import { jest } from '@jest/globals';
import { MetricsService } from '../metrics/metrics.service';
import { RevocationSync } from './revocation-sync.service';
import { ConfigType } from '@nestjs/config';
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, FindOperator, Repository } from 'typeorm';
import { AppException, ErrorCode } from '../common/errors';
import { authConfig } from '../config';
import { dataSourceOptions } from '../database/data-source-options';
import { hashRefreshToken } from './refresh-token';
import { openSuccessor } from './refresh-successor';
import { RevokedSessions } from './revoked-sessions';
import { Session } from './session.entity';
import { SessionsService } from './sessions.service';
import { AuditRecord } from '../audit/audit-event';
import { AuditService } from '../audit/audit.service';
import { Transactions } from '../database/transactions';
import { UserRole } from '../users/user-role';

const ACCESS_TTL = 900;
const REFRESH_TTL = 7 * 86_400;
/** Without the grace window unless a test says otherwise: the plain single-use rules. */
const config = { accessTokenTtlSeconds: ACCESS_TTL, refreshTokenTtlSeconds: REFRESH_TTL, refreshReuseGraceSeconds: 0 } as ConfigType<
  typeof authConfig
>;
const GRACE_SECONDS = 10;
const HOUR_MS = 3_600_000;
/** How the sessions of these specs were authenticated: a password, now. */
const byPassword = () => ({ amr: ['pwd'], authTime: new Date() });

const alice = randomUUID();
const aliceUser = { id: alice, username: 'alice', roles: [UserRole.User] };
const bob = randomUUID();
const client = { userAgent: 'jest', ip: '127.0.0.1' };

async function rejectionOf(promise: Promise<unknown>): Promise<AppException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof AppException) return error;
  throw new Error(`expected an AppException, got ${String(error)}`);
}

/** No other instances in these specs: announcing a revocation goes nowhere. */
const noSync = { announce: () => undefined } as unknown as RevocationSync;

/** The audit trail, as a list of what was recorded. */
const recorded: AuditRecord[] = [];
const audit = {
  record: (event: AuditRecord) => {
    recorded.push(event);
    return Promise.resolve();
  },
} as unknown as AuditService;

describe('SessionsService', () => {
  let dataSource: DataSource;
  let rows: Repository<Session>;
  let service: SessionsService;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    dataSource = await new DataSource(dataSourceOptions('sqlite::memory:')).initialize();
    await dataSource.runMigrations();
    rows = dataSource.getRepository(Session);
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  beforeEach(async () => {
    await rows.clear();
    service = new SessionsService(rows, config, new RevokedSessions(), new MetricsService(), noSync, new Transactions(dataSource), audit);
  });

  describe('create', () => {
    it('issues `<session id>.<256 bits base64url>` and stores only its hash', async () => {
      const issued = await service.create(aliceUser, client, byPassword());

      expect(issued.refreshToken).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.[A-Za-z0-9_-]{43}$/);
      expect(issued).toMatchObject({ userId: alice, refreshExpiresIn: REFRESH_TTL });
      expect(issued.refreshToken.startsWith(`${issued.sessionId}.`)).toBe(true);
      const row = await rows.findOneByOrFail({ id: issued.sessionId });
      expect(row).toMatchObject({
        userId: alice,
        refreshTokenHash: hashRefreshToken(issued.refreshToken),
        userAgent: 'jest',
        ip: '127.0.0.1',
        revokedAt: null,
      });
      expect(JSON.stringify(row)).not.toContain(issued.refreshToken.split('.')[1]);
    });

    it('sets the expiry one refresh TTL ahead', async () => {
      const before = Date.now();
      const { sessionId } = await service.create(aliceUser, {}, byPassword());

      const { expiresAt } = await rows.findOneByOrFail({ id: sessionId });
      expect(expiresAt.getTime()).toBeGreaterThanOrEqual(before + REFRESH_TTL * 1000 - 1000);
      expect(expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + REFRESH_TTL * 1000);
    });
  });

  describe('rotate', () => {
    it('answers the user the session recorded as it opened, and no user for a session opened before that was recorded', async () => {
      const first = await service.create(aliceUser, client, byPassword());
      expect(first.subject).toEqual({ username: 'alice', roles: [UserRole.User] });
      expect(await rows.findOneByOrFail({ id: first.sessionId })).toMatchObject({ username: 'alice', roles: [UserRole.User] });
      expect((await service.rotate(first.refreshToken, client)).subject).toEqual({ username: 'alice', roles: [UserRole.User] });

      const older = await service.create(aliceUser, client, byPassword());
      await rows.update({ id: older.sessionId }, { username: null, roles: null });
      const rotated = await service.rotate(older.refreshToken, client);
      expect(rotated).toMatchObject({ sessionId: older.sessionId, userId: alice });
      expect(rotated.subject).toBeUndefined();
    });

    it('spends the token and issues a new one in the same session', async () => {
      const first = await service.create(aliceUser, client, byPassword());

      const second = await service.rotate(first.refreshToken, { userAgent: 'jest/2' });

      expect(second).toMatchObject({ sessionId: first.sessionId, userId: alice, refreshExpiresIn: REFRESH_TTL });
      expect(second.refreshToken).not.toBe(first.refreshToken);
      expect(await rows.findOneByOrFail({ id: first.sessionId })).toMatchObject({
        refreshTokenHash: hashRefreshToken(second.refreshToken),
        userAgent: 'jest/2',
        ip: '127.0.0.1',
      });
    });

    it('treats a spent token as reuse: REFRESH_TOKEN_REUSED, and the session ends', async () => {
      const first = await service.create(aliceUser, client, byPassword());
      const second = await service.rotate(first.refreshToken, client);

      const error = await rejectionOf(service.rotate(first.refreshToken, client));

      expect([error.code, error.status]).toEqual([ErrorCode.REFRESH_TOKEN_REUSED, 401]);
      expect(service.isRevoked(first.sessionId)).toBe(true);
      expect((await rows.findOneByOrFail({ id: first.sessionId })).revokedAt).toBeInstanceOf(Date);
      expect((await rejectionOf(service.rotate(second.refreshToken, client))).code).toBe(ErrorCode.REFRESH_TOKEN_INVALID);
    });

    it('lets exactly one of two concurrent rotations with one token win', async () => {
      const { refreshToken } = await service.create(aliceUser, client, byPassword());

      const outcomes = await Promise.allSettled([service.rotate(refreshToken, client), service.rotate(refreshToken, client)]);

      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    });

    it.each([
      ['a number', 42],
      ['an empty string', ''],
      ['a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln'],
      ['a token with a short secret', `${randomUUID()}.abc`],
      ['an uppercase session id', `${randomUUID().toUpperCase()}.${'a'.repeat(43)}`],
    ])('refuses %s as REFRESH_TOKEN_INVALID', async (_, token: unknown) => {
      const error = await rejectionOf(service.rotate(token, client));

      expect([error.code, error.status]).toEqual([ErrorCode.REFRESH_TOKEN_INVALID, 401]);
    });

    it('refuses a well-formed token of an unknown session as REFRESH_TOKEN_INVALID', async () => {
      expect((await rejectionOf(service.rotate(`${randomUUID()}.${'a'.repeat(43)}`, client))).code).toBe(ErrorCode.REFRESH_TOKEN_INVALID);
    });

    it('refuses the current token of an expired session as REFRESH_TOKEN_INVALID without revoking it', async () => {
      const { sessionId, refreshToken } = await service.create(aliceUser, client, byPassword());
      await rows.update({ id: sessionId }, { expiresAt: new Date(Date.now() - 1000) });

      expect((await rejectionOf(service.rotate(refreshToken, client))).code).toBe(ErrorCode.REFRESH_TOKEN_INVALID);
      expect(service.isRevoked(sessionId)).toBe(false);
    });

    it('refuses the token of a revoked session as REFRESH_TOKEN_INVALID', async () => {
      const { sessionId, refreshToken } = await service.create(aliceUser, client, byPassword());
      await service.revoke(sessionId);

      expect((await rejectionOf(service.rotate(refreshToken, client))).code).toBe(ErrorCode.REFRESH_TOKEN_INVALID);
    });

    it('refuses the token of a session whose user is gone as REFRESH_TOKEN_INVALID', async () => {
      const { sessionId, refreshToken } = await service.create(aliceUser, client, byPassword());
      await rows.update({ id: sessionId }, { userId: null });

      expect((await rejectionOf(service.rotate(refreshToken, client))).code).toBe(ErrorCode.REFRESH_TOKEN_INVALID);
    });
  });

  describe('rotate within the grace window (REFRESH_REUSE_GRACE_SECONDS)', () => {
    let graceful: SessionsService;
    beforeEach(() => {
      graceful = new SessionsService(
        rows,
        { ...config, refreshReuseGraceSeconds: GRACE_SECONDS },
        new RevokedSessions(),
        new MetricsService(),
        noSync,
        new Transactions(dataSource),
        audit,
      );
    });

    it('answers the token spent last with the same successor, and the session lives', async () => {
      const first = await graceful.create(aliceUser, client, byPassword());
      const second = await graceful.rotate(first.refreshToken, client);

      const again = await graceful.rotate(first.refreshToken, client);

      expect(again).toMatchObject({ sessionId: first.sessionId, userId: alice, refreshToken: second.refreshToken });
      expect(again.refreshExpiresIn).toBeGreaterThan(REFRESH_TTL - 5);
      expect(graceful.isRevoked(first.sessionId)).toBe(false);
      const third = await graceful.rotate(second.refreshToken, client);
      expect(third.refreshToken).not.toBe(second.refreshToken);
    });

    it('gives every one of 8 concurrent rotations with one token the one successor, written once', async () => {
      const first = await graceful.create(aliceUser, client, byPassword());

      const issued = await Promise.all(Array.from({ length: 8 }, () => graceful.rotate(first.refreshToken, client)));

      expect(new Set(issued.map((i) => i.refreshToken)).size).toBe(1);
      expect(await rows.findOneByOrFail({ id: first.sessionId })).toMatchObject({
        refreshTokenHash: hashRefreshToken(issued[0].refreshToken),
        previousRefreshTokenHash: hashRefreshToken(first.refreshToken),
      });
    });

    it('treats the token spent last as reuse once the window has passed', async () => {
      const first = await graceful.create(aliceUser, client, byPassword());
      await graceful.rotate(first.refreshToken, client);
      await rows.update({ id: first.sessionId }, { rotatedAt: new Date(Date.now() - (GRACE_SECONDS + 1) * 1000) });

      expect((await rejectionOf(graceful.rotate(first.refreshToken, client))).code).toBe(ErrorCode.REFRESH_TOKEN_REUSED);
      expect(graceful.isRevoked(first.sessionId)).toBe(true);
    });

    it('treats any older token of the chain as reuse, even within the window', async () => {
      const first = await graceful.create(aliceUser, client, byPassword());
      const second = await graceful.rotate(first.refreshToken, client);
      await graceful.rotate(second.refreshToken, client);

      expect((await rejectionOf(graceful.rotate(first.refreshToken, client))).code).toBe(ErrorCode.REFRESH_TOKEN_REUSED);
      expect(graceful.isRevoked(first.sessionId)).toBe(true);
    });

    it('treats a made-up token of the session as reuse, not as the spent one', async () => {
      const first = await graceful.create(aliceUser, client, byPassword());
      await graceful.rotate(first.refreshToken, client);

      const forged = `${first.sessionId}.${'A'.repeat(43)}`;
      expect((await rejectionOf(graceful.rotate(forged, client))).code).toBe(ErrorCode.REFRESH_TOKEN_REUSED);
    });

    it('keeps the successor out of reach of whoever has only the database', async () => {
      const first = await graceful.create(aliceUser, client, byPassword());
      const second = await graceful.rotate(first.refreshToken, client);

      const row = await rows.findOneByOrFail({ id: first.sessionId });
      const stored = JSON.stringify(row);
      expect(stored).not.toContain(second.refreshToken.split('.')[1]);
      expect(stored).not.toContain(first.refreshToken.split('.')[1]);
      expect(row.sealedSuccessor).toMatch(/^v1\./);
      // The stored hash of the spent token is no key to it.
      expect(openSuccessor(row.previousRefreshTokenHash!, first.sessionId, row.sealedSuccessor!)).toBeUndefined();
      expect(openSuccessor(first.refreshToken, first.sessionId, row.sealedSuccessor!)).toBe(second.refreshToken);
    });

    it('stores no successor when the window is off', async () => {
      const first = await service.create(aliceUser, client, byPassword());
      await service.rotate(first.refreshToken, client);

      expect((await rows.findOneByOrFail({ id: first.sessionId })).sealedSuccessor).toBeNull();
    });
  });

  describe('revocation', () => {
    it("answers another user's session as SESSION_NOT_FOUND and leaves it live", async () => {
      const { sessionId } = await service.create({ id: bob, username: 'bob', roles: [UserRole.User] }, client, byPassword());

      const error = await rejectionOf(service.revokeOwn(alice, sessionId, client));

      expect([error.code, error.status]).toEqual([ErrorCode.SESSION_NOT_FOUND, 404]);
      expect(service.isRevoked(sessionId)).toBe(false);
    });

    it('ends one of the caller’s own sessions, and a second time is SESSION_NOT_FOUND', async () => {
      const { sessionId } = await service.create(aliceUser, client, byPassword());

      recorded.length = 0;
      await service.revokeOwn(alice, sessionId, client);

      expect(service.isRevoked(sessionId)).toBe(true);
      expect(recorded).toEqual([{ type: 'session.revoked', userId: alice, actorId: alice, details: { sessionId } }]);
      expect((await rejectionOf(service.revokeOwn(alice, sessionId, client))).code).toBe(ErrorCode.SESSION_NOT_FOUND);
    });

    it('ends every session of a user but the one kept, and no one else’s', async () => {
      const kept = await service.create(aliceUser, client, byPassword());
      const others = [await service.create(aliceUser, client, byPassword()), await service.create(aliceUser, client, byPassword())];
      const bobs = await service.create({ id: bob, username: 'bob', roles: [UserRole.User] }, client, byPassword());

      await service.revokeAllForUser(alice, kept.sessionId);

      expect(others.map((s) => service.isRevoked(s.sessionId))).toEqual([true, true]);
      expect([service.isRevoked(kept.sessionId), service.isRevoked(bobs.sessionId)]).toEqual([false, false]);
      expect((await service.listForUser(alice, kept.sessionId)).map((s) => [s.id, s.current])).toEqual([[kept.sessionId, true]]);
    });

    it('ends every session of a user when none is kept', async () => {
      const sessions = [await service.create(aliceUser, client, byPassword()), await service.create(aliceUser, client, byPassword())];

      await service.revokeAllForUser(alice);

      expect(sessions.map((s) => service.isRevoked(s.sessionId))).toEqual([true, true]);
      expect(await service.listForUser(alice, sessions[0].sessionId)).toEqual([]);
    });
  });

  describe('cleanUp', () => {
    it('deletes long-expired sessions and keeps live ones', async () => {
      const live = await service.create(aliceUser, client, byPassword());
      const stale = await service.create(aliceUser, client, byPassword());
      await rows.update({ id: stale.sessionId }, { expiresAt: new Date(Date.now() - 24 * HOUR_MS) });

      await service.cleanUp();

      expect((await rows.find()).map((s) => s.id)).toEqual([live.sessionId]);
    });

    it('forgets revocations older than any access token, and keeps recent ones', async () => {
      const old = await service.create(aliceUser, client, byPassword());
      const recent = await service.create(aliceUser, client, byPassword());
      await service.revoke(old.sessionId);
      await service.revoke(recent.sessionId);
      await rows.update({ id: old.sessionId }, { revokedAt: new Date(Date.now() - 2 * HOUR_MS) });
      // The in-memory set must see the same age as the row.
      const revoked = new RevokedSessions();
      revoked.add(old.sessionId, new Date(Date.now() - 2 * HOUR_MS));
      revoked.add(recent.sessionId);
      const cleaner = new SessionsService(rows, config, revoked, new MetricsService(), noSync, new Transactions(dataSource), audit);

      await cleaner.cleanUp();

      expect([cleaner.isRevoked(old.sessionId), cleaner.isRevoked(recent.sessionId)]).toEqual([false, true]);
      expect((await rows.find()).map((s) => s.id)).toEqual([recent.sessionId]);
    });
  });

  describe('RevocationSync at start', () => {
    it('loads the recent revocations into a fresh instance', async () => {
      const recent = await service.create(aliceUser, client, byPassword());
      const old = await service.create(aliceUser, client, byPassword());
      const live = await service.create(aliceUser, client, byPassword());
      await service.revokeAllForUser(alice, live.sessionId);
      await rows.update({ id: old.sessionId }, { revokedAt: new Date(Date.now() - 2 * HOUR_MS) });

      const revoked = new RevokedSessions();
      const sync = new RevocationSync(rows, revoked, null, config);
      await sync.onApplicationBootstrap();
      await sync.onApplicationShutdown();

      expect([revoked.has(recent.sessionId), revoked.has(old.sessionId), revoked.has(live.sessionId)]).toEqual([true, false, false]);
    });

    it('polls from its last good read, so what was revoked while the database was out of reach is still found', async () => {
      // The sessions table is stubbed: Jest's fake Date is not the Date TypeORM's SQLite driver hydrates columns with.
      let reachable = true;
      const asked: number[] = [];
      const table = {
        find: (options: { where: { revokedAt: FindOperator<Date> } }) => {
          if (!reachable) return Promise.reject(new Error('connection refused'));
          asked.push(options.where.revokedAt.value.getTime());
          return Promise.resolve([]);
        },
      } as unknown as Repository<Session>;
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
      const sync = new RevocationSync(table, new RevokedSessions(), null, { ...config, revocationPollSeconds: 5 });
      try {
        await sync.onApplicationBootstrap();
        const lastGoodRead = Date.now();
        reachable = false;
        await jest.advanceTimersByTimeAsync(5 * 60_000);
        reachable = true;
        asked.length = 0;

        await jest.advanceTimersByTimeAsync(5_000);
        expect(asked).toHaveLength(1);
        expect(asked[0]).toBeLessThanOrEqual(lastGoodRead);
        expect(asked[0]).toBeGreaterThanOrEqual(lastGoodRead - 60_000);
      } finally {
        await sync.onApplicationShutdown();
        jest.useRealTimers();
      }
    });
  });
});
