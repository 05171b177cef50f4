import type { Request } from 'express';
import { Strategy } from 'passport-strategy';
import { extractAccessToken } from '../access-token.extractor';

type Verify = (token: string, done: (error: unknown, user?: unknown) => void) => void;

/**
 * The Passport strategy behind `AuthGuard('jwt')`, in passport-jwt's shape: it finds the token (linearly, from
 * `Authorization: Bearer` or `x-access-token`) and hands it to the verify callback, JwtStrategy.validate, which
 * verifies it through TokensService: one verification path for every algorithm (passport-jwt's jsonwebtoken has no
 * EdDSA, and its header regex is quadratic on long input).
 */
export class AccessTokenStrategy extends Strategy {
  name = 'jwt';

  constructor(private readonly verify: Verify) {
    super();
  }

  override authenticate(request: Request): void {
    let token: string | undefined;
    try {
      token = extractAccessToken(request);
    } catch (error) {
      return this.error(error as Error);
    }
    if (!token) return this.fail(401);
    this.verify(token, (error, user) => {
      if (error) this.error(error as Error);
      else if (user) this.success(user);
      else this.fail(401);
    });
  }
}
