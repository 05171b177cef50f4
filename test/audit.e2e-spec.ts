import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AUDIT_EVENT_TYPES } from '../src/audit/audit-event-type';
import { AuditEventRow } from '../src/audit/audit-event.entity';
import { pageQuery } from '../src/audit/audit-query.service';
import { AuditRetention } from '../src/audit/audit-retention.service';
import { ADMIN_ENV, api, bearer, decodeJwt, login, newUser, registerAndLogin, TEST_ADMIN, TestUser } from './support/http';
import { within } from './support/instance';
import { startSmtpListener, SmtpListener, tokenOf } from './support/smtp-listener';
import { createTestApp, createTestDatabase, testDatabases } from './support/test-app';

jest.setTimeout(60_000);

const AUTH = '/api/v1/auth';
const EVENTS = '/api/v1/audit-events';
const OWN = `${AUTH}/events`;
const USER_AGENT = 'audit-e2e/1.0';

interface Event {
  id: string;
  type: string;
  at: string;
  actorId: string | null;
  userId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  outcome: string;
  details: Record<string, unknown>;
}

interface Page {
  items: Event[];
  nextCursor: string | null;
}

const validationFailed = { statusCode: 400, code: 'VALIDATION_FAILED', message: expect.anything(), error: 'Bad Request' };

