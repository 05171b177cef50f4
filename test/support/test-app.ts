import { Type } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test, TestingModuleBuilder } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { DestinationStream } from 'pino';
import { AppModule } from '../../src/app.module';
import { configureApp, createFastifyAdapter, NEST_APPLICATION_OPTIONS } from '../../src/app.setup';
import { appConfig, AppConfig } from '../../src/config';

export type DatabaseKind = 'sqlite' | 'postgres';

/** SQLite always; PostgreSQL too when TEST_DATABASE_URL points at one (CI sets it). */
export function testDatabases(): DatabaseKind[] {
  return process.env.TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

/** A fresh, empty database: a SQLite file in a temp folder, or a PostgreSQL schema of its own. */
export async function createTestDatabase(kind: DatabaseKind): Promise<{ url: string; drop: () => Promise<void> }> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
    return { url: `sqlite:${join(dir, 'test.sqlite')}`, drop: () => Promise.resolve() };
  }
  const base = process.env.TEST_DATABASE_URL!;
  const schema = `test_${randomBytes(6).toString('hex')}`;
  await withPgClient(base, (client) => client.query(`CREATE SCHEMA "${schema}"`));
  const url = new URL(base);
  url.searchParams.set('schema', schema);
  return {
    url: url.toString(),
    drop: () => withPgClient(base, (client) => client.query(`DROP SCHEMA "${schema}" CASCADE`)).then(() => undefined),
  };
}

async function withPgClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A secret made by the test run, never stored anywhere. */
export const TEST_JWT_SECRET = randomBytes(32).toString('base64url');

/** The key TOTP secrets are sealed under in tests (so no test writes one into data/). */
export const TEST_DATA_ENCRYPTION_KEY = randomBytes(32).toString('base64url');

export const TEST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  JWT_SECRET: TEST_JWT_SECRET,
  DATA_ENCRYPTION_KEY: TEST_DATA_ENCRYPTION_KEY,
  BCRYPT_COST: '4',
  LOG_LEVEL: 'error',
  // Suites make hundreds of auth calls from one address; the limit itself has its own spec.
  AUTH_RATE_LIMIT_PER_MINUTE: '1000000',
};

export interface TestAppOptions {
  /** Where pino writes the app's JSON log lines (stdout by default); set LOG_LEVEL in `env` to see more than errors. */
  logDestination?: DestinationStream;
  /** Replaces providers before the app is built (e.g. shorter token lifetimes than any variable allows). */
  override?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
  /** Test-only controllers mounted beside the app's own, under the same global guards. */
  controllers?: Type[];
}

/**
 * Boots the whole app as main.ts does (same adapter, same globals) with these variables on top of TEST_ENV.
 * The environment is only changed while the app is built: configuration is read then, never later.
 */
export async function createTestApp(
  env: Record<string, string | undefined>,
  options: TestAppOptions = {},
): Promise<NestFastifyApplication> {
  const saved = { ...process.env };
  Object.assign(process.env, TEST_ENV, env);
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete process.env[name];
  try {
    const builder = Test.createTestingModule({ imports: [await AppModule.forRoot()], controllers: options.controllers ?? [] });
    const moduleRef = await (options.override?.(builder) ?? builder).compile();
    moduleRef.useLogger(['error']);
    const config = moduleRef.get<AppConfig>(appConfig.KEY);
    const app = moduleRef.createNestApplication<NestFastifyApplication>(
      createFastifyAdapter(config, options.logDestination),
      NEST_APPLICATION_OPTIONS,
    );
    app.useLogger(['error']);
    configureApp(app, config);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    return app;
  } finally {
    process.env = saved;
  }
}
