import { jest } from '@jest/globals';
import {
  ArgumentsHost,
  BadRequestException,
  InternalServerErrorException,
  Logger,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AllExceptionsFilter } from './all-exceptions.filter';
import { ErrorBody } from './error-body';
import { AppException, TokenException } from './app.exception';
import { ErrorCode } from './error-code';

interface Answer {
  status?: number;
  body?: ErrorBody;
  headers: Record<string, string>;
}

function answerTo(exception: unknown): Answer {
  const response = { sent: { headers: {} } as Answer };
  const adapterHost = {
    httpAdapter: {
      setHeader: (res: typeof response, name: string, value: string) => {
        res.sent.headers[name] = value;
      },
      reply: (res: typeof response, body: ErrorBody, status: number) => {
        res.sent.body = body;
        res.sent.status = status;
      },
    },
  } as unknown as HttpAdapterHost;
  const host = { switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
  new AllExceptionsFilter(adapterHost).catch(exception, host);
  return response.sent;
}

describe('AllExceptionsFilter', () => {
  let loggedErrors: unknown[];
  let loggedWarnings: unknown[];

  // Nest's Logger stands in for a request's own (there is none here); its console output is captured, not printed.
  beforeEach(() => {
    loggedErrors = [];
    loggedWarnings = [];
    jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => void loggedErrors.push(message));
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void loggedWarnings.push(message));
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it("answers an AppException with its code, the catalog's status and its message", () => {
    const answer = answerTo(new AppException(ErrorCode.USER_EXISTS, 'The username or email is taken'));

    expect(answer).toEqual({
      status: 409,
      body: { statusCode: 409, code: 'USER_EXISTS', message: 'The username or email is taken', error: 'Conflict' },
      headers: {},
    });
  });

  it("sends the catalog's message when the exception gives none", () => {
    expect(answerTo(new AppException(ErrorCode.SESSION_NOT_FOUND)).body).toEqual({
      statusCode: 404,
      code: 'SESSION_NOT_FOUND',
      message: 'Session not found',
      error: 'Not Found',
    });
  });

  it('keeps every problem of a validation failure', () => {
    const answer = answerTo(AppException.validation(['username is too short', 'email must be an email']));

    expect(answer.body).toEqual({
      statusCode: 400,
      code: 'VALIDATION_FAILED',
      message: ['username is too short', 'email must be an email'],
      error: 'Bad Request',
    });
  });

  it('sends the headers an AppException carries', () => {
    const answer = answerTo(AppException.tooManyRequests(30, 'Slow down'));

    expect([answer.status, answer.headers]).toEqual([429, { 'Retry-After': '30' }]);
  });

  it('challenges a presented but expired token with error="invalid_token"', () => {
    const answer = answerTo(new TokenException(ErrorCode.TOKEN_EXPIRED, 'The access token has expired'));

    expect(answer.status).toBe(401);
    expect(answer.body?.code).toBe('TOKEN_EXPIRED');
    // The rejection is logged by its code alone: a token is a credential.
    expect(loggedWarnings).toEqual([{ context: 'Errors', event: 'token_rejected', code: 'TOKEN_EXPIRED', msg: 'token rejected' }]);
    expect(answer.headers).toEqual({
      'WWW-Authenticate': 'Bearer realm="gatehouse", error="invalid_token", error_description="The access token has expired"',
    });
  });

  it('keeps quotes and backslashes out of the error_description', () => {
    const answer = answerTo(new TokenException(ErrorCode.TOKEN_INVALID, 'bad "token" \\ here'));

    expect(answer.headers['WWW-Authenticate']).toBe('Bearer realm="gatehouse", error="invalid_token", error_description="bad token  here"');
  });

  it.each([
    ['a missing token', new TokenException(ErrorCode.TOKEN_MISSING, 'An access token is required')],
    ['wrong credentials', new AppException(ErrorCode.INVALID_CREDENTIALS)],
  ])('challenges %s with the bare realm', (_, exception) => {
    expect(answerTo(exception).headers).toEqual({ 'WWW-Authenticate': 'Bearer realm="gatehouse"' });
  });

  it("maps Nest's NotFoundException to NOT_FOUND", () => {
    const answer = answerTo(new NotFoundException('Cannot GET /nowhere'));

    expect(answer).toEqual({
      status: 404,
      body: { statusCode: 404, code: 'NOT_FOUND', message: 'Cannot GET /nowhere', error: 'Not Found' },
      headers: {},
    });
  });

  it("maps Nest's UnauthorizedException to TOKEN_INVALID with a challenge", () => {
    const answer = answerTo(new UnauthorizedException());

    expect([answer.status, answer.body?.code]).toEqual([401, 'TOKEN_INVALID']);
    expect(answer.headers['WWW-Authenticate']).toMatch(/^Bearer realm="gatehouse"/);
  });

  it("keeps the message list of Nest's BadRequestException", () => {
    expect(answerTo(new BadRequestException(['a is bad', 'b is bad'])).body).toMatchObject({
      code: 'BAD_REQUEST',
      message: ['a is bad', 'b is bad'],
    });
  });

  it('maps a Fastify body-size error to PAYLOAD_TOO_LARGE', () => {
    const error = Object.assign(new Error('Request body is too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });

    expect(answerTo(error)).toEqual({
      status: 413,
      body: { statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large', error: 'Payload Too Large' },
      headers: {},
    });
  });

  it('maps a Fastify JSON syntax error to MALFORMED_JSON', () => {
    const error = Object.assign(new SyntaxError('Unexpected token } in JSON'), { statusCode: 400 });

    expect(answerTo(error).body).toMatchObject({ statusCode: 400, code: 'MALFORMED_JSON' });
  });

  it('answers a plain Error as a bare 500 and logs its stack', () => {
    const error = new Error('database password is hunter2');

    const answer = answerTo(error);

    expect(answer).toEqual({
      status: 500,
      body: { statusCode: 500, code: 'INTERNAL_ERROR', message: 'Internal server error', error: 'Internal Server Error' },
      headers: {},
    });
    expect(JSON.stringify(answer.body)).not.toMatch(/hunter2|at .*\.ts/);
    expect(loggedErrors).toEqual([error.stack]);
  });

  it.each([
    ['a Nest 5xx', new InternalServerErrorException('connection string postgres://secret')],
    ['an error with a 5xx statusCode', Object.assign(new Error('upstream secret'), { statusCode: 502 })],
    ['a thrown string', 'secret'],
  ])('answers %s as a bare 500', (_, exception) => {
    expect(answerTo(exception).body).toEqual({
      statusCode: 500,
      code: 'INTERNAL_ERROR',
      message: 'Internal server error',
      error: 'Internal Server Error',
    });
  });
});
