// The second factor on /account: the login's second step (after a password or a provider), TOTP set-up with its QR
// code, recovery codes, and the step-up that sensitive actions ask for (API.md "Multi-factor authentication").
import { problemOf, request, signIn } from './gatehouse.js';
import { $, clearProblems, el, onSubmit, say, showView } from './ui.js';

let pendingLogin;
let afterSignIn;
let totpOn = false;

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
    async () => {
      $('step-up-form').reset();
      $('step-up').hidden = true;
      const resume = stepUpResume;
      stepUpResume = undefined;
      await resume?.();
    },
  );
  $('step-up-cancel').addEventListener('click', () => {
    $('step-up').hidden = true;
    stepUpResume = undefined;
    say('Cancelled');
  });
}

/** A login (password or provider) answered MFA_REQUIRED: the second step, with the mfaToken it gave. */
export function askSecondFactor(problem) {
  if (problem.code !== 'MFA_REQUIRED') return false;
  pendingLogin = problem.mfaToken;
  showRecoveryField(false);
  $('mfa-use-recovery').checked = false;
  showView('second-factor');
  say('Enter the code from your authenticator app.');
  $('mfa-code').focus();
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
  $('mfa-status').textContent = status.totp
    ? `On: an authenticator app, and ${status.recoveryCodesLeft} recovery codes left.`
    : 'Off. An authenticator app adds a code to your password at sign-in.';
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
 * it is them (the password, or a code once a second factor is on), then runs it again.
 */
export async function withStepUp(action) {
  const response = await action();
  if (response.ok) return;
  const problem = await problemOf(response);
  if (problem.code !== 'STEP_UP_REQUIRED') return say(problem.message);
  stepUpResume = async () => {
    const again = await action();
    if (!again.ok) say((await problemOf(again)).message);
  };
  $('step-up-password-field').hidden = totpOn;
  $('step-up-code-field').hidden = !totpOn;
  $('step-up').hidden = false;
  say('Please confirm it is you.');
  (totpOn ? $('step-up-code') : $('step-up-password')).focus();
}
