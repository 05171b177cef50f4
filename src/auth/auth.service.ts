import { HttpStatus, Injectable } from '@nestjs/common';
import { AppException, ErrorCode } from '../common/errors';
import { UserResponseDto } from '../users/dto/user-response.dto';
import { UserRole } from '../users/user-role';
import { UsersService } from '../users/users.service';
import { AuthUser } from './auth-user';
import { ChangePasswordDto } from './dto/change-password.dto';
import { RegisterDto } from './dto/register.dto';
import { TokenPairDto } from './dto/token-pair.dto';
import { PasswordService } from './passwords/password.service';
import { ClientInfo, IssuedSession, SessionsService } from './sessions/sessions.service';
import { AccessTokenSubject, TokensService } from './tokens/tokens.service';

/** A user whose password was just checked: what login needs to open a session. */
export type AuthenticatedUser = AccessTokenSubject;

/** Registration, credential checks and the token-pair flows; sessions, tokens and hashing are its collaborators. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
    private readonly sessions: SessionsService,
    private readonly tokens: TokensService,
  ) {}

  async register(input: RegisterDto): Promise<UserResponseDto> {
    this.passwords.assertAcceptable(input.password);
    const passwordHash = await this.passwords.hash(input.password);
    return this.users.create({ username: input.username, email: input.email, passwordHash, roles: [UserRole.User] });
  }

  /**
   * Unknown names and wrong passwords fail alike, in the same time (a bcrypt compare either way).
   * Only a caller who knows the password learns that the account is disabled.
   */
  async validateCredentials(login: string, password: string): Promise<AuthenticatedUser> {
    const user = await this.users.findCredentials(login);
    const match = await this.passwords.verify(password, user?.passwordHash);
    if (!user || !match) throw invalidCredentials();
    if (user.disabled) throw new AppException(ErrorCode.ACCOUNT_DISABLED, HttpStatus.FORBIDDEN, 'This account is disabled');
    return { id: user.id, username: user.username, roles: user.roles };
  }

  async login(user: AuthenticatedUser, client: ClientInfo): Promise<TokenPairDto> {
    const session = await this.sessions.create(user.id, client);
    return this.tokenPair(user, session);
  }

  async refresh(refreshToken: string, client: ClientInfo): Promise<TokenPairDto> {
    const session = await this.sessions.rotate(refreshToken, client);
    const user = await this.users.findCredentialsById(session.userId);
    if (!user || user.disabled) {
      await this.sessions.revoke(session.sessionId);
      throw new AppException(ErrorCode.REFRESH_TOKEN_INVALID, HttpStatus.UNAUTHORIZED, 'Refresh token is invalid or expired');
    }
    return this.tokenPair(user, session);
  }

  logout(caller: AuthUser): Promise<void> {
    return this.sessions.revoke(caller.sessionId);
  }

  logoutEverywhere(caller: AuthUser): Promise<void> {
    return this.sessions.revokeAllForUser(caller.userId);
  }

  me(caller: AuthUser): Promise<UserResponseDto> {
    return this.users.getProfile(caller.userId);
  }

  /** A new password keeps the caller's session and ends every other one (someone else may know the old password). */
  async changePassword(caller: AuthUser, change: ChangePasswordDto): Promise<void> {
    const user = await this.users.findCredentialsById(caller.userId);
    if (!user || !(await this.passwords.verify(change.currentPassword, user.passwordHash))) throw invalidCredentials();
    this.passwords.assertAcceptable(change.newPassword, 'newPassword');
    await this.users.setPasswordHash(user.id, await this.passwords.hash(change.newPassword));
    await this.sessions.revokeAllForUser(user.id, caller.sessionId);
  }

  private tokenPair(user: AccessTokenSubject, session: IssuedSession): TokenPairDto {
    return {
      accessToken: this.tokens.signAccessToken(user, session.sessionId),
      refreshToken: session.refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.tokens.accessTokenTtlSeconds,
      refreshExpiresIn: session.refreshExpiresIn,
    };
  }
}

function invalidCredentials(): AppException {
  return new AppException(ErrorCode.INVALID_CREDENTIALS, HttpStatus.UNAUTHORIZED, 'Invalid username or password');
}
