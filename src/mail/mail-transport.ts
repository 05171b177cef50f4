/** A mail ready to go: both bodies rendered, and the one link it carries (what the development transport shows). */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  link: string;
}

/** Injection token of the MailTransport. */
export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');

/** Hands one mail over for delivery; rejects when it was not accepted (the caller retries). */
export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}
