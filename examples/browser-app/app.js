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

async function loadUser() {
  const response = await gatehouse.request('/auth/me');
  show(response.ok ? await response.json() : null);
  return response.ok;
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  say('Signing in…');
  const response = await gatehouse.login($('login-username').value, $('login-password').value);
  if (!response.ok) return say(await problemOf(response));
  $('login-password').value = '';
  await loadUser();
  say('Signed in');
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

say('Loading…');
if ((await gatehouse.restore()) && (await loadUser())) say('Signed in');
else {
  show(null);
  say('Signed out');
}
