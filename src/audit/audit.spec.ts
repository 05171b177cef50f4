import { randomBytes, randomUUID } from 'node:crypto';
import { AuditCursors } from './audit-cursor';
import { withoutSecrets } from './audit-event';
import { DEFAULT_WEBHOOK_TIMINGS, retryDelayMs } from './webhooks/webhook-timings';
import { webhookSignature } from './webhooks/webhook-signature';

describe('AuditCursors', () => {
  const cursors = new AuditCursors(randomBytes(32));
  const position = { at: new Date('2026-12-03T13:30:00.123Z'), id: randomUUID() };

  it('reads back what it issued for the same query', () => {
    expect(cursors.read(cursors.issue(position, 'scope-a'), 'scope-a')).toEqual(position);
  });

  it('refuses a cursor of another query, another key, or one that was altered', () => {
    const cursor = cursors.issue(position, 'scope-a');
    expect(cursors.read(cursor, 'scope-b')).toBeUndefined();
    expect(new AuditCursors(randomBytes(32)).read(cursor, 'scope-a')).toBeUndefined();
    const [body, mac] = cursor.split('.');
    const otherBody = Buffer.from(`2030-01-01T00:00:00.000Z|${position.id}`).toString('base64url');
    expect(cursors.read(`${otherBody}.${mac}`, 'scope-a')).toBeUndefined();
    expect(cursors.read(`${body}.${mac.slice(0, -2)}`, 'scope-a')).toBeUndefined();
    for (const junk of ['', '.', 'a.b.c', 'x', `${body}.`]) expect(cursors.read(junk, 'scope-a')).toBeUndefined();
  });
});

describe('withoutSecrets', () => {
  it('drops every key that could hold a secret, at any depth, and keeps the rest', () => {
    expect(
      withoutSecrets({
        method: 'password',
        password: 'p',
        refreshToken: 't',
        nested: { newPassword: 'p', code: '123456', recoveryCode: 'r', kept: 1 },
        changes: { email: { from: 'a@x', to: 'b@x' } },
        clientSecret: 's',
        cookie: 'c',
      }),
    ).toEqual({ method: 'password', nested: { kept: 1 }, changes: { email: { from: 'a@x', to: 'b@x' } } });
  });
});

describe('webhook pacing and signature', () => {
  it('waits 2 s, then twice as long each time, up to the cap', () => {
    expect([1, 2, 3, 4].map((attempts) => retryDelayMs(DEFAULT_WEBHOOK_TIMINGS, attempts))).toEqual([2_000, 4_000, 8_000, 16_000]);
    expect(retryDelayMs(DEFAULT_WEBHOOK_TIMINGS, 40)).toBe(DEFAULT_WEBHOOK_TIMINGS.maxRetryMs);
  });

  it('signs "<t>.<body>" with HMAC-SHA256 (a known vector)', () => {
    // echo -n '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
    expect(webhookSignature('secret', '{"a":1}', 1_700_000_000)).toBe(
      't=1700000000,v1=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686',
    );
  });
});
