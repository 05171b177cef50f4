/** Every event type of API.md "Audit trail and webhooks": the one list the recorder, the filters and the docs use. */
export const AUDIT_EVENT_TYPES = [
  'user.registered',
  'login.succeeded',
  'login.failed',
  'login.locked',
  'mfa.failed',
  'refresh.reused',
  'session.revoked',
  'logout',
  'logout_all',
  'password.changed',
  'password.reset_requested',
  'password.reset',
  'email.verified',
  'mfa.enabled',
  'mfa.disabled',
  'mfa.recovery_code_used',
  'mfa.recovery_codes_regenerated',
  'passkey.added',
  'passkey.removed',
  'identity.linked',
  'identity.unlinked',
  'user.updated',
  'user.deleted',
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export type AuditOutcome = 'success' | 'failure';

/** How a login was proven, in the `method` of login events. */
export type LoginMethod = 'password' | 'mfa' | 'passkey' | 'oidc';
