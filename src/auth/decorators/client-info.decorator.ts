import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ClientInfo } from '../../sessions/session.types';

/** The caller's user agent and address (Fastify honours TRUST_PROXY when it computes `ip`). */
export const Client = createParamDecorator((_: unknown, context: ExecutionContext): ClientInfo => {
  const request = context.switchToHttp().getRequest<{ ip?: string; headers: Record<string, string | string[] | undefined> }>();
  const userAgent = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof userAgent === 'string' ? userAgent : undefined };
});
