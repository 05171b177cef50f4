import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';

/**
 * Runs the pending migrations of the database at `databaseUrl` and returns the names of those it applied
 * (`node dist/cli.js migrate`, the Kubernetes init container). The app also runs them at start; this lets a
 * deployment do it once, before any instance starts.
 *
 * On PostgreSQL several pods may start it at once: a session advisory lock makes them take turns, and every one
 * after the first finds nothing pending.
 */
export async function migrateDatabase(databaseUrl: string): Promise<string[]> {
  const dataSource = await new DataSource(dataSourceOptions(databaseUrl)).initialize();
  try {
    if (dataSource.options.type !== 'postgres') return names(await dataSource.runMigrations());
    const lockRunner = dataSource.createQueryRunner();
    const key = `gatehouse:migrations:${dataSource.options.schema ?? 'public'}`;
    try {
      await lockRunner.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
      return names(await dataSource.runMigrations());
    } finally {
      await lockRunner.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => undefined);
      await lockRunner.release();
    }
  } finally {
    await dataSource.destroy();
  }
}

/** Whether the database at `databaseUrl` has migrations still to run. */
export async function hasPendingMigrations(databaseUrl: string): Promise<boolean> {
  const dataSource = await new DataSource(dataSourceOptions(databaseUrl)).initialize();
  try {
    return await dataSource.showMigrations();
  } finally {
    await dataSource.destroy();
  }
}

const names = (migrations: { name: string }[]) => migrations.map((migration) => migration.name);
