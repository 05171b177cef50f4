import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// `npm run cli` used to run a full `nest build` (about ten seconds) before every command; now it builds only when
// dist/cli.js is missing or older than a source, the TypeScript or Nest configuration, or the lockfile.

const SCRIPT = resolve('scripts/build-if-stale.mjs');

describe('npm run cli builds only when needed (scripts/build-if-stale.mjs)', () => {
  let project: string;
  const at = (path: string, seconds: number) => utimesSync(join(project, path), seconds, seconds);
  const verdict = () => execFileSync(process.execPath, [SCRIPT, '--dry-run'], { cwd: project, encoding: 'utf8' }).trim();

  beforeEach(() => {
    project = mkdtempSync(join(tmpdir(), 'gatehouse-cli-build-'));
    mkdirSync(join(project, 'src', 'users'), { recursive: true });
    mkdirSync(join(project, 'dist'));
    for (const file of ['src/main.ts', 'src/users/users.service.ts', 'tsconfig.json', 'nest-cli.json', 'package-lock.json']) {
      writeFileSync(join(project, file), '');
      at(file, 1_000);
    }
    for (const folder of ['src', 'src/users']) at(folder, 1_000);
  });

  it('builds when there is no build yet', () => {
    expect(verdict()).toBe('stale: src, tsconfig.json, nest-cli.json, package-lock.json');
  });

  it('does not build when dist/cli.js is newer than everything it is built from', () => {
    writeFileSync(join(project, 'dist', 'cli.js'), '');
    at('dist/cli.js', 2_000);

    expect(verdict()).toBe('up to date');
  });

  it('builds when a source deep in src/ changed after the build', () => {
    writeFileSync(join(project, 'dist', 'cli.js'), '');
    at('dist/cli.js', 2_000);
    at('src/users/users.service.ts', 3_000);

    expect(verdict()).toBe('stale: src');
  });

  it('builds when the lockfile changed (new dependencies) after the build', () => {
    writeFileSync(join(project, 'dist', 'cli.js'), '');
    at('dist/cli.js', 2_000);
    at('package-lock.json', 3_000);

    expect(verdict()).toBe('stale: package-lock.json');
  });
});
