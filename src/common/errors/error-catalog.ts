import { HttpStatus } from '@nestjs/common';
import { ErrorCode } from './error-code';

interface CatalogEntry {
  status: number;
  /** When a client sees it, for the operation's description. */
  when: string;
  /** The message sent when the thrower gives none; the OpenAPI example too. */
  message: string | string[];
}

/**
 * Every error code of API.md with its status, meaning and message: the one place that fixes them. The exceptions and
 * the global filter take status and default message from here, the OpenAPI document its examples. A code added to
 * ErrorCode fails to compile until it is described here too.
 */
export const ERROR_CATALOG: Record<ErrorCode, CatalogEntry> = {
  VALIDATION_FAILED: {
    status: HttpStatus.BAD_REQUEST,
    when: 'the input breaks a rule; `message` lists every problem, one per field',
    message: ['username must be 3-32 characters: letters, digits, _ . -', 'email must be a valid email address'],
  },
  MALFORMED_JSON: {
    status: HttpStatus.BAD_REQUEST,
    when: 'the body is not valid JSON (or not UTF-8), nests too deep or holds a prototype key',
    message: 'The request body is not valid JSON',
  },
  BAD_REQUEST: {
    status: HttpStatus.BAD_REQUEST,
    when: 'the request is malformed: a bad escape in the URL, or bytes that are not HTTP',
    message: 'The request is malformed',
  },
  RESET_TOKEN_INVALID: {
    status: HttpStatus.BAD_REQUEST,
    when: 'the reset token is unknown, used, expired or malformed',
    message: 'The reset link is invalid, used or expired',
  },
  VERIFY_TOKEN_INVALID: {
    status: HttpStatus.BAD_REQUEST,
    when: 'the verification token is unknown, used, expired or malformed, or the address has changed since',
    message: 'The verification link is invalid, used or expired',
  },
  MFA_CODE_INVALID: {
    status: HttpStatus.BAD_REQUEST,
    when: 'the TOTP code or recovery code is wrong, already used, or the user has no such factor',
    message: 'The code is invalid or was already used',
  },
  TOKEN_MISSING: { status: HttpStatus.UNAUTHORIZED, when: 'no access token was sent', message: 'An access token is required' },
  TOKEN_INVALID: {
    status: HttpStatus.UNAUTHORIZED,
    when: 'the access token is malformed, badly signed, of the wrong alg/iss/aud/typ or not yet valid',
    message: 'The access token is malformed',
  },
  TOKEN_EXPIRED: { status: HttpStatus.UNAUTHORIZED, when: 'the access token has expired', message: 'The access token has expired' },
  TOKEN_REVOKED: {
    status: HttpStatus.UNAUTHORIZED,
    when: 'the session of the token has ended, or its user is disabled or deleted',
    message: 'The session of this token has ended',
  },
  INVALID_CREDENTIALS: {
    status: HttpStatus.UNAUTHORIZED,
    when: 'wrong password or unknown user (the same answer for both)',
    message: 'Invalid username or password',
  },
  REFRESH_TOKEN_INVALID: {
    status: HttpStatus.UNAUTHORIZED,
    when: 'the refresh token is unknown, expired or of an ended session',
    message: 'Refresh token is invalid or expired',
  },
  REFRESH_TOKEN_REUSED: {
    status: HttpStatus.UNAUTHORIZED,
    when: 'the refresh token was already spent: the whole session is ended',
    message: 'Refresh token was already used; the session has been ended',
  },
  MFA_REQUIRED: {
    status: HttpStatus.UNAUTHORIZED,
    when: 'the password was right and the user has a second factor: the body carries `mfaToken`, `methods` and `expiresIn`; finish at POST /auth/mfa/verify',
    message: 'A second factor is required',
  },
  MFA_TOKEN_INVALID: {
    status: HttpStatus.UNAUTHORIZED,
    when: 'the mfaToken is unknown, used, expired or has seen 5 wrong codes; log in again',
    message: 'The MFA token is invalid, used or expired; log in again',
  },
  STEP_UP_REQUIRED: {
    status: HttpStatus.UNAUTHORIZED,
    when: "the session's authentication is older than STEP_UP_MAX_AGE, or lacks a second factor the user has: re-authenticate at POST /auth/step-up (RFC 9470 challenge in WWW-Authenticate)",
    message: 'Re-authenticate to do this: POST /auth/step-up',
  },
  PASSKEY_INVALID: {
    status: HttpStatus.UNAUTHORIZED,
    when: 'the WebAuthn response is refused: malformed, for another origin or RP ID, an unknown, spent or expired challenge, an unknown credential, no user verification where it is required, or a signature counter that went back (400 at a registration)',
    message: 'The passkey response was refused',
  },
  FORBIDDEN: { status: HttpStatus.FORBIDDEN, when: 'the caller lacks the role this needs', message: 'You do not have the role this needs' },
  CSRF_FAILED: {
    status: HttpStatus.FORBIDDEN,
    when: "a cookie-authenticated request that changes something lacks the session's X-CSRF-Token, or comes from an origin or site that may not use the session; nothing was changed",
    message: 'X-CSRF-Token does not match this session',
  },
  ACCOUNT_DISABLED: {
    status: HttpStatus.FORBIDDEN,
    when: 'the account is disabled (only said after a correct password)',
    message: 'This account is disabled',
  },
  EMAIL_NOT_VERIFIED: {
    status: HttpStatus.FORBIDDEN,
    when: 'REQUIRE_EMAIL_VERIFICATION is on and the address is not verified yet',
    message: 'Verify your email address first: see the mail we sent',
  },
  MFA_ENROLLMENT_REQUIRED: {
    status: HttpStatus.FORBIDDEN,
    when: 'REQUIRE_MFA_FOR_ADMINS is on and the admin token was not issued after a second factor',
    message: 'Admin routes need a session opened with a second factor: enrol one and log in again',
  },
  NOT_FOUND: { status: HttpStatus.NOT_FOUND, when: 'no such route', message: 'Cannot GET /api/v1/nowhere' },
  USER_NOT_FOUND: { status: HttpStatus.NOT_FOUND, when: 'no user has this id', message: 'User not found' },
  SESSION_NOT_FOUND: {
    status: HttpStatus.NOT_FOUND,
    when: "no such session among the caller's (someone else's session is not found either)",
    message: 'Session not found',
  },
  METHOD_NOT_ALLOWED: { status: HttpStatus.METHOD_NOT_ALLOWED, when: 'the route does not take this method', message: 'Method Not Allowed' },
  USER_EXISTS: {
    status: HttpStatus.CONFLICT,
    when: 'the username or email is taken (without regard to case)',
    message: 'A user with this username or email already exists',
  },
  PASSKEY_NOT_FOUND: { status: HttpStatus.NOT_FOUND, when: 'the caller has no passkey with this id', message: 'Passkey not found' },
  PASSKEY_LIMIT_REACHED: {
    status: HttpStatus.CONFLICT,
    when: 'the user already has 20 passkeys: remove one first',
    message: 'A user may have at most 20 passkeys',
  },
  MFA_ALREADY_ENABLED: {
    status: HttpStatus.CONFLICT,
    when: 'TOTP is already on for this user (turn it off first to enrol another authenticator)',
    message: 'TOTP is already enabled',
  },
  MFA_NOT_ENABLED: {
    status: HttpStatus.CONFLICT,
    when: 'TOTP is not on for this user (or no enrolment is pending, for a confirmation)',
    message: 'TOTP is not enabled',
  },
  PAYLOAD_TOO_LARGE: { status: HttpStatus.PAYLOAD_TOO_LARGE, when: 'the body is over 100 kB', message: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    when: 'the body is not application/json',
    message: 'Unsupported Media Type',
  },
  URI_TOO_LONG: {
    status: HttpStatus.URI_TOO_LONG,
    when: 'a path parameter is over 100 characters',
    message: 'A path parameter is too long',
  },
  HEADERS_TOO_LARGE: {
    status: 431, // Request Header Fields Too Large: not in Nest's HttpStatus
    when: 'the request line and headers are over 16 kB',
    message: 'The request headers are too large',
  },
  REQUEST_TIMEOUT: {
    status: HttpStatus.REQUEST_TIMEOUT,
    when: 'the client took longer than `HEADERS_TIMEOUT` for its headers or `REQUEST_TIMEOUT` for its whole request; the connection is closed',
    message: 'The request took too long to arrive',
  },
  TOO_MANY_REQUESTS: {
    status: HttpStatus.TOO_MANY_REQUESTS,
    when: 'too many requests or failed logins; wait `Retry-After` seconds',
    message: 'Too many requests from this address; try again later',
  },
  PROVIDER_NOT_FOUND: {
    status: HttpStatus.NOT_FOUND,
    when: 'no identity provider of this id is configured',
    message: 'No such identity provider',
  },
  PROVIDER_UNAVAILABLE: {
    status: HttpStatus.SERVICE_UNAVAILABLE,
    when: "the identity provider's discovery document could not be read yet (it is retried in the background)",
    message: 'The identity provider is not reachable yet; try again shortly',
  },
  RETURN_URL_NOT_ALLOWED: {
    status: HttpStatus.BAD_REQUEST,
    when: "`returnTo` is not an http(s) URL on APP_URL's origin or one of CORS_ORIGINS",
    message: 'returnTo must be on an allowed origin',
  },
  LOGIN_CODE_INVALID: {
    status: HttpStatus.BAD_REQUEST,
    when: 'the loginCode is unknown, used, expired or malformed',
    message: 'The login code is invalid, used or expired',
  },
  IDENTITY_NOT_FOUND: {
    status: HttpStatus.NOT_FOUND,
    when: "no such identity among the caller's",
    message: 'Identity not found',
  },
  IDENTITY_IN_USE: {
    status: HttpStatus.CONFLICT,
    when: 'that identity at the provider is linked to another user',
    message: 'This identity is linked to another account',
  },
  LAST_LOGIN_METHOD: {
    status: HttpStatus.CONFLICT,
    when: 'unlinking would leave the user with no password, no passkey and no identity to sign in with',
    message: 'This is your only way to sign in: set a password first',
  },
  ACCOUNT_EXISTS: {
    status: HttpStatus.CONFLICT,
    when: "the provider's email belongs to a local account: log in to it, then link the provider (never linked by email alone)",
    message: 'An account with this email exists: log in and link the provider from there',
  },
  OIDC_STATE_INVALID: {
    status: HttpStatus.BAD_REQUEST,
    when: 'the sign-in state is unknown, already used or expired',
    message: 'The sign-in request is unknown, used or expired; start again',
  },
  OIDC_FAILED: {
    status: HttpStatus.BAD_GATEWAY,
    when: 'the provider answered an error, the code exchange failed, or the ID token did not verify',
    message: 'Sign-in with the identity provider failed',
  },
  INTERNAL_ERROR: { status: HttpStatus.INTERNAL_SERVER_ERROR, when: 'an unexpected failure', message: 'Internal server error' },
  DATABASE_UNAVAILABLE: {
    status: HttpStatus.SERVICE_UNAVAILABLE,
    when: 'the database does not answer; retry after `Retry-After` seconds',
    message: 'The database is unavailable; try again shortly',
  },
  MFA_UNAVAILABLE: {
    status: HttpStatus.SERVICE_UNAVAILABLE,
    when: 'DATA_ENCRYPTION_KEY is not configured, so TOTP secrets cannot be stored',
    message: 'TOTP is not available on this server: DATA_ENCRYPTION_KEY is not configured',
  },
  SERVICE_UNAVAILABLE: {
    status: HttpStatus.SERVICE_UNAVAILABLE,
    when: 'a dependency does not answer; `message` names it',
    message: 'Not ready: database unavailable',
  },
};
