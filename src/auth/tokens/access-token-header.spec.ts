import { AppException, ErrorCode } from '../../common/errors';
import { readAccessTokenHeader } from './access-token-header';

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
