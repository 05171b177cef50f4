// Passkeys on /account (API.md "Passkeys"): signing in without a password (a button, and the username field's
// autofill), and the account's list to add, rename and remove them. The WebAuthn ceremonies are in gatehouse.js; the
// second step of a password login and the step-up dialog offer a passkey in second-factor.js.
import {
  cancelPasskeyAutofill,
  offerPasskeyAutofill,
  passkeysSupported,
  problemOf,
  registerPasskey,
  request,
  signInWithPasskey,
} from './gatehouse.js';
import { askStepUp, withStepUp } from './second-factor.js';
import { $, clearProblems, el, onSubmit, say, when } from './ui.js';

let afterSignIn;
let afterChange;
let passkeys = [];
let renaming;

/** Wires the controls once; `signedIn` runs when a passkey opens a session, `changed` after one is added or removed. */
export function setUpPasskeys({ signedIn, changed }) {
  afterSignIn = signedIn;
  afterChange = changed;
  $('passkey-sign-in-field').hidden = !passkeysSupported;
  $('passkey-add-form').hidden = !passkeysSupported;
  $('passkeys-unsupported').hidden = passkeysSupported;
  $('passkey-sign-in').addEventListener('click', signInPasswordless);

  onSubmit(
    $('passkey-add-form'),
    (data) => registerPasskey(data.get('name')),
    async (response) => {
      const added = await response.json();
      $('passkey-add-form').reset();
      await loadPasskeys();
      await afterChange();
      say(`Passkey “${added.name}” added`);
    },
    // A recent sign-in is needed: once the person has confirmed it is them, the same form goes again.
    (problem) => problem.code === 'STEP_UP_REQUIRED' && (askStepUp(() => $('passkey-add-form').requestSubmit()), true),
  );

  onSubmit(
    $('passkey-rename-form'),
    (data) => request(`/auth/passkeys/${renaming.id}`, { method: 'PATCH', body: { name: data.get('name') } }),
    async (response) => {
      const renamed = await response.json();
      closeRename();
      await loadPasskeys();
      say(`Passkey renamed to “${renamed.name}”`);
      rowButton(renamed, 'Rename')?.focus();
    },
  );
  $('passkey-rename-cancel').addEventListener('click', () => {
    const passkey = renaming;
    closeRename();
    rowButton(passkey, 'Rename')?.focus();
  });
}

// --- signed out ---

async function signInPasswordless() {
  const button = $('passkey-sign-in');
  $('passkey-sign-in-error').textContent = '';
  button.disabled = true;
  try {
    const response = await signInWithPasskey();
    if (response.ok) return await afterSignIn();
    $('passkey-sign-in-error').textContent = (await problemOf(response)).message;
  } finally {
    button.disabled = false;
  }
}

/** While the sign-in form shows, the username field's autofill also offers the person's passkeys. */
export async function offerAutofill() {
  $('passkey-sign-in-error').textContent = '';
  const response = await offerPasskeyAutofill();
  if (!response) return;
  if (response.ok) return afterSignIn();
  $('passkey-sign-in-error').textContent = (await problemOf(response)).message;
}

/** The person chose another way to sign in (or left the form): the autofill offer ends. */
export const withdrawAutofill = cancelPasskeyAutofill;

// --- signed in ---

export async function loadPasskeys() {
  const response = await request('/auth/passkeys');
  passkeys = response.ok ? await response.json() : [];
  $('passkeys').tBodies[0].replaceChildren(...passkeys.map(passkeyRow));
  $('passkeys').hidden = passkeys.length === 0;
  $('passkeys-none').hidden = passkeys.length > 0;
  $('passkeys-error').textContent = '';
}

function passkeyRow(passkey) {
  return el(
    'tr',
    { 'data-passkey': passkey.id },
    el('td', {}, passkey.name),
    el('td', {}, when(passkey.createdAt)),
    el('td', {}, passkey.lastUsedAt ? when(passkey.lastUsedAt) : 'Never'),
    el('td', {}, passkey.backedUp ? 'Yes' : 'No'),
    el(
      'td',
      {},
      el(
        'button',
        {
          type: 'button',
          class: 'secondary',
          'data-action': 'Rename',
          onclick: () => openRename(passkey),
          'aria-label': `Rename ${passkey.name}`,
        },
        'Rename',
      ),
      ' ',
      el(
        'button',
        {
          type: 'button',
          class: 'danger',
          'data-action': 'Remove',
          onclick: () => remove(passkey),
          'aria-label': `Remove ${passkey.name}`,
        },
        'Remove',
      ),
    ),
  );
}

function rowButton(passkey, action) {
  return passkey && document.querySelector(`[data-passkey="${passkey.id}"] [data-action="${action}"]`);
}

function openRename(passkey) {
  renaming = passkey;
  const form = $('passkey-rename-form');
  form.reset();
  clearProblems(form);
  $('passkey-rename-label').textContent = `New name for “${passkey.name}”`;
  $('passkey-rename-name').value = passkey.name;
  form.hidden = false;
  $('passkey-rename-name').focus();
  $('passkey-rename-name').select();
}

function closeRename() {
  renaming = undefined;
  $('passkey-rename-form').reset();
  $('passkey-rename-form').hidden = true;
}

function remove(passkey) {
  $('passkeys-error').textContent = '';
  if (renaming?.id === passkey.id) closeRename();
  return withStepUp(
    async () => {
      const response = await request(`/auth/passkeys/${passkey.id}`, { method: 'DELETE' });
      if (response.ok) {
        await loadPasskeys();
        await afterChange();
        say(`Passkey “${passkey.name}” removed`);
      }
      return response;
    },
    (message) => ($('passkeys-error').textContent = message),
  );
}
