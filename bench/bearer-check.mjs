// The Bearer check of the raw limit and the NestJS floor server, the same as Gatehouse's: fast-jwt (signature, alg,
// iss, aud, exp, required claims), `typ: at+jwt`, and the revoked-session set.
import { createVerifier } from 'fast-jwt';

/** Returns a check of an Authorization header that answers with the caller, or throws. */
export function bearerCheck(secret) {
  const verify = createVerifier({
    key: secret,
    algorithms: ['HS256'],
    allowedIss: 'gatehouse',
    allowedAud: 'gatehouse-api',
    requiredClaims: ['exp', 'sub', 'sid'],
    complete: true,
    cache: false,
  });
  const revoked = new Set(['00000000-0000-0000-0000-000000000000']);
  return (authorization) => {
    if (!authorization || !authorization.startsWith('Bearer ')) throw new Error('missing');
    const { header, payload } = verify(authorization.slice(7));
    if (header.typ !== 'at+jwt' || revoked.has(payload.sid)) throw new Error('refused');
    return { id: payload.sub, username: payload.username, roles: payload.roles };
  };
}
