import { HttpStatus } from '@nestjs/common';
import { ERROR_CATALOG } from './error-catalog';
import { ErrorCode } from './error-code';

/**
 * A domain failure with a stable code. Services throw the code and stay free of HTTP details: the error catalog fixes
 * its status and default message, and the global filter turns it into the API.md error body.
 */
export class AppException extends Error {
  readonly details: string | string[];

  constructor(
    readonly code: ErrorCode,
    message: string | string[] = ERROR_CATALOG[code].message,
    readonly headers: Record<string, string> = {},
    /** Fields the contract adds to this code's body (MFA_REQUIRED's `mfaToken`, `methods`, `expiresIn`). */
    readonly fields: Record<string, unknown> = {},
  ) {
    super(Array.isArray(message) ? message.join('; ') : message);
    this.details = message;
  }

  /** The catalog's status for the code: never chosen by the thrower. */
  get status(): HttpStatus {
    return ERROR_CATALOG[this.code].status;
  }

  static validation(problems: string[]): AppException {
    return new AppException(ErrorCode.VALIDATION_FAILED, problems);
  }

  /** TOO_MANY_REQUESTS with the seconds a client should wait (RFC 9110 §10.2.3). */
  static tooManyRequests(retryAfterSeconds: number, message?: string): AppException {
    return new AppException(ErrorCode.TOO_MANY_REQUESTS, message, { 'Retry-After': String(retryAfterSeconds) });
  }
}

/** A failed bearer-token check (RFC 6750): the filter adds the challenge. */
export class TokenException extends AppException {
  constructor(
    code: ErrorCode.TOKEN_MISSING | ErrorCode.TOKEN_INVALID | ErrorCode.TOKEN_EXPIRED | ErrorCode.TOKEN_REVOKED,
    message?: string,
  ) {
    super(code, message);
  }
}

/**
 * PASSKEY_INVALID where a registration is refused: API.md answers a refused registration 400 (the request was bad) and
 * a refused sign-in 401 (it authenticates nothing), under the one code.
 */
export class PasskeyRegistrationRefused extends AppException {
  constructor(message?: string) {
    super(ErrorCode.PASSKEY_INVALID, message);
  }

  override get status(): HttpStatus {
    return HttpStatus.BAD_REQUEST;
  }
}
