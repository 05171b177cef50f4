import { readFileSync } from 'node:fs';
import { VARIABLE_NAMES, validateEnvironment } from '../src/config/environment';

// The README and .env.example promise every variable with its default; this keeps them honest.
describe('documented configuration', () => {
  const example = readFileSync('.env.example', 'utf8');
  const readme = readFileSync('README.md', 'utf8');
  const defaults = validateEnvironment({});

  it.each(VARIABLE_NAMES)('%s is in .env.example with its default, and in the README', (name) => {
    const line = example.split('\n').find((l) => l.startsWith(`${name}=`));
    expect(line).toBeDefined();
    const value = line!.slice(name.length + 1);
    const fallback = defaults[name];
    expect(value).toBe(fallback === undefined ? '' : String(fallback));
    expect(readme).toContain(`\`${name}\``);
  });

  it('.env.example itself is a valid configuration', () => {
    const parsed = Object.fromEntries(
      example
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(() => validateEnvironment(parsed)).not.toThrow();
  });
});
