import { createTransport, Transporter } from 'nodemailer';
import { MailTransport, OutgoingMail } from './mail-transport';

/** Bounded waits, so a dead relay costs a retry, not a stuck delivery. */
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

/** Delivery through the relay at SMTP_URL (smtp:// with STARTTLS when offered, smtps:// for implicit TLS). */
export class SmtpTransport implements MailTransport {
  private readonly transporter: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    this.transporter = createTransport({ url: smtpUrl, ...TIMEOUTS });
  }

  async send(mail: OutgoingMail): Promise<void> {
    // The link is in the bodies; it is never logged here.
    await this.transporter.sendMail({ from: this.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
  }

  close(): void {
    this.transporter.close();
  }
}
