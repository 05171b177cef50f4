import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/**
 * The request behind a change: who opened or refreshed a session, as recorded on it (shown back in the caller's
 * session list), and where an audit event came from (with the request's X-Request-Id).
 */
export interface ClientInfo {
  userAgent?: string;
  ip?: string;
  requestId?: string;
}

interface ClientRequest {
  id?: string;
  ip?: string;
  headers: Record<string, string | string[] | undefined>;
}

/** The request's client (Fastify honours TRUST_PROXY when it computes `ip`). */
export function clientOf(request: ClientRequest): ClientInfo {
  const userAgent = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof userAgent === 'string' ? userAgent : undefined, requestId: request.id };
}

/** The caller's user agent, address and request id. */
export const Client = createParamDecorator((_: unknown, context: ExecutionContext): ClientInfo =>
  clientOf(context.switchToHttp().getRequest<ClientRequest>()),
);
