import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-local';
import { AuthenticatedUser, AuthService } from '../auth.service';

/** Username-or-email and password, checked by AuthService. LocalAuthGuard validates the body's shape first. */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, 'local') {
  constructor(private readonly auth: AuthService) {
    super({ usernameField: 'username', passwordField: 'password' });
  }

  validate(login: string, password: string): Promise<AuthenticatedUser> {
    return this.auth.validateCredentials(login, password);
  }
}
