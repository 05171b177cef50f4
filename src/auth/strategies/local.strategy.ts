import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-local';
import { AuthenticatedUser, AuthService } from '../auth.service';
import { clientOf } from '../../common/http/client-info';

/** Username-or-email and password, checked by AuthService. LocalAuthGuard validates the body's shape first. */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, 'local') {
  constructor(private readonly auth: AuthService) {
    // The request comes along for the audit event: the client's address and the request's logger (its id).
    super({ usernameField: 'username', passwordField: 'password', passReqToCallback: true });
  }

  validate(request: FastifyRequest, login: string, password: string): Promise<AuthenticatedUser> {
    return this.auth.validateCredentials(login, password, { ...clientOf(request), log: request.log });
  }
}
