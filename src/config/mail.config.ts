import { registerAs } from '@nestjs/config';
import { appUrlOf, validatedEnvironment } from './environment';

export const mailConfig = registerAs('mail', () => {
  const env = validatedEnvironment();
  return {
    /** Unset: the development transport logs each link instead of sending it. */
    smtpUrl: env.SMTP_URL,
    from: env.MAIL_FROM,
    /** Base of the links in mails: the page there posts the token back to the API. */
    appUrl: appUrlOf(env),
    requireEmailVerification: env.REQUIRE_EMAIL_VERIFICATION,
  };
});

export type MailConfig = ReturnType<typeof mailConfig>;
