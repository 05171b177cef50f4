import { performance } from 'node:perf_hooks';
import { AppException, ErrorCode } from '../common/errors';
import { extractAccessToken, HeaderCarrier, MAX_ACCESS_TOKEN_LENGTH } from './access-token.extractor';

const request = (headers: HeaderCarrier['headers']): HeaderCarrier => ({ headers });

function errorOf(run: () => unknown): AppException {
  try {
    run();
  } catch (error) {
    if (error instanceof AppException) return error;
    throw error;
  }
  throw new Error('expected an AppException');
}

describe('extractAccessToken', () => {
  it.each(['Bearer', 'bearer', 'BEARER', 'bEaReR'])('reads the token after the %s scheme', (scheme) => {
    expect(extractAccessToken(request({ authorization: `${scheme} abc.def.ghi` }))).toBe('abc.def.ghi');
  });

  it('trims the space around the token', () => {
    expect(extractAccessToken(request({ authorization: 'Bearer   abc.def.ghi  ' }))).toBe('abc.def.ghi');
  });

  it('reads x-access-token when there is no Authorization header', () => {
    expect(extractAccessToken(request({ 'x-access-token': ' abc.def.ghi ' }))).toBe('abc.def.ghi');
  });

  it.each([
    ['no headers', {}],
    ['Basic credentials', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['a scheme without a space', { authorization: 'Bearerabc.def.ghi' }],
    ['an empty header', { authorization: '' }],
  ])('finds nothing with %s', (_, headers: HeaderCarrier['headers']) => {
    expect(extractAccessToken(request(headers))).toBeUndefined();
  });

  it('refuses a bearer header without a token as TOKEN_INVALID', () => {
    const error = errorOf(() => extractAccessToken(request({ authorization: 'Bearer    ' })));

    expect([error.code, error.status]).toEqual([ErrorCode.TOKEN_INVALID, 401]);
  });

  it(`accepts a token of ${MAX_ACCESS_TOKEN_LENGTH} characters and refuses one longer as TOKEN_INVALID`, () => {
    const longest = 'a'.repeat(MAX_ACCESS_TOKEN_LENGTH);

    expect(extractAccessToken(request({ authorization: `Bearer ${longest}` }))).toBe(longest);
    expect(errorOf(() => extractAccessToken(request({ authorization: `Bearer ${longest}a` }))).code).toBe(ErrorCode.TOKEN_INVALID);
    expect(errorOf(() => extractAccessToken(request({ 'x-access-token': `${longest}a` }))).code).toBe(ErrorCode.TOKEN_INVALID);
  });

  it('handles 100 kB space-free headers in linear time', () => {
    const hostile = 'A'.repeat(100_000);
    const started = performance.now();

    expect(extractAccessToken(request({ authorization: hostile }))).toBeUndefined();
    expect(errorOf(() => extractAccessToken(request({ authorization: `Bearer ${hostile}` }))).code).toBe(ErrorCode.TOKEN_INVALID);
    expect(errorOf(() => extractAccessToken(request({ authorization: `Bearer\t${hostile}`, 'x-access-token': hostile }))).code).toBe(
      ErrorCode.TOKEN_INVALID,
    );

    expect(performance.now() - started).toBeLessThan(50);
  });
});
