import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { STATUS_CODES } from 'node:http';
import { AppException, TokenException } from './app.exception';
import { catalogBody, ErrorBody, errorBody } from './error-body';
import { ErrorCode } from './error-code';

const REALM = 'Bearer realm="gatehouse"';

/** The part of a pino logger the filter writes to (Fastify's `request.log`). */
export interface RequestLog {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** What the filter learns from outside `common/`: metrics for refused tokens, and which errors mean an outage. */
export interface FilterHooks {
  onTokenRejected?: (code: ErrorCode) => void;
  isUnavailable?: (error: unknown) => boolean;
}

/** Codes for Nest's and Fastify's own errors, by status, where nothing more specific is known. */
const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  400: ErrorCode.BAD_REQUEST,
  401: ErrorCode.TOKEN_INVALID,
  403: ErrorCode.FORBIDDEN,
  404: ErrorCode.NOT_FOUND,
  405: ErrorCode.METHOD_NOT_ALLOWED,
  408: ErrorCode.REQUEST_TIMEOUT,
  413: ErrorCode.PAYLOAD_TOO_LARGE,
  414: ErrorCode.URI_TOO_LONG,
  415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  429: ErrorCode.TOO_MANY_REQUESTS,
  431: ErrorCode.HEADERS_TOO_LARGE,
  503: ErrorCode.DATABASE_UNAVAILABLE,
};

/**
 * The one place where failures become HTTP answers: every error gets the API.md body with a stable `code`,
 * every 401 the RFC 6750 challenge, and anything unexpected a bare 500 (its stack goes to the log only).
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');
  /** For errors raised outside a request: Nest's Logger, which writes through the same pino root. */
  private readonly fallbackLog: RequestLog = {
    warn: (fields, message) => this.logger.warn({ ...fields, msg: message }),
    error: (_fields, message) => this.logger.error(message),
  };

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly hooks: FilterHooks = {},
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    // The request's own logger, when there is one, so these lines carry its request id.
    const http = host.switchToHttp() as Partial<ReturnType<ArgumentsHost['switchToHttp']>>;
    const log = http.getRequest?.<{ log?: RequestLog } | undefined>()?.log ?? this.fallbackLog;
    if (exception instanceof TokenException) {
      // The code only: a token's content is a credential and never goes to a log.
      log.warn({ context: 'Errors', event: 'token_rejected', code: exception.code }, 'token rejected');
      this.hooks.onTokenRejected?.(exception.code);
    }
    const { body, headers } = this.toResponse(exception, log);
    const adapter = this.adapterHost.httpAdapter;
    const response = host.switchToHttp().getResponse<unknown>();
    for (const [name, value] of Object.entries(headers)) adapter.setHeader(response, name, value);
    adapter.reply(response, body, body.statusCode);
  }

  private toResponse(exception: unknown, log: RequestLog): { body: ErrorBody; headers: Record<string, string> } {
    if (exception instanceof AppException) {
      const body = errorBody(exception.status, exception.code, exception.details);
      // A challenge of the exception's own (RFC 9470's step-up) replaces the default one.
      return { body: { ...body, ...exception.fields }, headers: { ...challengeFor(body), ...exception.headers } };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status >= 500) return this.unexpected(exception, log);
      const response = exception.getResponse();
      const message =
        typeof response === 'object' && response && 'message' in response
          ? (response as { message: string | string[] }).message
          : exception.message;
      const body = errorBody(status, CODE_BY_STATUS[status] ?? ErrorCode.BAD_REQUEST, message);
      return { body, headers: challengeFor(body) };
    }
    const clientError = asFastifyClientError(exception);
    if (clientError) return { body: clientError, headers: {} };
    if (this.hooks.isUnavailable?.(exception)) {
      // Expected during an outage, and retried by clients: a warning, not a stack per request.
      log.warn({ context: 'Errors' }, `dependency unavailable: ${exception instanceof Error ? exception.message : String(exception)}`);
      return { body: catalogBody(ErrorCode.DATABASE_UNAVAILABLE), headers: { 'Retry-After': '5' } };
    }
    return this.unexpected(exception, log);
  }

  private unexpected(exception: unknown, log: RequestLog): { body: ErrorBody; headers: Record<string, string> } {
    log.error({ context: 'Errors' }, exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return { body: catalogBody(ErrorCode.INTERNAL_ERROR), headers: {} };
  }
}

function challengeFor(body: ErrorBody): Record<string, string> {
  if (body.statusCode !== 401) return {};
  const tokenPresented = body.code.startsWith('TOKEN_') && body.code !== ErrorCode.TOKEN_MISSING;
  if (!tokenPresented) return { 'WWW-Authenticate': REALM };
  const description = String(body.message).replace(/["\\]/g, '');
  return { 'WWW-Authenticate': `${REALM}, error="invalid_token", error_description="${description}"` };
}

/** Fastify rejects bad bodies (size, JSON syntax, media type) before Nest routes the request. */
function asFastifyClientError(exception: unknown): ErrorBody | undefined {
  if (!(exception instanceof Error)) return undefined;
  const { statusCode, code } = exception as Error & { statusCode?: unknown; code?: unknown };
  if (typeof statusCode !== 'number' || statusCode < 400 || statusCode >= 500) return undefined;
  const isJsonSyntax = exception instanceof SyntaxError || (typeof code === 'string' && code.includes('JSON'));
  if (statusCode === 400 && isJsonSyntax) return catalogBody(ErrorCode.MALFORMED_JSON);
  if (statusCode === 413) return catalogBody(ErrorCode.PAYLOAD_TOO_LARGE);
  const message = STATUS_CODES[statusCode] ?? 'Bad request';
  return errorBody(statusCode, CODE_BY_STATUS[statusCode] ?? ErrorCode.BAD_REQUEST, message);
}
