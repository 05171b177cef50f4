// The second factor on /account: the login's second step (after a password or a provider: a code or a passkey), TOTP
// set-up with its QR code, recovery codes, and the step-up that sensitive actions ask for (API.md "Multi-factor
// authentication"). The passkeys themselves are listed and managed in passkeys.js.
import { passkeysSupported, problemOf, request, signIn, signInWithPasskey, stepUpWithPasskey } from './gatehouse.js';
import { $, clearProblems, el, onSubmit, say, showView } from './ui.js';

let pendingLogin;
let afterSignIn;
let totpOn = false;
let passkeyCount = 0;

/** Wires the forms once; `signedIn` runs when the second step opens the session. */
export function setUpSecondFactor(signedIn) {
  afterSignIn = signedIn;
  onSubmit(
    $('mfa-form'),
    (data) => {
      const useRecovery = $('mfa-use-recovery').checked;
      return signIn('/auth/mfa/verify', {
        mfaToken: pendingLogin,
        ...(useRecovery ? { recoveryCode: data.get('recoveryCode') } : { code: data.get('code') }),
      });
    },
    async () => {
      $('mfa-form').reset();
      pendingLogin = undefined;
      await afterSignIn();
    },
  );
  $('mfa-use-recovery').addEventListener('change', () => showRecoveryField($('mfa-use-recovery').checked));
  $('mfa-passkey').addEventListener('click', () =>
    withButton($('mfa-passkey'), async () => {
      $('mfa-passkey-error').textContent = '';
      const response = await signInWithPasskey(pendingLogin);
      if (!response.ok) return ($('mfa-passkey-error').textContent = (await problemOf(response)).message);
      pendingLogin = undefined;
      await afterSignIn();
    }),
  );
  $('totp-start').addEventListener('click', () => withStepUp(startTotp));
  $('totp-off').addEventListener('click', () => withStepUp(turnTotpOff));
  $('recovery-new').addEventListener('click', () => withStepUp(newRecoveryCodes));
  onSubmit(
    $('totp-confirm-form'),
    (data) => request('/auth/mfa/totp/confirm', { method: 'POST', body: { code: data.get('code') } }),
    async (response) => {
      $('totp-confirm-form').reset();
      $('totp-setup').hidden = true;
      showRecoveryCodes((await response.json()).recoveryCodes);
      await loadSecondFactor();
      say('Two-factor authentication is on; your other sessions have ended.');
    },
  );
  onSubmit(
    $('step-up-form'),
    (data) => request('/auth/step-up', { method: 'POST', body: totpOn ? { code: data.get('code') } : { password: data.get('password') } }),
    steppedUp,
  );
  $('step-up-passkey').addEventListener('click', () =>
    withButton($('step-up-passkey'), async () => {
      clearProblems($('step-up-form'));
      const response = await stepUpWithPasskey();
      if (!response.ok) return ($('step-up-passkey-error').textContent = (await problemOf(response)).message);
      await steppedUp();
    }),
  );
  $('step-up-cancel').addEventListener('click', () => {
    $('step-up').hidden = true;
    stepUpResume = undefined;
    say('Cancelled');
  });
}

/** Disables `button` while `work` runs, so a ceremony is not started twice. */
async function withButton(button, work) {
  button.disabled = true;
  try {
    await work();
  } finally {
    button.disabled = false;
  }
}

/**
 * A login (password or provider) answered MFA_REQUIRED: the second step, with the mfaToken it gave, offering what
 * the person has (`methods`: a code from their app or a recovery code, a passkey).
 */
export function askSecondFactor(problem) {
  if (problem.code !== 'MFA_REQUIRED') return false;
  pendingLogin = problem.mfaToken;
  const methods = problem.methods ?? ['totp', 'recovery_code'];
  const byCode = methods.includes('totp') || methods.includes('recovery_code');
  $('mfa-form').hidden = !byCode;
  $('mfa-passkey-field').hidden = !methods.includes('passkey');
  $('mfa-passkey-error').textContent = '';
  showRecoveryField(false);
  $('mfa-use-recovery').checked = false;
  showView('second-factor');
  if (byCode) {
    say(
      methods.includes('passkey')
        ? 'Enter the code from your authenticator app, or use a passkey.'
        : 'Enter the code from your authenticator app.',
    );
    $('mfa-code').focus();
  } else {
    say('Use your passkey to finish signing in.');
    $('mfa-passkey').focus();
  }
  return true;
}

