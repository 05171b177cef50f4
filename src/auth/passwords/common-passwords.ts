import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The 10 000 most common passwords, one a line, most common first: the first 10 000 lines of SecLists'
 * Passwords/Common-Credentials/10-million-password-list-top-1000000.txt (Daniel Miessler et al., MIT licence).
 * nest-cli.json copies the file beside the compiled module.
 */
const FILE = join(__dirname, 'common-passwords.txt');

/** Read once, when this module loads; lower-cased, so `Password1` is as common as `password1`. */
const COMMON = new Set(
  readFileSync(FILE, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((password) => password.toLowerCase()),
);

/** NIST SP 800-63B-4 §3.1.1.2: refuse passwords found in lists of commonly used or compromised values. */
export function isCommonPassword(password: string): boolean {
  return COMMON.has(password.toLowerCase());
}
