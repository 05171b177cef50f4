import { applyDecorators, createParamDecorator, ExecutionContext, Header } from '@nestjs/common';
import { ApiExtraModels, ApiHeader, ApiOkResponse, getSchemaPath } from '@nestjs/swagger';
import { AppException } from '../../common/errors';
import { TokenPairDto } from '../dto/token-pair.dto';
import { CookieSessionDto } from './dto/cookie-session.dto';

/** Where an answer that issues tokens puts them: the body (token pair) or the session cookies. */
export type TokenTransportMode = 'body' | 'cookie';

/** The part of Fastify's reply that sets cookies. */
export interface CookieReply {
  header(name: string, value: string | string[]): unknown;
}

/** What a route that issues tokens needs to answer in the transport the client asked for. */
export interface TokenTransport {
  mode: TokenTransportMode;
  reply: CookieReply;
}

export const TOKEN_TRANSPORT_HEADER = 'x-token-transport';

/** The transport of `X-Token-Transport` (`cookie`, or absent for the body); any other value is a 400. */
export function transportModeOf(headers: Record<string, string | string[] | undefined>): TokenTransportMode {
  const value = headers[TOKEN_TRANSPORT_HEADER];
  if (value === undefined) return 'body';
  if (typeof value === 'string' && value.trim().toLowerCase() === 'cookie') return 'cookie';
  throw AppException.validation(['X-Token-Transport must be "cookie" (or left out for tokens in the body)']);
}

/** The request's transport and the reply to set cookies on; read before the handler runs, so a bad value changes nothing. */
export const Transport = createParamDecorator((_: unknown, context: ExecutionContext): TokenTransport => {
  const http = context.switchToHttp();
  return {
    mode: transportModeOf(http.getRequest<{ headers: Record<string, string | string[] | undefined> }>().headers),
    reply: http.getResponse<CookieReply>(),
  };
});

/**
 * A route that ends in a session's tokens (login, refresh, and every other way to sign in): never cached, and
 * documented with both answers. The handler takes `@Transport()` and answers through BrowserSessions.answer.
 */
export const IssuesTokens = (description: string) =>
  applyDecorators(
    Header('Cache-Control', 'no-store'),
    Header('Pragma', 'no-cache'),
    ApiHeader({
      name: 'X-Token-Transport',
      required: false,
      enum: ['cookie'],
      description: '`cookie`: set the tokens as HttpOnly cookies (`__Host-gh-at`, `__Secure-gh-rt`) instead of returning them',
    }),
    ApiExtraModels(TokenPairDto, CookieSessionDto),
    ApiOkResponse({
      description: `${description}. With \`X-Token-Transport: cookie\`, the tokens are set as cookies and the body carries the CSRF token.`,
      schema: { oneOf: [{ $ref: getSchemaPath(TokenPairDto) }, { $ref: getSchemaPath(CookieSessionDto) }] },
    }),
  );
