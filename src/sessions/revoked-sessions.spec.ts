import { RevokedSessions } from './revoked-sessions';

describe('RevokedSessions', () => {
  it('knows the sessions added to it', () => {
    const revoked = new RevokedSessions();
    revoked.add('a');

    expect([revoked.has('a'), revoked.has('b'), revoked.size]).toEqual([true, false, 1]);
  });

  it('counts a session added twice once', () => {
    const revoked = new RevokedSessions();
    revoked.add('a', new Date(1_000));
    revoked.add('a', new Date(2_000));

    expect(revoked.size).toBe(1);
  });

  it('prunes revocations made before the cutoff and keeps the rest', () => {
    const revoked = new RevokedSessions();
    revoked.add('old', new Date('2025-01-01T00:00:00Z'));
    revoked.add('at-cutoff', new Date('2025-01-01T01:00:00Z'));
    revoked.add('new', new Date('2025-01-01T02:00:00Z'));

    revoked.prune(new Date('2025-01-01T01:00:00Z'));

    expect([revoked.has('old'), revoked.has('at-cutoff'), revoked.has('new'), revoked.size]).toEqual([false, true, true, 2]);
  });

  it('keeps the latest revocation time of a session added again', () => {
    const revoked = new RevokedSessions();
    revoked.add('a', new Date(1_000));
    revoked.add('a', new Date(5_000));

    revoked.prune(new Date(3_000));

    expect(revoked.has('a')).toBe(true);
  });
});
