// The framework floor: NestJS on Fastify with one global guard doing the limit's checks (bearer-check.mjs), and nothing
// else: no logging, metrics, validation, versioning or exception filter.
//   GET /me               answers with Fastify's own headers only, as the raw limit's /me does
//   GET /me/with-headers  the same, with Gatehouse's response headers (RESPONSE_HEADERS, as JSON) and a request id
// What any Nest app pays before its own features, with and without those headers. For the README, not the target.
import 'reflect-metadata';
import { Controller, Get, Module, Req, UnauthorizedException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { bearerCheck } from './bearer-check.mjs';

const { PORT, JWT_SECRET, RESPONSE_HEADERS } = process.env;
const headers = JSON.parse(RESPONSE_HEADERS ?? '{}');
const check = bearerCheck(JWT_SECRET);

class BearerGuard {
  canActivate(context) {
    const request = context.switchToHttp().getRequest();
    try {
      request.user = check(request.headers.authorization);
      return true;
    } catch {
      throw new UnauthorizedException({ code: 'TOKEN_INVALID' });
    }
  }
}

// Decorators applied by hand: this file is plain JavaScript.
class MeController {
  me(request) {
    return request.user;
  }
  meWithHeaders(request) {
    return request.user;
  }
}
for (const [method, path] of [
  ['me', 'me'],
  ['meWithHeaders', 'me/with-headers'],
]) {
  Req()(MeController.prototype, method, 0);
  Get(path)(MeController.prototype, method, Object.getOwnPropertyDescriptor(MeController.prototype, method));
}
Controller()(MeController);
class FloorModule {}
Module({ controllers: [MeController] })(FloorModule);

const app = await NestFactory.create(FloorModule, new FastifyAdapter(), { logger: false });
app.useGlobalGuards(new BearerGuard());
app.getHttpAdapter().getInstance().addHook('onRequest', (request, reply, done) => {
  if (request.url === '/me/with-headers') reply.headers(headers).header('X-Request-Id', randomUUID());
  done();
});
await app.listen(Number(PORT), '127.0.0.1');
