import { emailVerificationMail, escapeHtml, humanDuration, passwordResetMail } from './mail-templates';

describe('mail templates', () => {
  it('escapes everything put into the HTML body, the link included', () => {
    const link = 'https://app.example/reset-password?token=abc&x="><script>alert(1)</script>';
    const mail = passwordResetMail({ link, ttlSeconds: 1800 });

    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain(`href="${escapeHtml(link)}"`);
    expect(mail.text).toContain(`\n${link}\n`);
  });

  it('says how long the link works', () => {
    expect(passwordResetMail({ link: 'https://a.example/?token=t', ttlSeconds: 1800 }).text).toContain('for 30 minutes');
    expect(emailVerificationMail({ link: 'https://a.example/?token=t', ttlSeconds: 86400 }).text).toContain('for 24 hours');
  });

  it.each([
    [1, '1 second'],
    [90, '90 seconds'],
    [60, '1 minute'],
    [3600, '1 hour'],
  ])('writes %i seconds as "%s"', (seconds, text) => {
    expect(humanDuration(seconds)).toBe(text);
  });
});