describe.each(testDatabases())('audit trail on %s', (kind) => {
  let app: NestFastifyApplication;
  let smtp: SmtpListener;
  let drop: () => Promise<void>;
  let adminToken: string;
  let adminId: string;
  /** Every password and token the suite handles: none may appear in any event. */
  const secrets: string[] = [];

  beforeAll(async () => {
    const db = await createTestDatabase(kind);
    drop = db.drop;
    smtp = await startSmtpListener();
    app = await createTestApp({
      DATABASE_URL: db.url,
      SMTP_URL: smtp.url,
      LOGIN_MAX_FAILURES: '3',
      REFRESH_REUSE_GRACE_SECONDS: '0',
      ...ADMIN_ENV,
    });
    const admin = await login(app, TEST_ADMIN);
    adminToken = admin.accessToken;
    adminId = (await api(app).get(`${AUTH}/me`).set(bearer(adminToken))).body.id as string;
    secrets.push(TEST_ADMIN.password, admin.accessToken, admin.refreshToken);
  });
  afterAll(async () => {
    await app?.close();
    await smtp?.close();
    await drop?.();
  });

  /** A request that names itself, so its event can be told by its request id. */
  const traced = (requestId: string) => ({ 'x-request-id': requestId, 'user-agent': USER_AGENT });

  async function adminPage(query: Record<string, string | number> = {}): Promise<Page> {
    const response = await api(app).get(EVENTS).query(query).set(bearer(adminToken));
    expect(response.status).toBe(200);
    return response.body as Page;
  }

  /** The newest event of `type` about `userId`, waited for (some are written after the response). */
  async function eventOf(userId: string | null, type: string, where: (event: Event) => boolean = () => true): Promise<Event> {
    let found: Event | undefined;
    await within(10_000, async () => {
      const { items } = await adminPage({ type, limit: 100, ...(userId && { userId }) });
      found = items.find((event) => event.userId === userId && where(event));
      return found !== undefined;
    });
    return found!;
  }

  async function signedUp(user: TestUser = newUser('audit')) {
    const result = await registerAndLogin(app, user);
    secrets.push(user.password, result.tokens.accessToken, result.tokens.refreshToken);
    // registration mails a verification link: take it so later takes see the next mail
    return { ...result, verification: tokenOf(await smtp.take(user.email)) };
  }

  it('records a registration and a password login with who, from where and which request', async () => {
    const user = newUser('audit');
    const registered = await api(app).post(`${AUTH}/register`).set(traced('req-register-1')).send(user);
    expect(registered.status).toBe(201);
    const id = registered.body.id as string;
    await smtp.take(user.email);
    const loggedIn = await api(app)
      .post(`${AUTH}/login`)
      .set(traced('req-login-1'))
      .send({ username: user.username, password: user.password });
    expect(loggedIn.status).toBe(200);
    secrets.push(user.password, loggedIn.body.accessToken, loggedIn.body.refreshToken);

    const { items } = await adminPage({ userId: id });
    expect(items.map((e) => e.type)).toEqual(['login.succeeded', 'user.registered']);
    const [login, registration] = items;
    expect(registration).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'user.registered',
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      actorId: id,
      userId: id,
      ip: expect.stringContaining('127.0.0.1'),
      userAgent: USER_AGENT,
      requestId: 'req-register-1',
      outcome: 'success',
      details: {},
    });
    expect(login).toMatchObject({ actorId: id, userId: id, requestId: 'req-login-1', outcome: 'success', userAgent: USER_AGENT });
    expect(login.details).toEqual({ method: 'password', sessionId: expect.any(String) });

    // the user reads the same events as their own
    const own = await api(app).get(OWN).set(bearer(loggedIn.body.accessToken));
    expect(own.status).toBe(200);
    expect(own.body).toEqual({ items, nextCursor: null });
  });

  it('records a cookie-mode login as login.succeeded (method password)', async () => {
    const { user, id } = await signedUp();
    const response = await api(app)
      .post(`${AUTH}/login`)
      .set({ ...traced('req-cookie-login'), 'x-token-transport': 'cookie' })
      .send({ username: user.username, password: user.password });
    expect(response.status).toBe(200);
    expect(response.body.tokenType).toBe('Cookie');
    const event = await eventOf(id, 'login.succeeded', (e) => e.requestId === 'req-cookie-login');
    expect(event).toMatchObject({ actorId: id, outcome: 'success', details: { method: 'password' } });
  });

  it('records failed logins (with the account when it exists), the lock when it falls, and a disabled account', async () => {
    const unknown = await api(app)
      .post(`${AUTH}/login`)
      .set(traced('req-unknown-name'))
      .send({ username: 'nobody_here_1', password: 'x'.repeat(12) });
    expect(unknown.status).toBe(401);
    const anonymous = await eventOf(null, 'login.failed', (e) => e.requestId === 'req-unknown-name');
    expect(anonymous).toMatchObject({
      actorId: null,
      userId: null,
      outcome: 'failure',
      details: { method: 'password', reason: 'invalid_credentials' },
    });

    const { user, id } = await signedUp();
    for (let attempt = 1; attempt <= 3; attempt++) {
      const wrong = await api(app)
        .post(`${AUTH}/login`)
        .set(traced(`req-wrong-${attempt}`))
        .send({ username: user.username, password: 'wrong password!' });
      expect(wrong.status).toBe(401);
    }
    const failed = await eventOf(id, 'login.failed', (e) => e.requestId === 'req-wrong-1');
    expect(failed).toMatchObject({
      actorId: null,
      userId: id,
      outcome: 'failure',
      details: { method: 'password', reason: 'invalid_credentials' },
    });
    // the third failure locks the account: one login.locked, from that request
    const locked = await eventOf(id, 'login.locked');
    expect(locked).toMatchObject({
      userId: id,
      requestId: 'req-wrong-3',
      outcome: 'failure',
      details: { method: 'password', lockSeconds: 900 },
    });
    expect((await adminPage({ userId: id, type: 'login.locked' })).items).toHaveLength(1);
    // while locked, even the right password fails, and says so in the trail
    const whileLocked = await api(app)
      .post(`${AUTH}/login`)
      .set(traced('req-while-locked'))
      .send({ username: user.username, password: user.password });
    expect(whileLocked.status).toBe(429);
    expect(await eventOf(id, 'login.failed', (e) => e.requestId === 'req-while-locked')).toMatchObject({ details: { reason: 'locked' } });

    const other = await signedUp();
    await api(app).patch(`/api/v1/users/${other.id}`).set(bearer(adminToken)).send({ disabled: true }).expect(200);
    const disabled = await api(app)
      .post(`${AUTH}/login`)
      .set(traced('req-disabled'))
      .send({ username: other.user.username, password: other.user.password });
    expect(disabled.status).toBe(403);
    expect(await eventOf(other.id, 'login.failed', (e) => e.requestId === 'req-disabled')).toMatchObject({
      userId: other.id,
      outcome: 'failure',
      details: { method: 'password', reason: 'disabled' },
    });
  });

  it('records refresh-token reuse, ending one session, logout and logout-all', async () => {
    const { id, tokens } = await signedUp();
    const rotated = await api(app).post(`${AUTH}/refresh`).send({ refreshToken: tokens.refreshToken });
    expect(rotated.status).toBe(200);
    const reused = await api(app).post(`${AUTH}/refresh`).set(traced('req-reuse')).send({ refreshToken: tokens.refreshToken });
    expect(reused.body.code).toBe('REFRESH_TOKEN_REUSED');
    expect(await eventOf(id, 'refresh.reused')).toMatchObject({ actorId: null, requestId: 'req-reuse', outcome: 'failure' });

    const { user } = await signedUp();
    const first = await login(app, user);
    const second = await login(app, user);
    const third = await login(app, user);
    const userId = (await api(app).get(`${AUTH}/me`).set(bearer(first.accessToken))).body.id as string;
    const secondSession = decodeJwt(second.accessToken).payload.sid as string;
    await api(app)
      .delete(`${AUTH}/sessions/${secondSession}`)
      .set({ ...bearer(first.accessToken), ...traced('req-end-one') })
      .expect(204);
    expect(await eventOf(userId, 'session.revoked')).toMatchObject({
      actorId: userId,
      requestId: 'req-end-one',
      details: { sessionId: secondSession },
    });

    await api(app)
      .post(`${AUTH}/logout`)
      .set({ ...bearer(third.accessToken), ...traced('req-logout') })
      .expect(204);
    expect(await eventOf(userId, 'logout')).toMatchObject({ actorId: userId, requestId: 'req-logout', outcome: 'success' });
    await api(app)
      .post(`${AUTH}/logout-all`)
      .set({ ...bearer(first.accessToken), ...traced('req-logout-all') })
      .expect(204);
    expect(await eventOf(userId, 'logout_all')).toMatchObject({ actorId: userId, requestId: 'req-logout-all' });
    secrets.push(first.refreshToken, second.refreshToken, third.refreshToken);
  });

  it('records a password change, a reset request (only for an existing account), the reset and a verified address', async () => {
    const { user, id, tokens, verification } = await signedUp();
    const newPassword = `changed ${user.password}`;
    secrets.push(newPassword, verification);
    await api(app)
      .patch(`${AUTH}/password`)
      .set({ ...bearer(tokens.accessToken), ...traced('req-change') })
      .send({ currentPassword: user.password, newPassword })
      .expect(204);
    expect(await eventOf(id, 'password.changed')).toMatchObject({ actorId: id, requestId: 'req-change', details: {} });

    const known = await api(app).post(`${AUTH}/password/forgot`).set(traced('req-forgot')).send({ email: user.email });
    const unknown = await api(app).post(`${AUTH}/password/forgot`).set(traced('req-forgot-unknown')).send({ email: 'nobody@example.com' });
    expect([unknown.status, unknown.body]).toEqual([known.status, known.body]);
    const resetToken = tokenOf(await smtp.take(user.email));
    secrets.push(resetToken);
    expect(await eventOf(id, 'password.reset_requested')).toMatchObject({
      actorId: null,
      requestId: 'req-forgot',
      details: { mailed: true },
    });
    const requests = await adminPage({ type: 'password.reset_requested', limit: 100 });
    expect(requests.items.filter((e) => e.requestId === 'req-forgot-unknown')).toEqual([]);

    const resetPassword = `reset ${user.password}`;
    secrets.push(resetPassword);
    await api(app)
      .post(`${AUTH}/password/reset`)
      .set(traced('req-reset'))
      .send({ token: resetToken, newPassword: resetPassword })
      .expect(204);
    expect(await eventOf(id, 'password.reset')).toMatchObject({ actorId: id, requestId: 'req-reset', outcome: 'success' });

    const other = await signedUp();
    await api(app).post(`${AUTH}/email/verify`).set(traced('req-verify')).send({ token: other.verification }).expect(204);
    expect(await eventOf(other.id, 'email.verified')).toMatchObject({
      actorId: other.id,
      requestId: 'req-verify',
      details: { email: other.user.email },
    });
  });

  it("records an admin's change (what changed, from what to what) and a deletion, with the admin as actor", async () => {
    const { id, user } = await signedUp();
    const email = `moved_${randomUUID().slice(0, 8)}@example.com`;
    await api(app)
      .patch(`/api/v1/users/${id}`)
      .set({ ...bearer(adminToken), ...traced('req-admin-update') })
      .send({ roles: ['user', 'admin'], disabled: true, email })
      .expect(200);
    expect(await eventOf(id, 'user.updated')).toMatchObject({
      actorId: adminId,
      requestId: 'req-admin-update',
      details: {
        changes: {
          roles: { from: ['user'], to: ['user', 'admin'] },
          disabled: { from: false, to: true },
          email: { from: user.email, to: email },
        },
      },
    });
    await api(app)
      .delete(`/api/v1/users/${id}`)
      .set({ ...bearer(adminToken), ...traced('req-admin-delete') })
      .expect(204);
    expect(await eventOf(id, 'user.deleted')).toMatchObject({ actorId: adminId, requestId: 'req-admin-delete', outcome: 'success' });
  });

  it('writes no event for a change that fails, nor a change whose event cannot be written', async () => {
    const { id } = await signedUp();
    const taken = await signedUp();
    const before = await adminPage({ userId: id });
    const conflict = await api(app).patch(`/api/v1/users/${id}`).set(bearer(adminToken)).send({ email: taken.user.email, disabled: true });
    expect(conflict.body.code).toBe('USER_EXISTS');
    expect(await adminPage({ userId: id })).toEqual(before);
    expect((await api(app).get(`/api/v1/users/${id}`).set(bearer(adminToken))).body.disabled).toBe(false);

    // With the trail unwritable, the change it would record rolls back with it.
    const dataSource = app.get(DataSource);
    const table = dataSource.getMetadata(AuditEventRow).tablePath;
    const runner = dataSource.createQueryRunner();
    await runner.renameTable(table, 'audit_events_away');
    try {
      const user = newUser('rollback');
      const refused = await api(app).post(`${AUTH}/register`).send(user);
      expect(refused.status).toBeGreaterThanOrEqual(500);
      await runner.renameTable(table.replace(/audit_events$/, 'audit_events_away'), 'audit_events');
      const search = await api(app).get('/api/v1/users').query({ search: user.username }).set(bearer(adminToken));
      expect(search.body.total).toBe(0);
    } finally {
      if (!(await runner.hasTable(table))) await runner.renameTable(table.replace(/audit_events$/, 'audit_events_away'), 'audit_events');
      await runner.release();
    }
  });

  it('writes nothing for guarded reads', async () => {
    const { tokens } = await signedUp();
    const count = async () => dataSourceCount();
    const before = await count();
    for (let i = 0; i < 5; i++) {
      await api(app).get(`${AUTH}/me`).set(bearer(tokens.accessToken)).expect(200);
      await api(app).get(`${AUTH}/sessions`).set(bearer(tokens.accessToken)).expect(200);
      await api(app).get(OWN).set(bearer(tokens.accessToken)).expect(200);
    }
    expect(await count()).toBe(before);
  });

  const dataSourceCount = () => app.get(DataSource).getRepository(AuditEventRow).count();

  it('filters by type, user and time, newest first, and pages with cursors without gaps or repeats', async () => {
    const { id, user } = await signedUp();
    for (let i = 0; i < 6; i++) await login(app, user);
    const all = await adminPage({ userId: id, limit: 100 });
    expect(all.items.map((e) => e.type)).toEqual([...Array(7).fill('login.succeeded'), 'user.registered']);
    const times = all.items.map((e) => e.at);
    expect([...times].sort().reverse()).toEqual(times);

    const seen: string[] = [];
    let cursor: string | null | undefined;
    let pages = 0;
    do {
      const page = await adminPage({ userId: id, limit: 3, ...(cursor && { cursor }) });
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(all.items.map((e) => e.id));

    const logins = await adminPage({ userId: id, type: 'login.succeeded', limit: 100 });
    expect(logins.items).toHaveLength(7);
    const registration = all.items.at(-1)!;
    const since = await adminPage({ userId: id, since: all.items[0].at });
    expect(since.items.every((e) => e.at >= all.items[0].at)).toBe(true);
    expect(since.items.length).toBeGreaterThanOrEqual(1);
    const until = await adminPage({ userId: id, until: all.items[0].at, since: registration.at });
    expect(until.items.every((e) => e.at < all.items[0].at && e.at >= registration.at)).toBe(true);
    expect(until.items.map((e) => e.id)).toContain(registration.id);

    // every type of API.md is a valid filter, written today or not
    for (const type of AUDIT_EVENT_TYPES) await api(app).get(EVENTS).query({ type, limit: 1 }).set(bearer(adminToken)).expect(200);
  });

  it('answers bad filters, limits and cursors with 400 VALIDATION_FAILED', async () => {
    const { tokens } = await signedUp();
    const bad = [
      { since: 'yesterday' },
      { until: '2026-13-01T00:00:00Z' },
      { since: '2026-W05-1' },
      { type: 'login.maybe' },
      { userId: 'not-a-uuid' },
      { limit: 0 },
      { limit: 101 },
      { limit: 'ten' },
      { cursor: 'garbage' },
      { cursor: `${Buffer.from(`2026-01-01T00:00:00.000Z|${randomUUID()}`).toString('base64url')}.AAAAAAAAAAAAAAAAAAAAAA` },
      { unknown: 'x' },
    ];
    for (const query of bad) {
      const response = await api(app).get(EVENTS).query(query).set(bearer(adminToken));
      expect([JSON.stringify(query), response.status, response.body]).toEqual([JSON.stringify(query), 400, validationFailed]);
    }
    // a real cursor, used with other filters than those that issued it, is foreign
    const page = await adminPage({ limit: 1 });
    expect(page.nextCursor).toEqual(expect.any(String));
    const foreign = await api(app).get(EVENTS).query({ limit: 1, type: 'logout', cursor: page.nextCursor! }).set(bearer(adminToken));
    expect([foreign.status, foreign.body]).toEqual([400, validationFailed]);
    // and the admin's cursor is no cursor for a user's own events
    const own = await api(app).get(OWN).query({ cursor: page.nextCursor! }).set(bearer(tokens.accessToken));
    expect([own.status, own.body]).toEqual([400, validationFailed]);
    for (const query of [{ limit: 101 }, { userId: randomUUID() }, { cursor: 'x.y' }]) {
      const response = await api(app).get(OWN).query(query).set(bearer(tokens.accessToken));
      expect([response.status, response.body]).toEqual([400, validationFailed]);
    }
  });

  it("never lets a user read another user's events", async () => {
    const alice = await signedUp();
    const bob = await signedUp();
    for (let i = 0; i < 3; i++) await login(app, alice.user);
    const alicePage = await api(app).get(OWN).query({ limit: 1 }).set(bearer(alice.tokens.accessToken));
    const alicesFirst = alicePage.body as Page;
    expect(alicesFirst.items.every((e) => e.userId === alice.id)).toBe(true);
    // Alice's cursor means nothing in Bob's hands
    const stolen = await api(app).get(OWN).query({ cursor: alicesFirst.nextCursor! }).set(bearer(bob.tokens.accessToken));
    expect([stolen.status, stolen.body]).toEqual([400, validationFailed]);
    const bobs = await api(app).get(OWN).query({ limit: 100 }).set(bearer(bob.tokens.accessToken));
    const bobsEvents = (bobs.body as Page).items;
    expect(bobsEvents.length).toBeGreaterThan(0);
    expect(bobsEvents.every((e) => e.userId === bob.id)).toBe(true);
    // and the admin route is the admin's
    const forbidden = await api(app).get(EVENTS).query({ userId: alice.id }).set(bearer(bob.tokens.accessToken));
    expect([forbidden.status, forbidden.body.code]).toEqual([403, 'FORBIDDEN']);
    expect((await api(app).get(OWN)).status).toBe(401);
  });

  it('prunes events past AUDIT_RETENTION_DAYS in batches, and only those', async () => {
    const rows = app.get(DataSource).getRepository(AuditEventRow);
    const old = Date.now() - 400 * 86_400_000;
    const ancient = Array.from({ length: 5 }, (_, i) => ({
      id: randomUUID(),
      type: 'logout',
      at: new Date(old - i * 1000),
      actorId: null,
      userId: null,
      ip: null,
      userAgent: null,
      requestId: `req-ancient-${i}`,
      outcome: 'success',
      details: '{}',
    }));
    await rows.insert(ancient);
    const before = await rows.count();

    expect(await app.get(AuditRetention).prune(new Date(), 2)).toBe(5);
    expect(await rows.count()).toBe(before - 5);
    expect(await rows.countBy({ requestId: 'req-ancient-0' })).toBe(0);
  });

  it('counts events by type in /metrics, and no event holds a password or token', async () => {
    const metrics = await api(app).get('/metrics');
    expect(metrics.text).toMatch(/gatehouse_audit_events_total\{type="login\.succeeded"\} [1-9]/);
    expect(metrics.text).toMatch(/gatehouse_audit_events_total\{type="user\.registered"\} [1-9]/);
    const stored = JSON.stringify(await app.get(DataSource).getRepository(AuditEventRow).find());
    expect(secrets.length).toBeGreaterThan(10);
    for (const secret of secrets) expect(stored).not.toContain(secret);
  });

  if (kind === 'postgres') {
    it('walks an index for every page query (EXPLAIN on PostgreSQL, with enough rows for the planner to care)', async () => {
      const dataSource = app.get(DataSource);
      const table = dataSource
        .getMetadata(AuditEventRow)
        .tablePath.split('.')
        .map((part) => `"${part}"`)
        .join('.');
      const userId = randomUUID();
      await dataSource.query(
        `INSERT INTO ${table} (id, type, at, actor_id, user_id, outcome, details)
         SELECT gen_random_uuid(), (ARRAY['logout','login.failed','login.succeeded'])[1 + i % 3],
                now() - make_interval(secs => i), NULL, CASE WHEN i % 3 = 1 THEN $1::uuid ELSE gen_random_uuid() END, 'success', '{}'
         FROM generate_series(1, 30000) AS i`,
        [userId],
      );
      await dataSource.query(`ANALYZE ${table}`);
      const rows = dataSource.getRepository(AuditEventRow);
      const after = { at: new Date(Date.now() - 10_000_000), id: randomUUID() };
      const cases = [
        { filters: {}, index: 'idx_audit_events_at_id' },
        { filters: { userId }, index: 'idx_audit_events_user_at_id' },
        { filters: { type: 'logout' }, index: 'idx_audit_events_type_at_id' },
      ];
      for (const { filters, index } of cases) {
        for (const cursor of [undefined, after]) {
          const [sql, parameters] = pageQuery(rows, filters, cursor, 50).getQueryAndParameters();
          const plan = await dataSource.query<{ 'QUERY PLAN': string }[]>(`EXPLAIN ${sql}`, parameters);
          const text = plan.map((line) => line['QUERY PLAN']).join('\n');
          expect(text).toMatch(new RegExp(`Index (Only )?Scan( Backward)? using ${index}`));
          expect(text).not.toMatch(/Seq Scan|Sort/);
          // a deep page starts at its cursor in the index, rather than skipping everything newer
          if (cursor) expect(text).toMatch(/Index Cond: .*\(at <= /);
        }
      }
    });
  }
});
