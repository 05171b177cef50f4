// /account: sign-in, the person's profile, sessions and password, and the landing pages of the mailed links.
import { problemOf, request, restore, signIn, signOut } from './gatehouse.js';
import { $, el, onSubmit, say, showView, when } from './ui.js';

/** How often an open page checks that its session still lives (an admin may have ended it). */
const SESSION_CHECK_MS = 10_000;
// Where to go after signing in: only the admin console may be asked for (nothing else, so no open redirect).
const returnTo = new URLSearchParams(location.search).get('return') === 'admin' ? '/admin' : undefined;
// A mailed link's token is read once and taken out of the address bar (and so out of the history).
const linkToken = new URLSearchParams(location.search).get('token') ?? '';
if (linkToken) history.replaceState(null, '', location.pathname);

// --- signed out ---

onSubmit(
  $('sign-in-form'),
  (data) => signIn('/auth/login', { username: data.get('username'), password: data.get('password') }),
  async () => {
    $('sign-in-form').reset();
    await signedIn();
  },
);

$('forgot-link').addEventListener('click', (event) => {
  event.preventDefault();
  showView('forgot');
  $('forgot-email').focus();
});

onSubmit(
  $('forgot-form'),
  (data) => request('/auth/password/forgot', { method: 'POST', body: { email: data.get('email') } }),
  () => say('If that address has an account, a reset link is on its way.'),
);

onSubmit(
  $('reset-form'),
  (data) => request('/auth/password/reset', { method: 'POST', body: { token: linkToken, newPassword: data.get('newPassword') } }),
  () => {
    history.replaceState(null, '', '/account');
    showSignIn('Password changed: sign in with the new one.');
  },
);

async function verifyEmail() {
  showView('verify-email');
  const response = await request('/auth/email/verify', { method: 'POST', body: { token: linkToken } });
  $('verify-result').textContent = response.ok ? 'Your email address is verified.' : (await problemOf(response)).message;
}

function showSignIn(message) {
  stopSessionChecks();
  showView('sign-in');
  say(message);
  $('sign-in-username').focus();
}

// --- signed in ---

function signedIn() {
  return returnTo ? location.assign(returnTo) : openAccount('Signed in');
}

async function openAccount(message) {
  const me = await request('/auth/me');
  if (!me.ok) return showSignIn('Signed out');
  const user = await me.json();
  renderProfile(user);
  $('admin-link').hidden = !user.roles.includes('admin');
  await loadSessions();
  showView('account');
  say(message);
  startSessionChecks();
}

function renderProfile(user) {
  const rows = [
    ['Username', user.username],
    ['Email', `${user.email}${user.emailVerified ? ' (verified)' : ' (not verified)'}`],
    ['Roles', user.roles.join(', ')],
    ['Member since', when(user.createdAt)],
  ];
  $('profile').replaceChildren(...rows.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value)]));
}

async function loadSessions() {
  const response = await request('/auth/sessions');
  if (!response.ok) return;
  const sessions = await response.json();
  $('sessions').tBodies[0].replaceChildren(
    ...sessions.map((session) =>
      el(
        'tr',
        { 'data-session': session.id },
        el('td', {}, deviceOf(session.userAgent), session.current ? el('strong', {}, ' (this device)') : ''),
        el('td', {}, session.ip ?? '—'),
        el('td', {}, when(session.lastUsedAt)),
        el('td', {}, when(session.createdAt)),
        el(
          'td',
          {},
          el(
            'button',
            { type: 'button', class: 'secondary', onclick: () => endSession(session) },
            session.current ? 'Sign out here' : 'End this session',
          ),
        ),
      ),
    ),
  );
  $('end-others').hidden = !sessions.some((session) => !session.current);
  $('end-others').onclick = async () => {
    for (const session of sessions.filter((s) => !s.current)) await request(`/auth/sessions/${session.id}`, { method: 'DELETE' });
    await loadSessions();
    say('Other sessions ended');
  };
}

/** A short name for a user agent: the browser and the system, as far as the string says. */
function deviceOf(userAgent) {
  if (!userAgent) return 'Unknown device';
  const browser = /(Edg|Firefox|Chrome|Chromium|Safari|curl|HeadlessChrome)\/[\d.]+/.exec(userAgent)?.[0] ?? userAgent.slice(0, 40);
  const system = /\(([^;)]+)/.exec(userAgent)?.[1];
  return system ? `${browser} on ${system}` : browser;
}

async function endSession(session) {
  const response = await request(`/auth/sessions/${session.id}`, { method: 'DELETE' });
  if (!response.ok) return say((await problemOf(response)).message);
  if (session.current) return showSignIn('Signed out');
  await loadSessions();
  say('Session ended');
}

$('sign-out').addEventListener('click', async () => {
  await signOut();
  showSignIn('Signed out');
});

onSubmit(
  $('password-form'),
  (data) =>
    request('/auth/password', {
      method: 'PATCH',
      body: { currentPassword: data.get('currentPassword'), newPassword: data.get('newPassword') },
    }),
  async () => {
    $('password-form').reset();
    await loadSessions();
    say('Password changed; your other sessions have ended.');
  },
);

// --- the session may end elsewhere (another device, an admin): the page notices and asks to sign in again ---

let sessionTimer;
function startSessionChecks() {
  stopSessionChecks();
  sessionTimer = setInterval(checkSession, SESSION_CHECK_MS);
}
function stopSessionChecks() {
  clearInterval(sessionTimer);
}
async function checkSession() {
  if (!(await restore())) showSignIn('Your session has ended. Please sign in again.');
}
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && !$('account-view').hidden) void checkSession();
});

// --- start ---

if (location.pathname === '/account/reset-password') {
  showView('reset-password');
  say('');
} else if (location.pathname === '/account/verify-email') {
  void verifyEmail();
} else if (await restore()) {
  await signedIn();
} else {
  showSignIn('');
}
