import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { BackgroundTasks } from '../../common/background/background-tasks';
import { AppException, ErrorCode } from '../../common/errors';
import { canonicalIdentifier } from '../../common/validation/identifiers';
import { MailService } from '../../mail/mail.service';
import { UsersService } from '../../users/users.service';
import { LoginLockoutService, userLockoutKey } from '../lockout/login-lockout.service';
import { PasswordService } from '../passwords/password.service';
import { SessionsService } from '../../sessions/sessions.service';
import { MailRateLimit } from './mail-rate-limit';
import { OneTimeTokensService } from './one-time-tokens.service';
import { AuditService } from '../../audit/audit.service';
import { Transactions } from '../../database/transactions';
import { ClientInfo } from '../../sessions/session.types';

/** Forgotten passwords: a mailed single-use link, and the reset that spends it. */
@Injectable()
export class PasswordResetService implements OnModuleDestroy {
  private readonly logger = new Logger(PasswordResetService.name);
  private readonly background = new BackgroundTasks(this.logger);

  constructor(
    private readonly users: UsersService,
    private readonly tokens: OneTimeTokensService,
    private readonly mail: MailService,
    private readonly mailLimit: MailRateLimit,
    private readonly passwords: PasswordService,
    private readonly sessions: SessionsService,
    private readonly lockout: LoginLockoutService,
    private readonly transactions: Transactions,
    private readonly audit: AuditService,
  ) {}

  /**
   * Returns before anything is looked up: the lookup, the token and the mail all happen after the response, so
   * neither its content nor its timing tells whether the address has an account.
   */
  requestReset(email: string, client: ClientInfo): void {
    this.background.run('password reset request', () => this.mailResetLink(email, client));
  }

  /**
   * Sets the password (ResetPasswordDto holds it to the rules of registration), then ends every session (whoever knew the old password is out)
   * and clears the login lock (the owner just proved control of the address). Also vouches for the address.
   */
  async reset(token: string, newPassword: string, client: ClientInfo): Promise<void> {
    // Hashed before the transaction, which must not stay open for a bcrypt; a dead token costs no hash.
    if (!(await this.tokens.isLive(token, 'password_reset'))) throw new AppException(ErrorCode.RESET_TOKEN_INVALID);
    const passwordHash = await this.passwords.hash(newPassword);
    await this.transactions.run(async () => {
      const spent = await this.tokens.spend(token, 'password_reset');
      const user = spent && (await this.users.findRecipient(spent.userId));
      if (!spent || !user) {
        throw new AppException(ErrorCode.RESET_TOKEN_INVALID);
      }
      await this.users.setPasswordHash(user.id, passwordHash);
      await this.sessions.revokeAllForUser(user.id);
      await this.lockout.succeeded(userLockoutKey(user.id));
      await this.users.markEmailVerified(user.id, spent.email);
      await this.audit.record({ type: 'password.reset', userId: user.id, actorId: user.id }, client);
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.background.drain();
  }

  /** After the response: `password.reset_requested` is recorded for an existing account only, mailed or not. */
  private async mailResetLink(email: string, client: ClientInfo): Promise<void> {
    // Counted per address asked for, known or not; past the limit the request is dropped as silently as any other.
    const { allowed } = await this.mailLimit.take(canonicalIdentifier(email));
    const user = await this.users.findRecipientByEmail(email);
    if (!user) return;
    const requested = (mailed: boolean) =>
      this.audit.record({ type: 'password.reset_requested', userId: user.id, details: { mailed } }, client);
    if (user.disabled) return requested(false);
    if (!allowed) {
      this.logger.warn(`password reset for user ${user.id} not mailed: too many mails to this address`);
      return requested(false);
    }
    const { token, ttlSeconds } = await this.transactions.run(async () => {
      const issued = await this.tokens.issue(user.id, user.emailNormalized, 'password_reset');
      await requested(true);
      return issued;
    });
    this.mail.sendPasswordReset(user.email, token, ttlSeconds);
  }
}
