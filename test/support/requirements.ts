import { existsSync } from 'node:fs';

/**
 * What an optional block of tests needs from the machine. A block whose need is not met is skipped with the need in its
 * title, so a skipped line in Jest's report says how to run it, rather than passing in silence.
 */
export interface Requirement {
  met: boolean;
  /** How to meet it, for the title of what it skips. */
  howTo: string;
}

export const POSTGRES: Requirement = {
  met: Boolean(process.env.TEST_DATABASE_URL),
  howTo: 'needs PostgreSQL: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test',
};

export const REDIS: Requirement = {
  met: Boolean(process.env.TEST_REDIS_URL),
  howTo: 'needs Redis: set TEST_REDIS_URL=redis://127.0.0.1:6379',
};

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM: Requirement = {
  met: existsSync(CHROMIUM_PATH),
  howTo: `needs Debian's Chromium at ${CHROMIUM_PATH}: apt-get install chromium`,
};

function unmet(requirements: Requirement[]): string | undefined {
  const missing = requirements.filter((requirement) => !requirement.met);
  return missing.length === 0 ? undefined : missing.map((requirement) => requirement.howTo).join('; ');
}

/** `describe` when every requirement is met; otherwise `describe.skip`, the reason in the title. */
export function describeIf(...requirements: Requirement[]): (title: string, fn: () => void) => void {
  const reason = unmet(requirements);
  return reason === undefined ? describe : (title, fn) => describe.skip(`${title} [skipped: ${reason}]`, fn);
}

/** `it` when every requirement is met; otherwise `it.skip`, the reason in the title. */
export function itIf(...requirements: Requirement[]): (title: string, fn: () => Promise<void>, timeout?: number) => void {
  const reason = unmet(requirements);
  return reason === undefined ? it : (title, fn, timeout) => it.skip(`${title} [skipped: ${reason}]`, fn, timeout);
}
