import { NestFactory } from '@nestjs/core';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { AdminAccountService } from './auth/admin-account.service';
import { AppModule } from './app.module';
import { readEnvironment } from './config';

const USAGE = `Usage: npm run cli -- create-admin --username NAME --email ADDRESS
  The password is read from the terminal, or from ADMIN_PASSWORD when set.`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { username: { type: 'string' }, email: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help || positionals[0] !== 'create-admin' || !values.username || !values.email) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const password = readEnvironment().ADMIN_PASSWORD ?? (await askHidden('Password for the new admin: '));
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
  try {
    const admin = await app.get(AdminAccountService).create({ username: values.username, email: values.email, password });
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
