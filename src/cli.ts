import { NestFactory } from '@nestjs/core';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { AppModule } from './app.module';
import { AdminAccountService } from './auth/admin-account.service';
import { generateKeyFiles, generateSecret, isAsymmetricAlgorithm } from './auth/tokens/key-files';
import { validatedEnvironment } from './config';
import { readEnvironmentWithEnvFile } from './config/environment';
import { backupDatabase, redactDatabaseUrl, restoreDatabase } from './database/backup';
import { migrateDatabase } from './database/migrate';

type Values = { username?: string; email?: string; out?: string; from?: string; alg?: string };

interface Command {
  usage: string;
  /** The options it cannot run without. */
  required: (keyof Values)[];
  run: (values: Values) => Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  'create-admin': {
    usage: `create-admin --username NAME --email ADDRESS
      Creates an admin account. The password is read from the terminal, or from ADMIN_PASSWORD when set.`,
    required: ['username', 'email'],
    run: createAdmin,
  },
  backup: {
    usage: `backup --out FILE
      Backs up DATABASE_URL to FILE: SQLite with its online backup API (safe while Gatehouse runs),
      PostgreSQL with pg_dump --format=custom (limited to ?schema= when set).`,
    required: ['out'],
    run: async ({ out }) => {
      const result = await backupDatabase(databaseUrl(), out!);
      process.stdout.write(`backed up ${result.database} to ${result.file} (${result.bytes} bytes)\n`);
      return 0;
    },
  },
  restore: {
    usage: `restore --from FILE
      Replaces the contents of DATABASE_URL with the backup in FILE. Stop every Gatehouse instance first.`,
    required: ['from'],
    run: async ({ from }) => {
      const result = await restoreDatabase(databaseUrl(), from!);
      process.stdout.write(`restored ${result.database} from ${result.file}\n`);
      return 0;
    },
  },
  migrate: {
    usage: `migrate
      Runs the pending database migrations of DATABASE_URL and exits (the app also runs them at start).`,
    required: [],
    run: async () => {
      const url = databaseUrl();
      const applied = await migrateDatabase(url);
      const what = applied.length === 0 ? 'no pending migrations' : `applied ${applied.join(', ')}`;
      process.stdout.write(`${redactDatabaseUrl(url)}: ${what}\n`);
      return 0;
    },
  },
  'keys:generate': {
    usage: `keys:generate --alg RS256|ES256|EdDSA --out FOLDER
      Writes a new key pair, <kid>.private.pem (owner-only) and <kid>.public.pem, for JWT_PRIVATE_KEY_FILE and
      JWT_PUBLIC_KEY_FILES. The README's "Keys and rotation" shows how to roll it in.`,
    required: ['alg', 'out'],
    run: async ({ alg, out }) => {
      if (!isAsymmetricAlgorithm(alg)) {
        process.stderr.write(`--alg must be RS256, ES256 or EdDSA\n`);
        return 2;
      }
      const { kid, privateFile, publicFile } = await generateKeyFiles(alg, out!);
      process.stdout.write(`kid ${kid}\nprivate key: ${privateFile}\npublic key:  ${publicFile}\n`);
      return 0;
    },
  },
  'secret:generate': {
    usage: `secret:generate
      Prints a random 256-bit secret for JWT_SECRET (HS256).`,
    required: [],
    run: () => {
      process.stdout.write(`${generateSecret()}\n`);
      return Promise.resolve(0);
    },
  },
};

const USAGE = `Usage: npm run cli -- COMMAND [OPTIONS]   (or: node dist/cli.js COMMAND [OPTIONS])

${Object.values(COMMANDS)
  .map((command) => `  ${command.usage}`)
  .join('\n\n')}

  The database is DATABASE_URL (from the environment, or .env when present).`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      username: { type: 'string' },
      email: { type: 'string' },
      out: { type: 'string' },
      from: { type: 'string' },
      alg: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = COMMANDS[positionals[0] ?? ''] as Command | undefined;
  if (values.help || !command || positionals.length > 1 || command.required.some((name) => !values[name])) {
    (values.help ? process.stdout : process.stderr).write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  return command.run(values);
}

/** DATABASE_URL as the app would see it: the environment first, then .env (ConfigModule's order). */
function databaseUrl(): string {
  return readEnvironmentWithEnvFile().DATABASE_URL;
}

async function createAdmin({ username, email }: Values): Promise<number> {
  const app = await NestFactory.createApplicationContext(await AppModule.forRoot(), { logger: ['error', 'warn'] });
  try {
    const password = validatedEnvironment().ADMIN_PASSWORD ?? (await askHidden('Password for the new admin: '));
    const admin = await app.get(AdminAccountService).create({ username: username!, email: email!, password });
    process.stdout.write(`created admin ${admin.username} (${admin.id})\n`);
    return 0;
  } finally {
    await app.close();
  }
}

/** Reads a line from the terminal without echoing it. */
function askHidden(prompt: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
    const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput.bind(rl);
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => write(s.startsWith(prompt) ? prompt : '');
    rl.question(prompt, (answer) => {
      rl.close();
      process.stdout.write('\n');
      resolve(answer);
    });
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error & { details?: unknown }) => {
    process.stderr.write(`${error.details ? JSON.stringify(error.details) : error.message}\n`);
    process.exit(1);
  },
);
