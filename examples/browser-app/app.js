import { apiUrl } from './config.js';
import { createGatehouse } from './gatehouse.js';

const gatehouse = createGatehouse(apiUrl);
const $ = (id) => document.getElementById(id);

function say(text) {
  $('status').textContent = text;
}

function show(user) {
  $('signed-out').hidden = Boolean(user);
  $('signed-in').hidden = !user;
  $('second-factor').hidden = true;
  $('username').textContent = user ? user.username : '';
}

async function problemOf(response) {
  try {
    const body = await response.json();
    return `${body.code}: ${Array.isArray(body.message) ? body.message.join('; ') : body.message}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

/** Runs a passkey step; the browser's own refusal (cancelled, timed out) is said like the API's. */
async function withPasskey(step) {
  try {
    return await step();
  } catch (error) {
    say(`${error.code ?? error.name}: ${error.message}`);
    return undefined;
  }
}

/** Signed in by whatever step `response` answers: show the user, or say why not. */
async function finishSignIn(response) {
  if (!response) return;
  if (!response.ok) return say(await problemOf(response));
  await loadUser();
  say('Signed in');
}

// A password login of a user with a second factor: the second step, with the methods they have.
let mfaToken;
function askSecondFactor({ mfaToken: token, methods }) {
  mfaToken = token;
  $('signed-out').hidden = true;
  $('second-factor').hidden = false;
  $('mfa-form').hidden = !methods.includes('totp');
  $('mfa-passkey').hidden = !methods.includes('passkey');
  say('Second factor needed');
}

async function loadUser() {
  const response = await gatehouse.request('/auth/me');
  show(response.ok ? await response.json() : null);
  return response.ok;
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  say('Signing in…');
  const response = await gatehouse.login($('login-username').value, $('login-password').value);
  $('login-password').value = '';
  const body = response.status === 401 ? await response.clone().json() : undefined;
  if (body?.code === 'MFA_REQUIRED') return askSecondFactor(body);
  await finishSignIn(response);
});

$('passkey-login').addEventListener('click', async () => {
  say('Waiting for the passkey…');
  await finishSignIn(await withPasskey(() => gatehouse.loginWithPasskey()));
});

$('mfa-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  say('Verifying…');
  const response = await gatehouse.verifyCode(mfaToken, $('mfa-code').value);
  $('mfa-code').value = '';
  await finishSignIn(response);
});

$('mfa-passkey').addEventListener('click', async () => {
  say('Waiting for the passkey…');
  await finishSignIn(await withPasskey(() => gatehouse.loginWithPasskey(mfaToken)));
});

$('passkey-add').addEventListener('click', async () => {
  say('Waiting for the passkey…');
  const response = await withPasskey(() => gatehouse.addPasskey());
  if (response) say(response.ok ? 'Passkey added' : await problemOf(response));
});

$('refresh').addEventListener('click', async () => {
  say('Refreshing…');
  if (await gatehouse.refresh()) return say('Session refreshed');
  show(null);
  say('Session ended');
});

$('whoami').addEventListener('click', async () => {
  say('Asking…');
  say((await loadUser()) ? 'Still signed in' : 'Signed out');
});

$('logout').addEventListener('click', async () => {
  const response = await gatehouse.logout();
  show(null);
  say(response.ok ? 'Signed out' : await problemOf(response));
});

$('password-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const body = { currentPassword: $('current-password').value, newPassword: $('new-password').value };
  const response = await gatehouse.request('/auth/password', { method: 'PATCH', body });
  $('current-password').value = $('new-password').value = '';
  say(response.ok ? 'Password changed' : await problemOf(response));
});

async function listProviders() {
  const providers = await gatehouse.providers();
  const list = $('provider-list');
  list.replaceChildren(
    ...providers.map(({ id, name }) => {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = `Sign in with ${name}`;
      // Back to this page, which then exchanges the loginCode the provider's callback adds.
      button.addEventListener('click', () => location.assign(gatehouse.providerSignInUrl(id, `${location.origin}${location.pathname}`)));
      item.append(button);
      return item;
    }),
  );
  $('providers').hidden = providers.length === 0;
}

/** Back from an identity provider: `?loginCode=` to exchange, or `?error=`. Either way, off the address bar. */
async function finishProviderSignIn() {
  const query = new URLSearchParams(location.search);
  const loginCode = query.get('loginCode');
  const error = query.get('error');
  if (!loginCode && !error) return undefined;
  history.replaceState(null, '', location.pathname);
  if (error) return `Sign-in with the provider failed: ${error}`;
  const response = await gatehouse.exchange(loginCode);
  return response.ok ? undefined : await problemOf(response);
}

say('Loading…');
const providerProblem = await finishProviderSignIn();
await listProviders();
if ((await gatehouse.restore()) && (await loadUser())) say('Signed in');
else {
  show(null);
  say(providerProblem ?? 'Signed out');
}
