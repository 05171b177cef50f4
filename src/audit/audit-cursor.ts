import { createHmac, timingSafeEqual } from 'node:crypto';

/** Where a page ended: the (at, id) of its last event, the keyset the next page starts below. */
export interface AuditPosition {
  at: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Opaque page cursors, signed, and bound to the query that issued them (its filters, and for /auth/events the
 * caller): a cursor this service did not make, or made for another query, is refused rather than read.
 */
export class AuditCursors {
  constructor(private readonly key: Buffer) {}

  issue(position: AuditPosition, scope: string): string {
    const body = Buffer.from(`${position.at.toISOString()}|${position.id}`).toString('base64url');
    return `${body}.${this.mac(body, scope).toString('base64url')}`;
  }

  /** The position in a cursor, or undefined when it is not one this query issued. */
  read(cursor: string, scope: string): AuditPosition | undefined {
    const [body, mac, ...rest] = cursor.split('.');
    if (!body || !mac || rest.length > 0) return undefined;
    const given = Buffer.from(mac, 'base64url');
    const expected = this.mac(body, scope);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const [at, id] = Buffer.from(body, 'base64url').toString().split('|');
    const time = new Date(at ?? '');
    if (Number.isNaN(time.getTime()) || !UUID.test(id ?? '')) return undefined;
    return { at: time, id };
  }

  private mac(body: string, scope: string): Buffer {
    return createHmac('sha256', this.key).update(scope).update('\n').update(body).digest().subarray(0, 16);
  }
}
