import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import pg from 'pg';

/**
 * Backup and restore for both databases Gatehouse runs on (`npm run cli -- backup|restore`, docs/backups.md).
 *
 * - SQLite: better-sqlite3's online backup API, safe while the app runs; the backup is one self-contained file.
 *   A restore replaces the database file (temp file in the same folder, then rename) and needs the app stopped.
 * - PostgreSQL: `pg_dump --format=custom` / `pg_restore --clean --if-exists`, limited to the URL's `?schema=` when set.
 *   The password goes to the tools through PGPASSWORD, never on their command line.
 *
 * No message from here ever contains a password: URLs are printed through {@link redactDatabaseUrl}.
 */

export class BackupError extends Error {
  override name = 'BackupError';
}

export interface BackupResult {
  /** The DATABASE_URL with its password masked, for log lines. */
  database: string;
  file: string;
  bytes: number;
}

export interface PgToolOptions {
  /** The pg_dump / pg_restore executables (default: found on PATH). */
  pgDump?: string;
  pgRestore?: string;
}

/** The URL with its password replaced by `***`, safe to print. */
export function redactDatabaseUrl(url: string): string {
  if (url.startsWith('sqlite:')) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable database URL)';
  }
}

/** Writes a backup of the database at `databaseUrl` to `outFile` (its folder is created). */
export async function backupDatabase(databaseUrl: string, outFile: string, options: PgToolOptions = {}): Promise<BackupResult> {
  const file = resolve(outFile);
  mkdirSync(dirname(file), { recursive: true });
  if (isSqlite(databaseUrl)) await backupSqlite(sqliteFile(databaseUrl), file);
  else await backupPostgres(parsePostgresUrl(databaseUrl), file, options);
  return { database: redactDatabaseUrl(databaseUrl), file, bytes: statSync(file).size };
}

/** Replaces the contents of the database at `databaseUrl` with the backup in `inFile`. Stop the app first. */
export async function restoreDatabase(databaseUrl: string, inFile: string, options: PgToolOptions = {}): Promise<BackupResult> {
  const file = resolve(inFile);
  if (!existsSync(file) || !statSync(file).isFile()) throw new BackupError(`backup file not found: ${file}`);
  if (isSqlite(databaseUrl)) restoreSqlite(sqliteFile(databaseUrl), file);
  else await restorePostgres(parsePostgresUrl(databaseUrl), file, options);
  return { database: redactDatabaseUrl(databaseUrl), file, bytes: statSync(file).size };
}

// --- SQLite -------------------------------------------------------------------------------------------------------

function isSqlite(url: string): boolean {
  return url.startsWith('sqlite:');
}

function sqliteFile(url: string): string {
  const database = url.slice('sqlite:'.length);
  if (database === ':memory:') throw new BackupError('DATABASE_URL is sqlite::memory:, which has nothing on disk to back up or restore');
  return resolve(database);
}

/** A name in `folder` for a file being written, renamed into place once complete. */
function tempPath(folder: string, name: string, purpose: string): string {
  return join(folder, `.${name}.${purpose}-${randomBytes(4).toString('hex')}`);
}

function removeWithSidecars(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${suffix}`, { force: true });
}

/**
 * Turns the SQLite file at `file` into a self-contained one (rollback journal, no -wal/-shm beside it) and checks it.
 * The app switches it back to WAL when it opens it.
 */
function sealSqliteFile(file: string, what: string): void {
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: true });
  } catch (error) {
    throw new BackupError(`${what} is not a SQLite database: ${(error as Error).message}`);
  }
  try {
    const check = db.pragma('quick_check', { simple: true }) as string;
    if (check !== 'ok') throw new BackupError(`${what} failed SQLite's quick_check: ${check}`);
    db.pragma('journal_mode = DELETE');
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError(`${what} is not a usable SQLite database: ${(error as Error).message}`);
  } finally {
    db.close();
  }
}

async function backupSqlite(source: string, outFile: string): Promise<void> {
  if (!existsSync(source)) throw new BackupError(`SQLite database not found: ${source}`);
  const partial = tempPath(dirname(outFile), basename(outFile), 'partial');
  try {
    // A read-only connection of its own: the online backup API copies a consistent snapshot while the app keeps writing.
    const db = new Database(source, { readonly: true, fileMustExist: true });
    try {
      await db.backup(partial);
    } finally {
      db.close();
    }
    sealSqliteFile(partial, 'the new backup');
    renameSync(partial, outFile);
  } finally {
    removeWithSidecars(partial);
  }
}

function restoreSqlite(target: string, backupFile: string): void {
  const folder = dirname(target);
  mkdirSync(folder, { recursive: true });
  const incoming = tempPath(folder, basename(target), 'restore');
  try {
    // Work on a copy in the target's folder, so the rename below is atomic and the backup file is never modified.
    copyFileSync(backupFile, incoming);
    sealSqliteFile(incoming, `${backupFile}`);
    if (existsSync(target)) ensureNotInUse(target);
    // Stale -wal/-shm files would be replayed onto the restored database: remove them before it takes the name.
    for (const suffix of ['-wal', '-shm', '-journal']) rmSync(`${target}${suffix}`, { force: true });
    renameSync(incoming, target);
  } finally {
    removeWithSidecars(incoming);
  }
}

