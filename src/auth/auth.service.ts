import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { AppException, ErrorCode } from '../common/errors';
import { canonicalIdentifier } from '../common/validation/identifiers';
import { mailConfig } from '../config';
import { UserResponseDto } from '../users/dto/user-response.dto';
import { UserRole } from '../users/user-role';
import { UsersService } from '../users/users.service';
import { AuthEvents, LoginOrigin } from './auth-events';
import { AuditService } from '../audit/audit.service';
import { Transactions } from '../database/transactions';
import { AuthUser } from '../common/auth';
import { ChangePasswordDto } from './dto/change-password.dto';
import { RegisterDto } from './dto/register.dto';
import { TokenPairDto } from './dto/token-pair.dto';
import { LoginLockoutService, userLockoutKey } from './lockout/login-lockout.service';
import { PasswordService } from './passwords/password.service';
import { EmailVerificationService } from './recovery/email-verification.service';
import { ClientInfo } from '../sessions/session.types';
import { SessionsService } from '../sessions/sessions.service';
import { AuthenticatedUser } from './authenticated-user';
import { SecondFactors } from './second-factors/second-factors';
import { SignIn } from './sign-in.service';

// Until the strategies' rewrite imports it from its own file (local.strategy.ts still imports it from here).
export type { AuthenticatedUser } from './authenticated-user';

/** Registration, credential checks and the token-pair flows; sessions, tokens and hashing are its collaborators. */
@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
    private readonly sessions: SessionsService,
    private readonly signIn: SignIn,
    private readonly secondFactors: SecondFactors,
    private readonly lockout: LoginLockoutService,
    private readonly events: AuthEvents,
    private readonly verification: EmailVerificationService,
    @Inject(mailConfig.KEY) private readonly mail: ConfigType<typeof mailConfig>,
    private readonly transactions: Transactions,
    private readonly audit: AuditService,
  ) {}

  async register(input: RegisterDto, client: ClientInfo): Promise<UserResponseDto> {
    const passwordHash = await this.passwords.hash(input.password);
    const user = await this.transactions.run(async () => {
      const created = await this.users.create({ username: input.username, email: input.email, passwordHash, roles: [UserRole.User] });
      await this.audit.record({ type: 'user.registered', userId: created.id, actorId: created.id }, client);
      return created;
    });
    this.verification.sendLater(user.id);
    return user;
  }

  /**
   * Unknown names and wrong passwords fail alike, in the same time (a bcrypt compare either way), whether or not the
   * user has a second factor. Only a caller who knows the password learns that the account is disabled, or gets the
   * MFA_REQUIRED challenge; for such a user the password alone does not clear the failure count (the second factor
   * does), or guesses at the code could alternate with right passwords forever.
   */
  async validateCredentials(login: string, password: string, origin: LoginOrigin = {}): Promise<AuthenticatedUser> {
    const user = await this.users.findCredentials(login);
    // Names that match no user are counted too, so a lock says nothing about which names exist.
    const lockoutKey = user ? userLockoutKey(user.id) : `name:${canonicalIdentifier(login)}`;
    let failuresOnRecord: boolean;
    try {
      failuresOnRecord = await this.lockout.assertNotLocked(lockoutKey);
    } catch (error) {
      await this.events.loginFailed('locked', user?.id, 'password', origin);
      throw error;
    }
    const match = await this.passwords.verify(password, user?.passwordHash);
    if (!user || !match) {
      await this.events.loginFailed('invalid_credentials', user?.id, 'password', origin);
      const lockedNow = await this.lockout.recordFailure(lockoutKey);
      if (lockedNow && user) await this.events.accountLocked(user.id, this.lockout.lockSeconds, 'password', origin);
      throw invalidCredentials();
    }
    const methods = await this.secondFactors.methodsOf(user.id);
    // The common login has no failures to clear: it writes nothing here.
    if (methods.length === 0 && failuresOnRecord) await this.lockout.succeeded(lockoutKey);
    if (user.disabled) {
      await this.events.loginFailed('disabled', user.id, 'password', origin);
      throw new AppException(ErrorCode.ACCOUNT_DISABLED);
    }
    if (this.mail.requireEmailVerification && !user.emailVerified) {
      await this.events.loginFailed('email_not_verified', user.id, 'password', origin);
      throw new AppException(ErrorCode.EMAIL_NOT_VERIFIED);
    }
    if (user.passwordHash && this.passwords.needsRehash(user.passwordHash)) this.upgradeHash(user.id, password);
    if (methods.length > 0) {
      this.events.login('mfa_required', user.id, origin);
      throw await this.secondFactors.challenge(user.id, methods);
    }
    this.events.login('success', user.id, origin);
    return { id: user.id, username: user.username, roles: user.roles };
  }

  /** BCRYPT_COST was raised: re-hash at the new cost now that the password is at hand, off the response path. */
  private upgradeHash(userId: string, password: string): void {
    this.passwords
      .hash(password)
      .then((passwordHash) => this.users.setPasswordHash(userId, passwordHash))
      .catch((error: Error) => this.logger.warn(`could not upgrade the password hash of user ${userId}: ${error.message}`));
  }

  /**
   * A refresh keeps the session's `amr` and `auth_time`, and whether the user has a second factor: the session row says
   * it (only sessions older than that column ask the second-factor features).
   */
  async refresh(refreshToken: string, client: ClientInfo): Promise<TokenPairDto> {
    const session = await this.sessions.rotate(refreshToken, client);
    // A session that recorded its user needs no read of the users table: what would change the answer (roles,
    // disabling, deletion) has ended the session, which the rotation's UPDATE checks. Older sessions read the user.
    const user = session.subject ? { id: session.userId, ...session.subject } : await this.users.findCredentialsById(session.userId);
    if (!user || ('disabled' in user && user.disabled)) {
      await this.sessions.revoke(session.sessionId);
      throw new AppException(ErrorCode.REFRESH_TOKEN_INVALID);
    }
    return this.signIn.pair(user, session, session.authentication.secondFactor ?? (await this.secondFactors.has(user.id)));
  }

  logout(caller: AuthUser, client: ClientInfo): Promise<void> {
    return this.transactions.run(async () => {
      await this.sessions.revoke(caller.sessionId);
      await this.audit.record(
        { type: 'logout', userId: caller.userId, actorId: caller.userId, details: { sessionId: caller.sessionId } },
        client,
      );
    });
  }

  logoutEverywhere(caller: AuthUser, client: ClientInfo): Promise<void> {
    return this.transactions.run(async () => {
      await this.sessions.revokeAllForUser(caller.userId);
      await this.audit.record({ type: 'logout_all', userId: caller.userId, actorId: caller.userId }, client);
    });
  }

  me(caller: AuthUser): UserResponseDto | Promise<UserResponseDto> {
    return this.users.getProfile(caller.userId);
  }

  /** A new password keeps the caller's session and ends every other one (someone else may know the old password). */
  async changePassword(caller: AuthUser, change: ChangePasswordDto, client: ClientInfo): Promise<void> {
    const user = await this.users.findCredentialsById(caller.userId);
    if (!user || !(await this.passwords.verify(change.currentPassword, user.passwordHash))) throw invalidCredentials();
    const passwordHash = await this.passwords.hash(change.newPassword);
    await this.transactions.run(async () => {
      await this.users.setPasswordHash(user.id, passwordHash);
      await this.sessions.revokeAllForUser(user.id, caller.sessionId);
      await this.audit.record({ type: 'password.changed', userId: user.id, actorId: user.id }, client);
    });
  }
}

function invalidCredentials(): AppException {
  return new AppException(ErrorCode.INVALID_CREDENTIALS);
}
