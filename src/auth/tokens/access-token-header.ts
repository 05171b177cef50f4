import { ErrorCode, TokenException } from '../../common/errors';

/** RFC 9068: the media type that tells an access token from any other JWT. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

export interface AccessTokenHeader {
  kid?: string;
}

/**
 * API.md orders the checks: format, signature and header first (TOKEN_INVALID), then `exp` (TOKEN_EXPIRED). The header
 * is read here, before any verification: the one configured `alg`, `typ: at+jwt`, no `crit` (RFC 7515 §4.1.11: we
 * understand no extensions), and a string `kid` if any. `jku`, `x5u` and `jwk` are never looked at (RFC 8725 §3.10).
 */
export function readAccessTokenHeader(token: string, algorithm: string): AccessTokenHeader {
  const dot = token.indexOf('.');
  if (dot <= 0) throw invalid('The access token is malformed');
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'));
  } catch {
    throw invalid('The access token is malformed');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw invalid('The access token is malformed');
  const { alg, typ, crit, kid } = header as Record<string, unknown>;
  if (alg !== algorithm) throw invalid('The token is not signed with the accepted algorithm');
  if (typ !== ACCESS_TOKEN_TYPE) throw invalid('The token is not an access token');
  if (crit !== undefined) throw invalid('The token has critical header parameters');
  if (kid !== undefined && typeof kid !== 'string') throw invalid('The token has a malformed key id');
  return { kid: kid };
}

/** Our own keys' headers, one per key in practice; a few more allow for rotations. */
const REMEMBERED_HEADERS = 16;

/**
 * `readAccessTokenHeader` for the hot path: every token that one key signs carries the same encoded header, so a
 * header is parsed once and then recognised by its text. Only headers of tokens whose signature verified are
 * remembered (`remember`): a header that merely passes the checks costs an attacker nothing to vary, a signed one
 * can only come from our keys.
 */
export class AccessTokenHeaderReader {
  private readonly verified = new Map<string, AccessTokenHeader>();
  /** The remembered headers themselves: a header `read` answered from memory is known by identity, without its text. */
  private readonly remembered = new Set<AccessTokenHeader>();

  constructor(private readonly algorithm: string) {}

  read(token: string): AccessTokenHeader {
    return this.verified.get(encodedHeader(token)) ?? readAccessTokenHeader(token, this.algorithm);
  }

  /** Called once the token's signature has verified. */
  remember(token: string, header: AccessTokenHeader): void {
    if (this.remembered.has(header)) return;
    const encoded = encodedHeader(token);
    if (this.verified.has(encoded)) return;
    // A Map iterates in insertion order: the first key is the oldest header, of a key long rotated out.
    if (this.verified.size >= REMEMBERED_HEADERS) {
      const [oldest, itsHeader] = this.verified.entries().next().value!;
      this.verified.delete(oldest);
      this.remembered.delete(itsHeader);
    }
    this.verified.set(encoded, header);
    this.remembered.add(header);
  }
}

function encodedHeader(token: string): string {
  return token.slice(0, token.indexOf('.'));
}

function invalid(message: string): TokenException {
  return new TokenException(ErrorCode.TOKEN_INVALID, message);
}
