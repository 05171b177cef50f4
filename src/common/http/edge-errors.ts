import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { catalogBody } from '../errors/error-body';
import { ErrorCode } from '../errors/error-code';

/** Where refused requests are counted: the request metrics' `forRoute(method, route).record(status, seconds)`. */
export interface EdgeErrorCounter {
  forRoute(method: string, route: string): { record(status: number, seconds: number): void };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Set by configureApp, read by the handlers below, which run outside any request hook. */
    edgeErrorCounter?: EdgeErrorCounter;
  }
}

/** The metrics and log label of requests that matched no route: never the URL, so the label set stays bounded. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Node's HTTP parser codes with an answer of their own; every other parser failure is a 400. */
const PARSER_ERRORS: Record<string, ErrorCode> = {
  ERR_HTTP_REQUEST_TIMEOUT: ErrorCode.REQUEST_TIMEOUT,
  HPE_HEADER_OVERFLOW: ErrorCode.HEADERS_TOO_LARGE,
};

/** The router's refusals: a bad escape in the URL, an over-long path parameter, a failed route constraint. */
const ROUTER_ERRORS: Record<string, ErrorCode> = {
  FST_ERR_BAD_URL: ErrorCode.BAD_REQUEST,
  FST_ERR_MAX_PARAM_LENGTH: ErrorCode.URI_TOO_LONG,
};

/**
 * Answers for the requests that never reach Nest, so that every response the process sends has the API.md error body
 * with a stable code, the security headers and a request id, is logged and is counted:
 * - Fastify's router refuses a bad escape in the URL (400) or a path parameter over 100 characters (414) before any
 *   hook runs; Fastify's own answers carried none of that and echoed the path back.
 * - Node's HTTP parser refuses bytes that are not HTTP (400), a request line and headers over 16 kB (431), and a
 *   client too slow to send its headers or its whole request (408) before Fastify sees a request at all.
 */
export function edgeErrorHandlers(
  headers: Readonly<Record<string, string>>,
): Pick<FastifyServerOptions, 'frameworkErrors' | 'clientErrorHandler'> {
  return {
    frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
      const body = catalogBody(ROUTER_ERRORS[error.code] ?? ErrorCode.BAD_REQUEST);
      request.log.info(
        { method: request.method, route: UNMATCHED_ROUTE, statusCode: body.statusCode, reason: error.code },
        'request refused',
      );
      request.server.edgeErrorCounter?.forRoute(request.method, UNMATCHED_ROUTE).record(body.statusCode, 0);
      void reply.headers(headers).header('x-request-id', request.id).code(body.statusCode).send(body);
    },

    clientErrorHandler(this: FastifyInstance, error: Error & { code?: string }, socket: Duplex) {
      // A reset connection has nobody to answer; a response already under way cannot be replaced by another.
      const response = (socket as Duplex & { _httpMessage?: { headersSent: boolean } })._httpMessage;
      if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable || response?.headersSent) {
        socket.destroy();
        return;
      }
      const body = catalogBody(PARSER_ERRORS[error.code ?? ''] ?? ErrorCode.BAD_REQUEST);
      const requestId = randomUUID();
      this.log.info(
        { requestId, route: UNMATCHED_ROUTE, statusCode: body.statusCode, reason: error.code },
        'request refused by the HTTP parser',
      );
      this.edgeErrorCounter?.forRoute('unknown', UNMATCHED_ROUTE).record(body.statusCode, 0);
      // The parser cannot go on after an error, so the connection is closed once the answer is out.
      socket.end(rawResponse(body.statusCode, JSON.stringify(body), { ...headers, 'x-request-id': requestId }), () => socket.destroy());
    },
  };
}

function rawResponse(status: number, body: string, headers: Record<string, string>): string {
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}
