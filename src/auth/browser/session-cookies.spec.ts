import { readCookie } from './session-cookies';

const read = (cookie: string | undefined, name = '__Host-gh-at') => readCookie({ headers: { cookie } }, name);

describe('readCookie (one pass over the Cookie header)', () => {
  it.each([
    ['the only pair', '__Host-gh-at=abc', 'abc'],
    ['among others, with blanks', 'a=1;  __Host-gh-at=abc ; b=2', 'abc'],
    ['a value holding =', '__Host-gh-at=a=b=c', 'a=b=c'],
    ['after pairs without a value', 'flag; other; __Host-gh-at=x.y.z', 'x.y.z'],
    ['an empty value', '__Host-gh-at=', ''],
  ])('finds the value as %s', (_, cookie, value) => {
    expect(read(cookie)).toEqual({ value });
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['only a prefix of the name', '__Host-gh-a=1; __Host-gh-atx=2'],
    ['the name without =', '__Host-gh-at'],
    ['the name as a value', 'x=__Host-gh-at'],
  ])('finds nothing in %s', (_, cookie) => {
    expect(read(cookie)).toEqual({ absent: true });
  });

  it('calls a name sent twice malformed, rather than picking one', () => {
    expect(read('__Host-gh-at=a; __Host-gh-at=b')).toEqual({ malformed: 'The cookie __Host-gh-at is sent more than once' });
  });

  it('refuses a header over 8 kB unread', () => {
    expect(read(`__Host-gh-at=a; pad=${'x'.repeat(8200)}`)).toEqual({ malformed: 'The Cookie header is too long' });
  });

  it('reads the worst header it accepts in about the time of one pass', () => {
    const hostile = [';'.repeat(8190) + '=', '='.repeat(8190), 'a;'.repeat(4095)];
    const started = performance.now();
    for (let i = 0; i < 200; i++) for (const header of hostile) read(header);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
