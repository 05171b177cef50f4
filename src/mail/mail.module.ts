import { Module } from '@nestjs/common';
import { mailConfig, MailConfig } from '../config';
import { LogTransport } from './log.transport';
import { MAIL_TRANSPORT, MailTransport } from './mail-transport';
import { DEFAULT_MAIL_DELIVERY, MAIL_DELIVERY, MailService } from './mail.service';
import { SmtpTransport } from './smtp.transport';

/** Outgoing mail: SMTP when SMTP_URL is set, else a transport that drops each mail with a warning (never its link). */
@Module({
  providers: [
    {
      provide: MAIL_TRANSPORT,
      inject: [mailConfig.KEY],
      useFactory: (config: MailConfig): MailTransport =>
        config.smtpUrl ? new SmtpTransport(config.smtpUrl, config.from) : new LogTransport(),
    },
    { provide: MAIL_DELIVERY, useValue: DEFAULT_MAIL_DELIVERY },
    MailService,
  ],
  exports: [MailService],
})
export class MailModule {}
