import { ErrorCode, TokenException } from '../../common/errors';

/** RFC 9068: the media type that tells an access token from any other JWT. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/**
 * API.md orders the checks: format, signature and header first (TOKEN_INVALID), then `exp` (TOKEN_EXPIRED).
 * jsonwebtoken checks `exp` before anything we add after it, so the header is checked here, before verification:
 * the one configured `alg`, `typ: at+jwt`, and no `crit` (RFC 7515 §4.1.11: we understand no extensions).
 */
export function assertAccessTokenHeader(token: string, algorithm: string): void {
  const dot = token.indexOf('.');
  if (dot <= 0) throw invalid('The access token is malformed');
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'));
  } catch {
    throw invalid('The access token is malformed');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw invalid('The access token is malformed');
  const { alg, typ, crit } = header as Record<string, unknown>;
  if (alg !== algorithm) throw invalid('The token is not signed with the accepted algorithm');
  if (typ !== ACCESS_TOKEN_TYPE) throw invalid('The token is not an access token');
  if (crit !== undefined) throw invalid('The token has critical header parameters');
}

function invalid(message: string): TokenException {
  return new TokenException(ErrorCode.TOKEN_INVALID, message);
}
