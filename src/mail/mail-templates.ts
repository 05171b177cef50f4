/** What a template needs: the link the mail exists for, and how long it works. */
export interface TemplateInput {
  link: string;
  ttlSeconds: number;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Everything put into the HTML body goes through this, links included (APP_URL is configuration, not trusted markup). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** 1800 → "30 minutes", 86400 → "24 hours". */
export function humanDuration(seconds: number): string {
  const [amount, unit] =
    seconds % 3600 === 0 ? [seconds / 3600, 'hour'] : seconds % 60 === 0 ? [seconds / 60, 'minute'] : [seconds, 'second'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}

function render(subject: string, intro: string, action: string, outro: string, { link, ttlSeconds }: TemplateInput): RenderedMail {
  const expiry = `The link works once, for ${humanDuration(ttlSeconds)}.`;
  return {
    subject,
    text: `${intro}\n\n${action}:\n${link}\n\n${expiry} ${outro}\n`,
    html: [
      '<!doctype html><html><body>',
      `<p>${escapeHtml(intro)}</p>`,
      `<p><a href="${escapeHtml(link)}">${escapeHtml(action)}</a></p>`,
      `<p>${escapeHtml(expiry)} ${escapeHtml(outro)}</p>`,
      '</body></html>',
    ].join('\n'),
  };
}

export function passwordResetMail(input: TemplateInput): RenderedMail {
  return render(
    'Reset your password',
    'Someone, hopefully you, asked to reset the password of your account.',
    'Choose a new password',
    'If you did not ask for this, ignore this mail: your password stays as it is.',
    input,
  );
}

export function emailVerificationMail(input: TemplateInput): RenderedMail {
  return render(
    'Confirm your email address',
    'Please confirm that this address belongs to your account.',
    'Confirm this address',
    'If you did not create an account, ignore this mail.',
    input,
  );
}
