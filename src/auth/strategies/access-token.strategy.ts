import type { Request } from 'express';
import { Strategy } from 'passport-strategy';

type Verify = (request: Request, done: (error: unknown, user?: object | null) => void) => void;

/**
 * The Passport strategy behind `AuthGuard('jwt')`, ours rather than passport-jwt (whose jsonwebtoken has no EdDSA,
 * and whose header regex is quadratic on long input). It hands the whole request to the verify callback,
 * JwtStrategy.validate, which runs the very check the global JwtAuthGuard runs, token lookup included. A refusal is
 * passed on as the error it is: a bare `this.fail()` would become @nestjs/passport's own UnauthorizedException, a
 * TOKEN_INVALID where the client should see TOKEN_MISSING.
 */
export class AccessTokenStrategy extends Strategy {
  name = 'jwt';

  constructor(private readonly verify: Verify) {
    super();
  }

  override authenticate(request: Request): void {
    this.verify(request, (error, user) => (user ? this.success(user) : this.error(error as Error)));
  }
}
