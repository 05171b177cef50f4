import { appUrlOf, ConfigurationError, validateEnvironment } from './environment';
import { relyingPartyOf, relyingPartyWarning } from './webauthn';

const partyOf = (raw: Record<string, string>) => {
  const env = validateEnvironment(raw);
  return relyingPartyOf(env, appUrlOf(env));
};

const problemsOf = (raw: Record<string, string>): string => {
  try {
    validateEnvironment(raw);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.message;
    throw error;
  }
  return '';
};

describe('the WebAuthn relying party', () => {
  it("defaults to APP_URL's host and origin, which default to this service's own /account page", () => {
    expect(partyOf({})).toEqual({ id: 'localhost', name: 'Gatehouse', origins: ['http://localhost:3000'] });
    expect(partyOf({ APP_URL: 'https://app.example.com/signed-in' })).toMatchObject({
      id: 'app.example.com',
      origins: ['https://app.example.com'],
    });
  });

  it('takes an RP ID that the origins are under, and several origins', () => {
    expect(partyOf({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://id.example.com, https://example.com' })).toEqual({
      id: 'example.com',
      name: 'Gatehouse',
      origins: ['https://id.example.com', 'https://example.com'],
    });
  });

  it('refuses an origin outside the RP ID, a look-alike suffix, plain http off localhost, and what is not an origin', () => {
    expect(problemsOf({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://example.org' })).toContain('is not on WEBAUTHN_RP_ID');
    expect(problemsOf({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://badexample.com' })).toContain('is not on WEBAUTHN_RP_ID');
    expect(problemsOf({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'http://example.com' })).toContain('must be https');
    expect(problemsOf({ WEBAUTHN_ORIGINS: 'https://example.com/path' })).toContain('is not an origin');
    expect(problemsOf({ WEBAUTHN_RP_ID: 'https://example.com' })).toContain('WEBAUTHN_RP_ID must be a lower-case host name');
    expect(problemsOf({ WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: 'http://localhost:5173' })).toBe('');
  });

  it('warns, without refusing, about defaults browsers would refuse: an address, or http off localhost', () => {
    expect(relyingPartyWarning(partyOf({ PUBLIC_URL: 'http://127.0.0.1:3000' }))).toContain('is an address');
    expect(relyingPartyWarning(partyOf({ APP_URL: 'http://intranet.example/app' }))).toContain('need https');
    expect(relyingPartyWarning(partyOf({}))).toBeUndefined();
  });
});
