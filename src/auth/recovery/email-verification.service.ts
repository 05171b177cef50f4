import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { BackgroundTasks } from '../../common/background/background-tasks';
import { AppException, ErrorCode } from '../../common/errors';
import { MailService } from '../../mail/mail.service';
import { USER_EMAIL_CHANGED, UserEmailChangedEvent } from '../../users/events/user-email-changed.event';
import { MailRecipient } from '../../users/users.types';
import { UsersService } from '../../users/users.service';
import { MailRateLimit } from './mail-rate-limit';
import { OneTimeTokensService } from './one-time-tokens.service';
import { AuditService } from '../../audit/audit.service';
import { Transactions } from '../../database/transactions';
import { ClientInfo } from '../../sessions/session.types';

/** Proof that a user controls their address: a mailed single-use link, sent at registration, on request, and after an admin changes the address. */
@Injectable()
export class EmailVerificationService implements OnModuleDestroy {
  private readonly logger = new Logger(EmailVerificationService.name);
  private readonly background = new BackgroundTasks(this.logger);

  constructor(
    private readonly users: UsersService,
    private readonly tokens: OneTimeTokensService,
    private readonly mail: MailService,
    private readonly mailLimit: MailRateLimit,
    private readonly transactions: Transactions,
    private readonly audit: AuditService,
  ) {}

  async onModuleDestroy(): Promise<void> {
    await this.background.drain();
  }

  /** After an admin's change of address. sendLater never throws, so the admin's PATCH cannot fail on the mail. */
  @OnEvent(USER_EMAIL_CHANGED)
  onEmailChanged({ userId }: UserEmailChangedEvent): void {
    this.sendLater(userId);
  }

  /** Mails a link after the response: a failure to do so must not fail what caused it (registration, an admin's edit). */
  sendLater(userId: string): void {
    this.background.run(`verification mail for user ${userId}`, async () => {
      const user = await this.users.findRecipient(userId);
      if (user && !user.emailVerified && (await this.mailLimit.take(user.emailNormalized)).allowed) await this.send(user);
    });
  }

  /** The caller asks for a new link (the old one stops working); an address already verified gets none. */
  async resend(userId: string): Promise<void> {
    const user = await this.users.findRecipient(userId);
    if (!user || user.emailVerified) return;
    const { allowed, retryAfterSeconds } = await this.mailLimit.take(user.emailNormalized);
    if (!allowed) {
      throw AppException.tooManyRequests(retryAfterSeconds, 'Too many mails to this address; try again later');
    }
    await this.send(user);
  }

  async verify(token: string, client: ClientInfo): Promise<void> {
    await this.transactions.run(async () => {
      const spent = await this.tokens.spend(token, 'email_verification');
      if (!spent || !(await this.users.markEmailVerified(spent.userId, spent.email))) {
        throw new AppException(ErrorCode.VERIFY_TOKEN_INVALID);
      }
      await this.audit.record(
        { type: 'email.verified', userId: spent.userId, actorId: spent.userId, details: { email: spent.email } },
        client,
      );
    });
  }

  private async send(user: MailRecipient): Promise<void> {
    const { token, ttlSeconds } = await this.tokens.issue(user.id, user.emailNormalized, 'email_verification');
    this.mail.sendEmailVerification(user.email, token, ttlSeconds);
  }
}
