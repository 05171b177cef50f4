import { ErrorCode, TokenException } from '../common/errors';

/** Compact JWTs of ours are well under 1 kB; anything near this is hostile and is refused unparsed. */
export const MAX_ACCESS_TOKEN_LENGTH = 8192;

export interface HeaderCarrier {
  headers: Record<string, string | string[] | undefined>;
}

/**
 * The bearer token from `Authorization: Bearer …` or `x-access-token`, found by a linear scan:
 * passport-jwt's own header regex is quadratic on long input. Undefined when the request carries none.
 */
export function extractAccessToken(request: HeaderCarrier): string | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && authorization.length > 0) {
    const token = bearerCredentials(authorization);
    if (token !== undefined) return checked(token);
  }
  const header = request.headers['x-access-token'];
  if (typeof header === 'string' && header.length > 0) return checked(header.trim());
  return undefined;
}

function bearerCredentials(authorization: string): string | undefined {
  if (authorization.length < 7 || authorization.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  return authorization.slice(7).trim();
}

function checked(token: string): string {
  if (token.length === 0) throw new TokenException(ErrorCode.TOKEN_INVALID);
  if (token.length > MAX_ACCESS_TOKEN_LENGTH) throw new TokenException(ErrorCode.TOKEN_INVALID, 'The access token is too long');
  return token;
}
