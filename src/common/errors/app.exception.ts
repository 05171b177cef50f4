import { HttpStatus } from '@nestjs/common';
import { ErrorCode } from './error-code';

/**
 * A domain failure with a stable code. Services throw these and stay free of HTTP details;
 * the global filter turns them into the API.md error body.
 */
export class AppException extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: HttpStatus,
    message: string | string[],
    readonly headers: Record<string, string> = {},
  ) {
    super(Array.isArray(message) ? message.join('; ') : message);
    this.details = message;
  }

  readonly details: string | string[];

  static validation(problems: string[]): AppException {
    return new AppException(ErrorCode.VALIDATION_FAILED, HttpStatus.BAD_REQUEST, problems);
  }

  static notFound(code: ErrorCode, what: string): AppException {
    return new AppException(code, HttpStatus.NOT_FOUND, `${what} not found`);
  }
}

/** A failed bearer-token check (RFC 6750): always 401, and the filter adds the challenge. */
export class TokenException extends AppException {
  constructor(
    code: ErrorCode.TOKEN_MISSING | ErrorCode.TOKEN_INVALID | ErrorCode.TOKEN_EXPIRED | ErrorCode.TOKEN_REVOKED,
    message: string,
  ) {
    super(code, HttpStatus.UNAUTHORIZED, message);
  }
}
