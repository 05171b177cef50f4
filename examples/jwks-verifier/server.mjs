// Another service of your system: GET /hello answers the caller by name when its Gatehouse access token verifies.
import { errors } from 'jose';
import { createServer } from 'node:http';
import { createVerifier } from './verifier.mjs';

const verify = createVerifier({
  jwksUrl: process.env.GATEHOUSE_JWKS_URL ?? 'http://localhost:3000/.well-known/jwks.json',
  issuer: process.env.GATEHOUSE_ISSUER ?? 'gatehouse',
  audience: process.env.GATEHOUSE_AUDIENCE ?? 'gatehouse-api',
});

function send(response, status, body, headers = {}) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

const server = createServer(async (request, response) => {
  if (request.method !== 'GET' || request.url !== '/hello') return send(response, 404, { error: 'not found' });
  const token = /^Bearer ([^\s]+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (!token) return send(response, 401, { error: 'missing bearer token' }, { 'www-authenticate': 'Bearer' });
  try {
    const claims = await verify(token);
    send(response, 200, { message: `hello ${claims.username}`, username: claims.username, sub: claims.sub });
  } catch (error) {
    // A jose error means the token is bad; anything else (Gatehouse unreachable) is our problem, not the caller's.
    if (!(error instanceof errors.JOSEError) || error instanceof errors.JWKSTimeout) {
      return send(response, 503, { error: 'cannot fetch the Gatehouse key set' });
    }
    send(response, 401, { error: 'invalid token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
  }
});

server.listen(Number(process.env.PORT ?? 4000), process.env.HOST ?? '127.0.0.1', () => {
  console.log(`listening on http://${server.address().address}:${server.address().port}`);
});
