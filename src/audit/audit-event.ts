import { AuditEventType, AuditOutcome } from './audit-event-type';
import { AuditEventRow } from './audit-event.entity';

/** What a code path tells the trail; the rest (id, time, where the request came from) is filled in. */
export interface AuditRecord {
  type: AuditEventType;
  /** The account the event is about; unset when there is none (a failed login for a name that matches no user). */
  userId?: string | null;
  /** Who did it: the user themself for self-service, the admin for admin actions; unset when anonymous. */
  actorId?: string | null;
  /** `success` unless said. */
  outcome?: AuditOutcome;
  /** Non-secret facts (`{ method }` of a login, `{ changes }` of an admin's edit); never a password, token or code. */
  details?: Record<string, unknown>;
}

/** The request that caused an event (ClientInfo carries it from the controller). */
export interface AuditContext {
  ip?: string;
  userAgent?: string;
  requestId?: string;
}

/** An event as API.md shows it: the body of the query routes and of every webhook delivery. */
export interface AuditEvent {
  id: string;
  type: string;
  at: string;
  actorId: string | null;
  userId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  outcome: string;
  details: Record<string, unknown>;
}

export function toAuditEvent(row: AuditEventRow): AuditEvent {
  return {
    id: row.id,
    type: row.type,
    at: row.at.toISOString(),
    actorId: row.actorId,
    userId: row.userId,
    ip: row.ip,
    userAgent: row.userAgent,
    requestId: row.requestId,
    outcome: row.outcome,
    details: JSON.parse(row.details) as Record<string, unknown>,
  };
}

/** Keys that could only hold a secret: dropped wherever they appear, so a careless caller cannot store one. */
const SECRET_KEY = /password|token|secret|cookie|^(code|recoveryCode|otp)$/i;

export function withoutSecrets(details: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(details)
      .filter(([key]) => !SECRET_KEY.test(key))
      .map(([key, value]) => [key, isPlainObject(value) ? withoutSecrets(value) : value]),
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
