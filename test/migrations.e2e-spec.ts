import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { createTestApp, createTestDatabase, testDatabases } from './support/test-app';

// STYLE.md "Migration drift": the migrations, run at start, must build exactly the schema the entities describe,
// or the next `migration:generate` would emit surprise changes.
describe.each(testDatabases())('migrations on %s', (kind) => {
  let app: NestFastifyApplication;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await createTestDatabase(kind);
    drop = db.drop;
    app = await createTestApp({ DATABASE_URL: db.url });
    // Generous: every migration runs at start, and PostgreSQL DDL is slow on a loaded machine.
  }, 30_000);
  afterAll(async () => {
    await app?.close();
    await drop?.();
  });

  it('leave nothing for migration:generate to add', async () => {
    const pending = await app.get(DataSource).driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('are all applied and can be reverted and re-applied', async () => {
    const dataSource = app.get(DataSource);
    expect(await dataSource.showMigrations()).toBe(false);
    await dataSource.undoLastMigration();
    expect(await dataSource.showMigrations()).toBe(true);
    await dataSource.runMigrations();
    expect(await dataSource.showMigrations()).toBe(false);
  });
});
