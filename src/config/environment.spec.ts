import { randomBytes } from 'node:crypto';
import { ConfigurationError, decodeDataKey, validate, validatedEnvironment, validateEnvironment } from './environment';

const SECRET_32 = 'k'.repeat(32);

function configurationErrorOf(raw: Record<string, string | undefined>): ConfigurationError {
  try {
    validateEnvironment(raw);
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigurationError for ${JSON.stringify(raw)}`);
}

describe('validateEnvironment', () => {
  it('gives every default when nothing is set', () => {
    const env = validateEnvironment({});

    expect(env).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      HOST: '0.0.0.0',
      DATABASE_URL: 'sqlite:data/gatehouse.sqlite',
      JWT_ALG: 'HS256',
      JWT_SECRET: undefined,
      JWT_ISSUER: 'gatehouse',
      JWT_AUDIENCE: 'gatehouse-api',
      ACCESS_TOKEN_TTL: '15m',
      REFRESH_TOKEN_TTL: '7d',
      BCRYPT_COST: 12,
      PASSWORD_MIN_LENGTH: 12,
      TRUST_PROXY: 'false',
      SWAGGER_ENABLED: true,
      REQUIRE_EMAIL_VERIFICATION: false,
    });
  });

  it('takes the default for empty and blank values', () => {
    const env = validateEnvironment({ PORT: '', BCRYPT_COST: '   ', DATABASE_URL: '', JWT_SECRET: '', NODE_ENV: '' });

    expect(env).toMatchObject({
      PORT: 3000,
      BCRYPT_COST: 12,
      DATABASE_URL: 'sqlite:data/gatehouse.sqlite',
      JWT_SECRET: undefined,
      NODE_ENV: 'development',
    });
  });

  it('converts numeric and boolean variables', () => {
    const env = validateEnvironment({ PORT: '8080', BCRYPT_COST: '4', SWAGGER_ENABLED: 'false', DATABASE_URL: 'postgres://u@h/db' });

    expect(env).toMatchObject({ PORT: 8080, BCRYPT_COST: 4, SWAGGER_ENABLED: false, DATABASE_URL: 'postgres://u@h/db' });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['BCRYPT_COST', '99'],
    ['BCRYPT_COST', '3'],
    ['DATABASE_URL', 'mysql://x'],
    ['ACCESS_TOKEN_TTL', 'soon'],
    ['REFRESH_TOKEN_TTL', '1w'],
    ['TRUST_PROXY', 'yes'],
    ['NODE_ENV', 'staging'],
  ])('refuses %s=%p, naming the variable', (name, value) => {
    expect(configurationErrorOf({ [name]: value }).message).toContain(`${name}:`);
  });

  // parseDurationSeconds reads a zero duration as undefined, which authConfig then hands on as the TTL (`!`):
  // the strategy's lifetime check `exp - iat > undefined` is never true and session expiry becomes an Invalid Date.
  it.each([
    ['ACCESS_TOKEN_TTL', '0'],
    ['REFRESH_TOKEN_TTL', '0m'],
  ])('refuses the zero duration %s=%p', (name, value) => {
    expect(configurationErrorOf({ [name]: value }).message).toContain(`${name}:`);
  });

  it('names every bad variable at once', () => {
    const { message } = configurationErrorOf({ PORT: 'abc', BCRYPT_COST: '99' });

    expect(message).toContain('PORT:');
    expect(message).toContain('BCRYPT_COST:');
  });

  it('requires JWT_SECRET in production', () => {
    expect(configurationErrorOf({ NODE_ENV: 'production' }).message).toContain('JWT_SECRET:');
  });

  it('accepts production with a 32-character secret', () => {
    expect(validateEnvironment({ NODE_ENV: 'production', JWT_SECRET: SECRET_32 }).JWT_SECRET).toBe(SECRET_32);
  });

  it.each(['production', 'development'])('refuses a 16-character secret in %s', (nodeEnv) => {
    expect(configurationErrorOf({ NODE_ENV: nodeEnv, JWT_SECRET: 'k'.repeat(16) }).message).toContain('JWT_SECRET:');
  });

  it('does not require JWT_SECRET outside production', () => {
    expect(validateEnvironment({ NODE_ENV: 'test' }).JWT_SECRET).toBeUndefined();
  });
});

describe('validate (ConfigModule.forRoot)', () => {
  it('keeps what it accepted for the namespaces', () => {
    const env = validate({ PORT: '8080', PATH: '/usr/bin' });

    expect(validatedEnvironment()).toBe(env);
    expect(env.PORT).toBe(8080);
  });

  it('refuses a bad environment as validateEnvironment does', () => {
    expect(() => validate({ NODE_ENV: 'production' })).toThrow(ConfigurationError);
  });
});

describe('browser-session origins', () => {
  it('takes CORS_ORIGINS as a list of origins and refuses "*", paths and other schemes', () => {
    expect(() => validateEnvironment({ CORS_ORIGINS: 'http://localhost:5173, https://app.example/' })).not.toThrow();
    for (const bad of ['*', 'https://app.example/path', 'ftp://files.example', 'app.example', 'https://user@app.example']) {
      expect(configurationErrorOf({ CORS_ORIGINS: `https://ok.example,${bad}` }).message).toContain('CORS_ORIGINS');
    }
  });

  it('defaults REFRESH_REUSE_GRACE_SECONDS to 10, allows 0 (off), and refuses more than 300', () => {
    expect(validateEnvironment({}).REFRESH_REUSE_GRACE_SECONDS).toBe(10);
    expect(validateEnvironment({ REFRESH_REUSE_GRACE_SECONDS: '0' }).REFRESH_REUSE_GRACE_SECONDS).toBe(0);
    expect(configurationErrorOf({ REFRESH_REUSE_GRACE_SECONDS: '301' }).message).toContain('REFRESH_REUSE_GRACE_SECONDS');
    expect(configurationErrorOf({ PUBLIC_URL: 'not a url' }).message).toContain('PUBLIC_URL');
  });

  it('takes a DATA_ENCRYPTION_KEY of exactly 32 bytes as hex, base64 or base64url, and refuses anything else', () => {
    const key = randomBytes(32);
    for (const form of [key.toString('hex'), key.toString('base64'), key.toString('base64url')]) {
      expect(() => validateEnvironment({ DATA_ENCRYPTION_KEY: form })).not.toThrow();
      expect(decodeDataKey(form)).toEqual(key);
    }
    for (const bad of [
      'change-me',
      randomBytes(16).toString('hex'),
      randomBytes(31).toString('base64url'),
      randomBytes(33).toString('base64'),
    ]) {
      expect(configurationErrorOf({ DATA_ENCRYPTION_KEY: bad }).message).toContain('DATA_ENCRYPTION_KEY');
    }
  });

  it('defaults STEP_UP_MAX_AGE to 5m and REQUIRE_MFA_FOR_ADMINS to false', () => {
    expect(validateEnvironment({})).toMatchObject({ STEP_UP_MAX_AGE: '5m', REQUIRE_MFA_FOR_ADMINS: false });
    expect(validateEnvironment({ REQUIRE_MFA_FOR_ADMINS: 'true' }).REQUIRE_MFA_FOR_ADMINS).toBe(true);
    expect(configurationErrorOf({ STEP_UP_MAX_AGE: '0' }).message).toContain('STEP_UP_MAX_AGE');
  });
});
