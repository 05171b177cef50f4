import { AppException, ErrorCode } from '../../common/errors';
import { AccessTokenHeaderReader, readAccessTokenHeader } from './access-token-header';

const segment = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const token = (header: unknown) => `${segment(header)}.${segment({ sub: 'x' })}.signature`;

function codeOf(check: () => void): ErrorCode | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    return error instanceof AppException ? error.code : undefined;
  }
}

describe('readAccessTokenHeader', () => {
  it('accepts the configured alg with typ at+jwt', () => {
    expect(codeOf(() => readAccessTokenHeader(token({ alg: 'HS256', typ: 'at+jwt' }), 'HS256'))).toBeUndefined();
  });

  it.each([
    ['typ JWT', token({ alg: 'HS256', typ: 'JWT' })],
    ['no typ', token({ alg: 'HS256' })],
    ['a crit header', token({ alg: 'HS256', typ: 'at+jwt', crit: ['exp'] })],
    ['alg none', token({ alg: 'none', typ: 'at+jwt' })],
    ['another HMAC alg', token({ alg: 'HS512', typ: 'at+jwt' })],
    ['a header that is an array', token([{ alg: 'HS256' }])],
    ['a header that is not JSON', `${segment('{not json')}.e30.sig`],
    ['no dot at all', 'abc'],
    ['an empty header', '.e30.sig'],
  ])('refuses %s as TOKEN_INVALID', (_, value) => {
    expect(codeOf(() => readAccessTokenHeader(value, 'HS256'))).toBe(ErrorCode.TOKEN_INVALID);
  });
});

describe('AccessTokenHeaderReader', () => {
  const signed = token({ alg: 'ES256', typ: 'at+jwt', kid: 'key-1' });

  it('checks a header it has not been told is signed, as readAccessTokenHeader does', () => {
    const reader = new AccessTokenHeaderReader('ES256');
    expect(reader.read(signed)).toEqual({ kid: 'key-1' });
    expect(codeOf(() => reader.read(token({ alg: 'HS256', typ: 'at+jwt' })))).toBe(ErrorCode.TOKEN_INVALID);
    expect(codeOf(() => reader.read('abc'))).toBe(ErrorCode.TOKEN_INVALID);
  });

  it('recognises a remembered header by its text, whatever the rest of the token', () => {
    const reader = new AccessTokenHeaderReader('ES256');
    const header = reader.read(signed);
    reader.remember(signed, header);
    const another = `${signed.split('.')[0]}.${segment({ sub: 'y' })}.other-signature`;

    expect(reader.read(another)).toBe(header);
  });

  it('never lets a remembered header stand in for a different one', () => {
    const reader = new AccessTokenHeaderReader('ES256');
    reader.remember(signed, reader.read(signed));

    expect(codeOf(() => reader.read(token({ alg: 'ES256', typ: 'JWT', kid: 'key-1' })))).toBe(ErrorCode.TOKEN_INVALID);
    expect(reader.read(token({ alg: 'ES256', typ: 'at+jwt', kid: 'key-2' }))).toEqual({ kid: 'key-2' });
  });

  it('keeps only a few headers, forgetting the oldest, and still reads every header correctly', () => {
    const reader = new AccessTokenHeaderReader('ES256');
    const tokens = Array.from({ length: 40 }, (_, i) => token({ alg: 'ES256', typ: 'at+jwt', kid: `key-${i}` }));
    const first = reader.read(tokens[0]);
    for (const t of tokens) reader.remember(t, t === tokens[0] ? first : reader.read(t));

    expect(reader.read(tokens[0])).not.toBe(first);
    expect(tokens.map((t) => reader.read(t).kid)).toEqual(tokens.map((_, i) => `key-${i}`));
  });
});
