import { STATUS_CODES } from 'node:http';
import { ERROR_CATALOG } from '../errors/error-catalog';
import { ErrorCode } from '../errors/error-code';

/** What a bare status in `@ApiErrors(…)` stands for. */
export const DEFAULT_CODES: Partial<Record<number, ErrorCode[]>> = {
  400: [ErrorCode.VALIDATION_FAILED],
  401: [ErrorCode.TOKEN_MISSING, ErrorCode.TOKEN_INVALID, ErrorCode.TOKEN_EXPIRED, ErrorCode.TOKEN_REVOKED],
  403: [ErrorCode.FORBIDDEN],
  404: [ErrorCode.NOT_FOUND],
  409: [ErrorCode.USER_EXISTS],
  413: [ErrorCode.PAYLOAD_TOO_LARGE],
  415: [ErrorCode.UNSUPPORTED_MEDIA_TYPE],
  429: [ErrorCode.TOO_MANY_REQUESTS],
  500: [ErrorCode.INTERNAL_ERROR],
  503: [ErrorCode.SERVICE_UNAVAILABLE],
};

/** The error body a client gets for `code`, as an OpenAPI example object. */
export function errorExample(code: ErrorCode, status = ERROR_CATALOG[code].status): { summary: string; value: object } {
  const { message } = ERROR_CATALOG[code];
  return { summary: code, value: { statusCode: status, code, message, error: STATUS_CODES[status] ?? 'Error' } };
}

/** One Markdown list line per code, for a response's description. */
export function errorDescription(codes: ErrorCode[]): string {
  return codes.map((code) => `- \`${code}\`: ${ERROR_CATALOG[code].when}`).join('\n');
}

/** Headers that come with these codes: the RFC 6750 challenge on 401, Retry-After on 429 and outages. */
export function errorHeaders(status: number, codes: ErrorCode[]): Record<string, { description: string; schema: { type: 'string' } }> {
  const headers: Record<string, { description: string; schema: { type: 'string' } }> = {};
  if (status === 401) {
    headers['WWW-Authenticate'] = {
      description: 'RFC 6750 challenge: `Bearer realm="gatehouse"`, with `error="invalid_token"` when a token was presented',
      schema: { type: 'string' },
    };
  }
  if (codes.includes(ErrorCode.TOO_MANY_REQUESTS) || codes.includes(ErrorCode.DATABASE_UNAVAILABLE)) {
    headers['Retry-After'] = { description: 'Seconds to wait before trying again', schema: { type: 'string' } };
  }
  return headers;
}
