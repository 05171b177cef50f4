import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { defaults as pgDefaults, types as pgTypes } from 'pg';
import { DataSourceOptions } from 'typeorm';
import { AuditEventRow } from '../audit/audit-event.entity';
import { WebhookDelivery } from '../audit/webhooks/webhook-delivery.entity';
import { LoginLockout } from '../auth/lockout/login-lockout.entity';
import { OneTimeToken } from '../auth/recovery/one-time-token.entity';
import { LinkedIdentity } from '../identity-providers/linked-identity.entity';
import { OidcFlow } from '../identity-providers/oidc-flow.entity';
import { OidcLoginCode } from '../identity-providers/oidc-login-code.entity';
import { MfaChallenge } from '../mfa/entities/mfa-challenge.entity';
import { RecoveryCode } from '../mfa/entities/recovery-code.entity';
import { TotpCredential } from '../mfa/entities/totp-credential.entity';
import { PasskeyChallenge } from '../passkeys/entities/passkey-challenge.entity';
import { Passkey } from '../passkeys/entities/passkey.entity';
import { Session } from '../sessions/session.entity';
import { User } from '../users/user.entity';
import { InitialSchema1764000000000 } from './migrations/1764000000000-initial-schema';
import { LoginLockouts1764000100000 } from './migrations/1764000100000-login-lockouts';
import { OneTimeTokens1764000200000 } from './migrations/1764000200000-one-time-tokens';
import { RefreshGrace1764001600000 } from './migrations/1764001600000-refresh-grace';
import { SecondFactors1764001700000 } from './migrations/1764001700000-second-factors';
import { IdentityProviders1764001800000 } from './migrations/1764001800000-identity-providers';
import { AuditEvents1764002000000 } from './migrations/1764002000000-audit-events';
import { Passkeys1764002100000 } from './migrations/1764002100000-passkeys';
import { SessionSecondFactor1764002200000 } from './migrations/1764002200000-session-second-factor';
import { SessionSubject1764002300000 } from './migrations/1764002300000-session-subject';

export const ENTITIES = [
  User,
  Session,
  LoginLockout,
  OneTimeToken,
  TotpCredential,
  RecoveryCode,
  MfaChallenge,
  Passkey,
  PasskeyChallenge,
  LinkedIdentity,
  OidcFlow,
  OidcLoginCode,
  AuditEventRow,
  WebhookDelivery,
];
export const MIGRATIONS = [
  InitialSchema1764000000000,
  LoginLockouts1764000100000,
  OneTimeTokens1764000200000,
  RefreshGrace1764001600000,
  SecondFactors1764001700000,
  IdentityProviders1764001800000,
  AuditEvents1764002000000,
  Passkeys1764002100000,
  SessionSecondFactor1764002200000,
  SessionSubject1764002300000,
];

const PG_TIMESTAMP_WITHOUT_TZ = 1114;

/**
 * DataSource options from a DATABASE_URL, shared by the app and ormconfig.ts.
 * `sqlite:<file>` or `sqlite::memory:` selects the embedded database; `postgres://…[?schema=name]` PostgreSQL.
 */
export function dataSourceOptions(url: string): DataSourceOptions {
  const common = { entities: ENTITIES, migrations: MIGRATIONS, synchronize: false, logging: false } as const;
  if (url.startsWith('sqlite:')) {
    const database = url.slice('sqlite:'.length);
    if (database !== ':memory:') mkdirSync(dirname(database), { recursive: true });
    return { ...common, type: 'better-sqlite3', database, enableWAL: database !== ':memory:', timeout: 5000 };
  }
  // Timestamps are stored as UTC wall time in `timestamp` columns (the type SQLite's `datetime` maps to);
  // reading them as UTC keeps every instance right whatever its local time zone.
  pgDefaults.parseInputDatesAsUTC = true;
  pgTypes.setTypeParser(PG_TIMESTAMP_WITHOUT_TZ, (text) => new Date(`${text.replace(' ', 'T')}Z`));
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  return {
    ...common,
    type: 'postgres',
    url: parsed.toString(),
    schema,
    // Bounded waits, so an outage answers 503 in seconds instead of hanging requests; the pool reconnects by itself.
    connectTimeoutMS: 2000,
    extra: { max: 10, options: '-c timezone=UTC', query_timeout: 5000, statement_timeout: 5000, keepAlive: true },
  };
}
