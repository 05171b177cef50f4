import { hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { keyFrom, openSuccessor, sealSuccessor } from './refresh-successor';
import { newRefreshToken } from './refresh-token';

describe('refresh successor', () => {
  it('derives the key crypto.hkdf derives, so successors sealed before the change still open', () => {
    const sessionId = randomUUID();
    const spent = newRefreshToken(sessionId);
    const hkdf = Buffer.from(hkdfSync('sha256', spent, sessionId, 'gatehouse refresh successor v1', 32));
    expect(keyFrom(spent, sessionId).equals(hkdf)).toBe(true);
  });

  it('opens only with the spent token and the session it was sealed for', () => {
    const sessionId = randomUUID();
    const spent = newRefreshToken(sessionId);
    const successor = newRefreshToken(sessionId);
    const sealed = sealSuccessor(spent, sessionId, successor);
    expect(sealed).not.toContain(successor);
    expect(openSuccessor(spent, sessionId, sealed)).toBe(successor);
    expect(openSuccessor(newRefreshToken(sessionId), sessionId, sealed)).toBeUndefined();
    expect(openSuccessor(spent, randomUUID(), sealed)).toBeUndefined();
    expect(openSuccessor(spent, sessionId, sealed.replace(/^v1\./, 'v2.'))).toBeUndefined();
    expect(openSuccessor(spent, sessionId, `v1.${randomBytes(12).toString('base64url')}.AA.AA`)).toBeUndefined();
  });
});
