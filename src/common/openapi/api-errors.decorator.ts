import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorCode } from '../errors/error-code';
import { ERROR_CATALOG } from '../errors/error-catalog';
import { DEFAULT_CODES, errorDescription, errorExample, errorHeaders } from './error-examples';
import { ErrorResponseDto } from './error-response.dto';

/**
 * Documents failure answers in the API.md error shape, one example per code:
 * a status stands for its usual codes (`401` → the four TOKEN_* codes, `403` → FORBIDDEN, `400` → VALIDATION_FAILED, …),
 * an ErrorCode for itself under its own status. Repeated statuses (here or in another decorator) merge.
 *
 * @example `@ApiErrors(ErrorCode.VALIDATION_FAILED, ErrorCode.USER_EXISTS)` or `@ApiErrors(403, ErrorCode.USER_NOT_FOUND)`;
 * `{ status: 400, code }` for a code a route answers under another status than the catalog's (PASSKEY_INVALID).
 *
 * Guarded routes need no `401` here: the OpenAPI document adds the token failures to every operation that needs a token.
 */
export function ApiErrors(...items: (number | ErrorCode | { status: number; code: ErrorCode })[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const item of items) {
    if (typeof item === 'object') {
      byStatus.set(item.status, [...(byStatus.get(item.status) ?? []), item.code]);
      continue;
    }
    const codes = typeof item === 'number' ? DEFAULT_CODES[item] : [item];
    if (!codes) throw new Error(`ApiErrors: no default error codes for status ${item}; name the codes instead`);
    for (const code of codes) {
      const status = ERROR_CATALOG[code].status;
      byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
    }
  }
  return applyDecorators(
    ...[...byStatus].map(([status, codes]) => {
      const headers = errorHeaders(status, codes);
      return ApiResponse({
        status,
        description: errorDescription(codes),
        type: ErrorResponseDto,
        ...(Object.keys(headers).length > 0 && { headers }),
        examples: Object.fromEntries(codes.map((code) => [code, errorExample(code, status)])),
      });
    }),
  );
}
