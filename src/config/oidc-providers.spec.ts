import { validateEnvironment } from './environment';
import { isLoopbackUrl, readOidcProviders } from './oidc-providers';

const corp = {
  OIDC_CORP_ISSUER: 'https://sso.example.com/realms/main',
  OIDC_CORP_CLIENT_ID: 'gatehouse',
  OIDC_CORP_CLIENT_SECRET: 's3cret',
};

describe('readOidcProviders', () => {
  it('reads each listed provider from its own variables, with the defaults', () => {
    const { providers, problems } = readOidcProviders(' Corp , my-idp', {
      ...corp,
      OIDC_MY_IDP_ISSUER: 'http://127.0.0.1:8080',
      OIDC_MY_IDP_CLIENT_ID: 'a',
      OIDC_MY_IDP_CLIENT_SECRET: 'b',
      OIDC_MY_IDP_NAME: 'Local',
      OIDC_MY_IDP_SCOPES: 'openid,email',
    });
    expect(problems).toEqual([]);
    expect(providers).toEqual([
      {
        id: 'corp',
        name: 'corp',
        issuer: corp.OIDC_CORP_ISSUER,
        clientId: 'gatehouse',
        clientSecret: 's3cret',
        scopes: ['openid', 'email', 'profile'],
      },
      { id: 'my-idp', name: 'Local', issuer: 'http://127.0.0.1:8080', clientId: 'a', clientSecret: 'b', scopes: ['openid', 'email'] },
    ]);
  });

  it.each([
    ['http://sso.example.com', 'must be https'],
    ['http://10.0.0.1', 'must be https'],
    ['ftp://sso.example.com', 'must be https'],
    ['not a url', 'is not a URL'],
    ['https://sso.example.com/?x=1', 'no query'],
  ])('refuses the issuer %s', (issuer, problem) => {
    const { providers, problems } = readOidcProviders('corp', { ...corp, OIDC_CORP_ISSUER: issuer });
    expect(providers).toEqual([]);
    expect(problems).toEqual([expect.stringContaining(problem)]);
  });

  it('names every missing variable, a bad id, a repeated id and scopes without openid', () => {
    expect(readOidcProviders('corp', {}).problems).toEqual([
      'OIDC_PROVIDERS: "corp" needs OIDC_CORP_ISSUER, OIDC_CORP_CLIENT_ID, OIDC_CORP_CLIENT_SECRET',
    ]);
    expect(readOidcProviders('c/rp', {}).problems).toEqual([expect.stringContaining('"c/rp" must be')]);
    expect(readOidcProviders('corp,corp', corp).problems).toEqual(['OIDC_PROVIDERS: "corp" is listed twice']);
    expect(readOidcProviders('corp', { ...corp, OIDC_CORP_SCOPES: 'email' }).problems).toEqual(['OIDC_CORP_SCOPES: must include openid']);
  });

  it('stops the start with the problem, through the one validation', () => {
    expect(() => validateEnvironment({ OIDC_PROVIDERS: 'corp', ...corp, OIDC_CORP_ISSUER: 'http://sso.example.com' })).toThrow(
      /OIDC_CORP_ISSUER/,
    );
  });

  it('knows loopback addresses', () => {
    for (const url of ['http://127.0.0.1:1', 'http://localhost', 'http://[::1]:8080', 'http://127.1.2.3'])
      expect(isLoopbackUrl(new URL(url))).toBe(true);
    for (const url of ['http://127.0.0.1.evil.com', 'http://localhost.evil.com', 'http://10.0.0.1'])
      expect(isLoopbackUrl(new URL(url))).toBe(false);
  });
});
