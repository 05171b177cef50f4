import { Logger } from '@nestjs/common';
import { MailTransport, OutgoingMail } from './mail-transport';

/**
 * Delivery when SMTP_URL is unset: nothing leaves the process, and one warning says which mail was dropped. The link is
 * not in it: it carries a live token, and tokens never go to a log. To follow a reset or verification by mail in
 * development, point SMTP_URL at a local mail catcher (the README shows one).
 */
export class LogTransport implements MailTransport {
  private readonly logger = new Logger('Mail');

  send(mail: OutgoingMail): Promise<void> {
    this.logger.warn(`SMTP_URL is unset, so this mail is not sent: "${mail.subject}" to ${mail.to}`);
    return Promise.resolve();
  }

  close(): void {}
}
