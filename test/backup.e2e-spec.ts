import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { backupDatabase, restoreDatabase } from '../src/database/backup';
import { hasPendingMigrations, migrateDatabase } from '../src/database/migrate';
import { api, bearer, login, registerAndLogin } from './support/http';
import { createTestApp, createTestDatabase, DatabaseKind, testDatabases } from './support/test-app';

const AUTH = '/api/v1/auth';

/** Empties the database completely: the SQLite file goes, the PostgreSQL schema is dropped and created again. */
async function wipe(kind: DatabaseKind, url: string): Promise<void> {
  if (kind === 'sqlite') {
    const file = url.slice('sqlite:'.length);
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    expect(existsSync(file)).toBe(false);
    return;
  }
  const parsed = new URL(url);
  const schema = pg.escapeIdentifier(parsed.searchParams.get('schema')!);
  parsed.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: parsed.toString() });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA ${schema} CASCADE`);
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
}

describe.each(testDatabases())('backup and restore on %s', (kind) => {
  let url: string;
  let drop: () => Promise<void>;
  let app: NestFastifyApplication | undefined;
  const folder = mkdtempSync(join(tmpdir(), 'gatehouse-backup-'));

  beforeAll(async () => {
    ({ url, drop } = await createTestDatabase(kind));
  });
  afterEach(async () => {
    // @nestjs/passport registers strategies process-wide: one app at a time.
    await app?.close();
    app = undefined;
  });
  afterAll(async () => {
    await drop?.();
    rmSync(folder, { recursive: true, force: true });
  });

  it('backs up, wipes, restores, and the user logs in again with revoked sessions still revoked', async () => {
    app = await createTestApp({ DATABASE_URL: url });
    const { user, tokens: kept } = await registerAndLogin(app);
    const revoked = await login(app, user);
    await api(app).post(`${AUTH}/logout`).set(bearer(revoked.accessToken)).expect(204);

    // SQLite: taken while the app is running, as the online backup API allows.
    const backupFile = join(folder, 'nested', `gatehouse.${kind === 'sqlite' ? 'sqlite' : 'dump'}`);
    const result = await backupDatabase(url, backupFile);
    expect(result).toMatchObject({ file: backupFile });
    expect(result.bytes).toBeGreaterThan(0);
    expect(existsSync(backupFile)).toBe(true);

    if (kind === 'sqlite') {
      await expect(restoreDatabase(url, backupFile)).rejects.toThrow(/in use: stop Gatehouse before restoring/);
    }
    await app.close();
    app = undefined;

    await wipe(kind, url);
    await restoreDatabase(url, backupFile);

    app = await createTestApp({ DATABASE_URL: url });
    const again = await api(app).post(`${AUTH}/login`).send({ username: user.username, password: user.password });
    expect(again.status).toBe(200);
    await api(app).get(`${AUTH}/me`).set(bearer(again.body.accessToken)).expect(200);
    // Access tokens are signed with the same secret: the session that was live is live again, the revoked one is not.
    await api(app).get(`${AUTH}/me`).set(bearer(kept.accessToken)).expect(200);
    const refused = await api(app).get(`${AUTH}/me`).set(bearer(revoked.accessToken));
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ statusCode: 401, code: 'TOKEN_REVOKED' });
  });

  it('restores over a database that has moved on since the backup', async () => {
    app = await createTestApp({ DATABASE_URL: url });
    const before = await registerAndLogin(app);
    const backupFile = join(folder, `second.${kind}`);
    await backupDatabase(url, backupFile);
    const after = await registerAndLogin(app);
    await app.close();
    app = undefined;

    await restoreDatabase(url, backupFile);

    app = await createTestApp({ DATABASE_URL: url });
    await login(app, before.user);
    const late = await api(app).post(`${AUTH}/login`).send({ username: after.user.username, password: after.user.password });
    expect(late.status).toBe(401);
  });
});

describe.each(testDatabases())('migrate on %s', (kind) => {
  it('applies every migration to an empty database, then finds nothing pending', async () => {
    const { url, drop } = await createTestDatabase(kind);
    try {
      const applied = await migrateDatabase(url);
      expect(applied.length).toBeGreaterThan(0);
      expect(await hasPendingMigrations(url)).toBe(false);
      expect(await migrateDatabase(url)).toEqual([]);
    } finally {
      await drop();
    }
  });
});

describe('backup and restore errors', () => {
  const folder = mkdtempSync(join(tmpdir(), 'gatehouse-backup-errors-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('refuses sqlite::memory:', async () => {
    await expect(backupDatabase('sqlite::memory:', join(folder, 'x'))).rejects.toThrow(/sqlite::memory:/);
    writeFileSync(join(folder, 'some-file'), 'x');
    await expect(restoreDatabase('sqlite::memory:', join(folder, 'some-file'))).rejects.toThrow(/sqlite::memory:/);
  });

  it('refuses a missing backup file and one that is not a SQLite database, leaving the database alone', async () => {
    const target = join(folder, 'db.sqlite');
    await expect(restoreDatabase(`sqlite:${target}`, join(folder, 'missing'))).rejects.toThrow(/backup file not found/);
    writeFileSync(join(folder, 'garbage'), 'not a database at all, not even close'.repeat(200));
    await expect(restoreDatabase(`sqlite:${target}`, join(folder, 'garbage'))).rejects.toThrow(/not a (usable )?SQLite database/);
    expect(existsSync(target)).toBe(false);
  });

  it('says when pg_dump or pg_restore is missing, and never prints the password', async () => {
    const url = 'postgres://someone:Sup3r-Secret-Pw@127.0.0.1:1/nowhere';
    const dump = backupDatabase(url, join(folder, 'x.dump'), { pgDump: join(folder, 'no-such-pg_dump') });
    await expect(dump).rejects.toThrow(/no-such-pg_dump not found: install the PostgreSQL client tools/);
    await expect(dump).rejects.not.toThrow(/Sup3r-Secret-Pw/);
    writeFileSync(join(folder, 'y.dump'), 'x');
    const restore = restoreDatabase(url.replace('/nowhere', '/nowhere?x=1'), join(folder, 'y.dump'), {
      pgRestore: join(folder, 'no-such-pg_restore'),
    });
    await expect(restore).rejects.toThrow(/no-such-pg_restore not found/);
  });

  it('reports a failing pg_dump with its stderr and the masked URL', async () => {
    const url = 'postgres://someone:Sup3r-Secret-Pw@127.0.0.1:1/nowhere';
    const error = (await backupDatabase(url, join(folder, 'z.dump')).catch((e: Error) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    // pg_dump may be absent on a developer machine; either way the message is clear and has no password in it.
    expect(error.message).toMatch(
      /pg_dump (exited with code \d+ \(database postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/nowhere\)|not found)/,
    );
    expect(error.message).not.toContain('Sup3r-Secret-Pw');
    expect(existsSync(join(folder, 'z.dump'))).toBe(false);
  });
});
