import { AppException, ErrorCode } from '../common/errors';
import { resolveReturnTo, withOutcome } from './return-to';

const APP = 'https://app.example/home';
const ORIGINS = ['https://app.example', 'http://localhost:5173'];

function refusal(returnTo: string): ErrorCode | undefined {
  try {
    resolveReturnTo(returnTo, APP, ORIGINS);
    return undefined;
  } catch (error) {
    return (error as AppException).code;
  }
}

describe('resolveReturnTo', () => {
  it('defaults to APP_URL, reads relative URLs against it, and keeps allowed ones', () => {
    expect(resolveReturnTo(undefined, APP, ORIGINS)).toBe(APP);
    expect(resolveReturnTo('', APP, ORIGINS)).toBe(APP);
    expect(resolveReturnTo('/done?x=1', APP, ORIGINS)).toBe('https://app.example/done?x=1');
    expect(resolveReturnTo('http://localhost:5173/#/in', APP, ORIGINS)).toBe('http://localhost:5173/#/in');
    expect(resolveReturnTo('HTTPS://APP.EXAMPLE:443/x', APP, ORIGINS)).toBe('https://app.example/x');
  });

  it.each([
    'https://evil.example/',
    'https://app.example.evil.example/',
    'https://app.example@evil.example/',
    'https://user:pw@app.example/',
    '//evil.example/',
    '/\\evil.example/',
    'javascript:alert(1)',
    'data:text/html,x',
    'http://app.example/',
    'https://app.example:8443/',
    `https://app.example/${'a'.repeat(2048)}`,
  ])('refuses %s', (returnTo) => {
    expect(refusal(returnTo)).toBe(ErrorCode.RETURN_URL_NOT_ALLOWED);
  });
});

describe('withOutcome', () => {
  it('sets the outcome, replacing a parameter of that name, and keeps the rest', () => {
    expect(withOutcome('https://app.example/x?loginCode=planted&tab=2#f', { loginCode: 'real' })).toBe(
      'https://app.example/x?loginCode=real&tab=2#f',
    );
  });
});
