import { Logger } from '@nestjs/common';
import { MailTransport, OutgoingMail } from './mail-transport';

/**
 * Development delivery when SMTP_URL is unset: logs the recipient and the link, so that `npm start` on a fresh clone
 * shows the whole reset and verification flows. This is the one deliberate exception to "no token in a log": the link
 * carries a live token. It is chosen only without SMTP_URL; with SMTP configured no link is ever logged.
 */
export class LogTransport implements MailTransport {
  private readonly logger = new Logger('Mail');

  send(mail: OutgoingMail): Promise<void> {
    this.logger.warn(`SMTP_URL is unset, so this mail is not sent: to ${mail.to}: ${mail.link}`);
    return Promise.resolve();
  }

  close(): void {}
}