function showRecoveryField(useRecovery) {
  $('mfa-code-field').hidden = useRecovery;
  $('mfa-recovery-field').hidden = !useRecovery;
  clearProblems($('mfa-form'));
}

/** The status of the account's second factor, and the buttons that fit it. */
export async function loadSecondFactor() {
  const response = await request('/auth/mfa');
  if (!response.ok) return;
  const status = await response.json();
  totpOn = status.totp;
  passkeyCount = status.passkeys ?? 0;
  const factors = [];
  if (status.totp) factors.push(`an authenticator app, and ${status.recoveryCodesLeft} recovery codes left`);
  if (passkeyCount) factors.push(passkeyCount === 1 ? 'a passkey' : `${passkeyCount} passkeys`);
  $('mfa-status').textContent = factors.length
    ? `On: ${factors.join('; ')}.`
    : 'Off. An authenticator app or a passkey adds a second factor to your password at sign-in.';
  $('totp-start').hidden = status.totp;
  $('totp-off').hidden = !status.totp;
  $('recovery-new').hidden = !status.totp;
}

async function startTotp() {
  const response = await request('/auth/mfa/totp', { method: 'POST' });
  if (!response.ok) return response;
  const enrolment = await response.json();
  $('totp-qr').src = enrolment.qrCode;
  $('totp-secret').textContent = enrolment.secret;
  $('recovery-codes').hidden = true;
  $('totp-setup').hidden = false;
  $('totp-confirm-code').focus();
  say('Scan the QR code with your authenticator app, then enter the code it shows.');
  return response;
}

async function turnTotpOff() {
  const response = await request('/auth/mfa/totp', { method: 'DELETE' });
  if (!response.ok) return response;
  $('recovery-codes').hidden = true;
  await loadSecondFactor();
  say('Two-factor authentication is off; your other sessions have ended.');
  return response;
}

async function newRecoveryCodes() {
  const response = await request('/auth/mfa/recovery-codes', { method: 'POST' });
  if (!response.ok) return response;
  showRecoveryCodes((await response.json()).recoveryCodes);
  await loadSecondFactor();
  say('New recovery codes: the old ones no longer work.');
  return response;
}

function showRecoveryCodes(codes) {
  $('recovery-list').replaceChildren(...codes.map((code) => el('li', {}, code)));
  $('recovery-codes').hidden = false;
}

let stepUpResume;

/**
 * Runs `action`; when the API asks for a recent authentication (401 STEP_UP_REQUIRED), asks the person to confirm
 * it is them, then runs it again. Any other refusal's message goes to `show` (the status line unless told).
 */
export async function withStepUp(action, show = say) {
  const response = await action();
  if (response.ok) return;
  const problem = await problemOf(response);
  if (problem.code !== 'STEP_UP_REQUIRED') return show(problem.message);
  askStepUp(async () => {
    const again = await action();
    if (!again.ok) show((await problemOf(again)).message);
  });
}

/**
 * Asks the person to confirm it is them, then runs `resume`: with the password while they have no second factor
 * (the API accepts no less once they have one), else a code from their app and, when they have passkeys, a passkey.
 */
export function askStepUp(resume) {
  stepUpResume = resume;
  const secondFactor = totpOn || passkeyCount > 0;
  const byPasskey = passkeyCount > 0 && passkeysSupported;
  $('step-up-password-field').hidden = secondFactor;
  $('step-up-code-field').hidden = !totpOn;
  $('step-up-passkey-field').hidden = !byPasskey;
  $('step-up-confirm').hidden = secondFactor && !totpOn;
  clearProblems($('step-up-form'));
  $('step-up').hidden = false;
  say('Please confirm it is you.');
  (totpOn ? $('step-up-code') : byPasskey ? $('step-up-passkey') : $('step-up-password')).focus();
}

async function steppedUp() {
  $('step-up-form').reset();
  $('step-up').hidden = true;
  const resume = stepUpResume;
  stepUpResume = undefined;
  await resume?.();
}
