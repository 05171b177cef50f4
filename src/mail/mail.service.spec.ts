import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { MailConfig } from '../config';
import { LogTransport } from './log.transport';
import { MailTransport, OutgoingMail } from './mail-transport';
import { MailService } from './mail.service';

const config: MailConfig = {
  smtpUrl: undefined,
  from: 'no-reply@localhost',
  appUrl: 'https://app.example/base/',
  requireEmailVerification: false,
};

/** Fails the first `failures` sends, then accepts; records every mail it was handed. */
class FlakyTransport implements MailTransport {
  readonly sent: OutgoingMail[] = [];
  attempts = 0;
  constructor(private failures: number) {}
  send(mail: OutgoingMail): Promise<void> {
    this.attempts++;
    if (this.failures-- > 0) return Promise.reject(new Error('421 try later'));
    this.sent.push(mail);
    return Promise.resolve();
  }
  close(): void {}
}

/** Waits (briefly) until `done` holds: deliveries run in the background. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('MailService', () => {
  afterEach(() => jest.restoreAllMocks());

  it('builds the link from APP_URL with ?token= and retries a failed delivery', async () => {
    const transport = new FlakyTransport(2);
    const mail = new MailService(transport, config, { attempts: 3, firstRetryDelayMs: 1 });
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

    mail.sendPasswordReset('ada@example.com', 'tok_en', 1800);
    await until(() => transport.sent.length > 0);
    await mail.beforeApplicationShutdown();

    expect(transport.attempts).toBe(3);
    expect(transport.sent.map((m) => m.link)).toEqual(['https://app.example/base/reset-password?token=tok_en']);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls.map(([message]) => String(message)).join('\n')).not.toContain('tok_en');
  });

  it('gives up after the last attempt, logging the failure without the link', async () => {
    const transport = new FlakyTransport(10);
    const mail = new MailService(transport, config, { attempts: 2, firstRetryDelayMs: 1 });
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);

    mail.sendEmailVerification('ada@example.com', 'tok_en', 60);
    await until(() => error.mock.calls.length > 0);
    await mail.beforeApplicationShutdown();

    expect(transport.attempts).toBe(2);
    expect(error).toHaveBeenCalledWith(expect.stringMatching(/to ada@example.com failed: gave up after 2 attempts/));
    expect(String(error.mock.calls[0][0])).not.toContain('tok_en');
  });

  it('gives up retries that are not yet due at shutdown, and says so', async () => {
    const transport = new FlakyTransport(10);
    const mail = new MailService(transport, config, { attempts: 5, firstRetryDelayMs: 60_000 });
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);

    mail.sendPasswordReset('ada@example.com', 'tok_en', 1800);
    await until(() => transport.attempts > 0);
    await mail.beforeApplicationShutdown();

    expect(transport.attempts).toBe(1);
    expect(error).toHaveBeenCalledWith(expect.stringMatching(/shutting down after 1 attempts/));
  });

  it('without SMTP_URL logs which mail was dropped, never its link or token', async () => {
    const log = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const mail = new MailService(new LogTransport(), config, { attempts: 1, firstRetryDelayMs: 1 });

    mail.sendEmailVerification('ada@example.com', 'tok_en', 60);
    await mail.beforeApplicationShutdown();

    expect(log).toHaveBeenCalledTimes(1);
    const [line] = log.mock.calls[0] as [string];
    expect(line).toMatch(/^SMTP_URL is unset, so this mail is not sent: ".+" to ada@example\.com$/);
    expect(line).not.toContain('tok_en');
  });
});
