import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackgroundTasks } from '../common/background/background-tasks';
import { mailConfig } from '../config';
import { MailDeliveryOptions } from './mail-delivery-options';
import { MAIL_TRANSPORT, type MailTransport } from './mail-transport';
import { emailVerificationMail, passwordResetMail, RenderedMail } from './mail-templates';

/** The MailDeliveryOptions of this app: a provider of its own so a test can shorten the waits. */
export const MAIL_DELIVERY = Symbol('MAIL_DELIVERY');
export const DEFAULT_MAIL_DELIVERY: MailDeliveryOptions = { attempts: 4, firstRetryDelayMs: 2000 };

/** Where the links in mails lead: a page of APP_URL that posts the token back to the API. */
export const LINK_PATHS = { passwordReset: 'reset-password', emailVerification: 'verify-email' } as const;

/**
 * The mails Gatehouse sends. Each send returns at once: delivery happens in the background, retried with backoff,
 * and a failure is logged, never thrown, so it can neither fail nor slow down the request that caused it.
 * The token a mail carries is stored before the mail is queued, so a lost mail costs only a new request.
 */
@Injectable()
export class MailService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(MailService.name);
  private readonly deliveries = new BackgroundTasks(this.logger);
  private readonly closing = new AbortController();

  constructor(
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    @Inject(mailConfig.KEY) private readonly config: ConfigType<typeof mailConfig>,
    @Inject(MAIL_DELIVERY) private readonly delivery: MailDeliveryOptions,
  ) {}

  sendPasswordReset(to: string, token: string, ttlSeconds: number): void {
    const link = this.link(LINK_PATHS.passwordReset, token);
    this.queue(to, link, passwordResetMail({ link, ttlSeconds }));
  }

  sendEmailVerification(to: string, token: string, ttlSeconds: number): void {
    const link = this.link(LINK_PATHS.emailVerification, token);
    this.queue(to, link, emailVerificationMail({ link, ttlSeconds }));
  }

  /**
   * Waits for the attempts under way; retries not yet due are given up (and logged): their tokens stay valid.
   * After every module's onModuleDestroy, so that mails queued by their last background work still get their try.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing.abort();
    await this.deliveries.drain();
    this.transport.close();
  }

  private link(path: string, token: string): string {
    const url = new URL(this.config.appUrl);
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/${path}`;
    url.searchParams.set('token', token);
    return url.toString();
  }

  private queue(to: string, link: string, mail: RenderedMail): void {
    this.deliveries.run(`mail "${mail.subject}" to ${to}`, () => this.deliver({ to, link, ...mail }));
  }

  private async deliver(mail: RenderedMail & { to: string; link: string }): Promise<void> {
    const { attempts, firstRetryDelayMs } = this.delivery;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.transport.send(mail);
        return;
      } catch (error) {
        // Only the recipient and the reason: the mail's link carries a live token.
        const reason = (error as Error).message;
        if (attempt >= attempts) throw new Error(`gave up after ${attempt} attempts: ${reason}`, { cause: error });
        const delayMs = firstRetryDelayMs * 2 ** (attempt - 1);
        this.logger.warn(`mail to ${mail.to}: attempt ${attempt} of ${attempts} failed (${reason}); retrying in ${delayMs} ms`);
        const stopped = await sleep(delayMs, false, { signal: this.closing.signal, ref: false }).catch(() => true);
        if (stopped) throw new Error(`shutting down after ${attempt} attempts: ${reason}`, { cause: error });
      }
    }
  }
}
