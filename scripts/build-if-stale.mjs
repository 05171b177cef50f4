// `npm run cli` runs this first: it builds only when the build is missing or older than what it is built from, so a
// command such as `migrate` or `backup` starts in a second instead of after a ten-second `nest build`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const OUTPUT = join('dist', 'cli.js');
const INPUTS = ['src', 'tsconfig.json', 'nest-cli.json', 'package-lock.json'];

/** The newest modification time under `path` (a file or a folder), in milliseconds. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), stat.mtimeMs);
}

const builtAt = existsSync(OUTPUT) ? statSync(OUTPUT).mtimeMs : 0;
const stale = INPUTS.filter((input) => newest(input) > builtAt);
if (process.argv.includes('--dry-run')) {
  console.log(stale.length === 0 ? 'up to date' : `stale: ${stale.join(', ')}`);
  process.exit(0);
}
if (stale.length === 0) process.exit(0);
const build = spawnSync('nest', ['build'], { stdio: 'inherit', shell: process.platform === 'win32' });
process.exit(build.status ?? 1);