/**
 * Leaving WAL mode needs the only connection to the database, so it fails (SQLITE_BUSY) while Gatehouse has it open.
 * When it succeeds it also folds any leftover -wal into the file, which is about to be replaced anyway.
 */
function ensureNotInUse(target: string): void {
  let db: Database.Database;
  try {
    db = new Database(target, { fileMustExist: true, timeout: 0 });
  } catch {
    return; // not a database we can open (e.g. damaged): nothing can be using it through SQLite either
  }
  try {
    db.pragma('journal_mode = DELETE');
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw new BackupError(`the SQLite database ${target} is in use: stop Gatehouse before restoring`);
    }
  } finally {
    db.close();
  }
}

// --- PostgreSQL ---------------------------------------------------------------------------------------------------

interface PgTarget {
  /** Printable (password masked). */
  display: string;
  /** Connection string without `?schema=`, for the pg client. */
  connectionString: string;
  host?: string;
  port?: string;
  user?: string;
  password?: string;
  database?: string;
  schema?: string;
  sslmode?: string;
}

function parsePostgresUrl(url: string): PgTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new BackupError('DATABASE_URL is not a valid postgres:// URL');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new BackupError(`unsupported DATABASE_URL: ${redactDatabaseUrl(url)} (expected sqlite:<file> or postgres://…)`);
  }
  const schema = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  const decode = (s: string) => (s ? decodeURIComponent(s) : undefined);
  return {
    display: redactDatabaseUrl(url),
    connectionString: parsed.toString(),
    host: decode(parsed.hostname.replace(/^\[(.*)\]$/, '$1')),
    port: parsed.port || undefined,
    user: decode(parsed.username),
    password: decode(parsed.password),
    database: decode(parsed.pathname.slice(1)),
    schema,
    sslmode: parsed.searchParams.get('sslmode') ?? undefined,
  };
}

/** Connection flags for pg_dump / pg_restore; the password is passed in the environment instead. */
function connectionArgs(target: PgTarget, databaseFlag: string): string[] {
  const args: string[] = [];
  if (target.host) args.push(`--host=${target.host}`);
  if (target.port) args.push(`--port=${target.port}`);
  if (target.user) args.push(`--username=${target.user}`);
  if (target.database) args.push(`${databaseFlag}=${target.database}`);
  args.push('--no-password'); // never prompt: a missing password is an error, not a hang
  return args;
}

async function backupPostgres(target: PgTarget, outFile: string, options: PgToolOptions): Promise<void> {
  const partial = tempPath(dirname(outFile), basename(outFile), 'partial');
  const args = ['--format=custom', '--no-owner', `--file=${partial}`, ...connectionArgs(target, '--dbname')];
  if (target.schema) args.push(`--schema=${target.schema}`);
  try {
    await runPgTool(options.pgDump ?? 'pg_dump', args, target);
    renameSync(partial, outFile);
  } finally {
    rmSync(partial, { force: true });
  }
}

async function restorePostgres(target: PgTarget, inFile: string, options: PgToolOptions): Promise<void> {
  // A dump limited to one schema does not recreate that schema when restored with --schema: make sure it exists.
  if (target.schema) await ensureSchema(target);
  const args = ['--clean', '--if-exists', '--no-owner', '--single-transaction', ...connectionArgs(target, '--dbname')];
  if (target.schema) args.push(`--schema=${target.schema}`);
  args.push(inFile);
  await runPgTool(options.pgRestore ?? 'pg_restore', args, target);
}

async function ensureSchema(target: PgTarget): Promise<void> {
  const client = new pg.Client({ connectionString: target.connectionString });
  try {
    await client.connect();
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(target.schema!)}`);
  } catch (error) {
    throw new BackupError(`could not prepare schema "${target.schema}" on ${target.display}: ${scrub((error as Error).message, target)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs a PostgreSQL client tool; rejects with its stderr when it is missing or exits non-zero. */
function runPgTool(command: string, args: string[], target: PgTarget): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (target.password !== undefined) env.PGPASSWORD = target.password;
  if (target.sslmode) env.PGSSLMODE = target.sslmode;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 64 * 1024) stderr += chunk;
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        new BackupError(
          error.code === 'ENOENT'
            ? `${command} not found: install the PostgreSQL client tools (the same major version as the server, or newer) and put them on PATH`
            : `could not run ${command}: ${error.message}`,
        ),
      );
    });
    child.on('close', (code, signal) => {
      if (code === 0) return resolvePromise();
      const status = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const detail = scrub(stderr.trim(), target);
      reject(new BackupError(`${basename(command)} ${status} (database ${target.display})${detail ? `:\n${detail}` : ''}`));
    });
  });
}

/** Belt and braces: the tools never see the password on their command line, but mask it if it ever shows up. */
function scrub(text: string, target: PgTarget): string {
  return target.password ? text.split(target.password).join('***') : text;
}
