// Verifies Gatehouse access tokens with the public keys Gatehouse publishes: no secret is shared with this service.
import { createRemoteJWKSet, jwtVerify } from 'jose';

/**
 * Returns `verify(token)`, which resolves to the token's claims or rejects (a jose error) when the token is not a
 * valid Gatehouse access token. The key set is fetched on first use, cached, and fetched again when a token names a
 * key id it does not hold yet (a key rotation), at most every 30 seconds.
 */
export function createVerifier({ jwksUrl, issuer = 'gatehouse', audience = 'gatehouse-api' }) {
  const jwks = createRemoteJWKSet(new URL(jwksUrl));
  return async function verify(token) {
    // typ: only access tokens; the algorithm comes from the key set's `alg`, never from the token alone.
    const { payload } = await jwtVerify(token, jwks, { issuer, audience, typ: 'at+jwt' });
    return payload;
  };
}
