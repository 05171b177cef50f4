// /account: sign-in, the person's profile, sessions, password, providers and security events, and the landing pages
// of the mailed links. The second factor and the passkeys have their own modules (second-factor.js, passkeys.js).
import { problemOf, request, restore, signIn, signOut } from './gatehouse.js';
import { loadPasskeys, offerAutofill, setUpPasskeys, withdrawAutofill } from './passkeys.js';
import { askSecondFactor, loadSecondFactor, setUpSecondFactor, withStepUp } from './second-factor.js';
import { $, el, onSubmit, say, showView, when } from './ui.js';

/** How often an open page checks that its session still lives (an admin may have ended it). */
const SESSION_CHECK_MS = 10_000;
// Where to go after signing in: only the admin console may be asked for (nothing else, so no open redirect).
const returnTo = new URLSearchParams(location.search).get('return') === 'admin' ? '/admin' : undefined;
// What the address brought (a mailed link's token; a provider sign-in's loginCode, error or linked provider) is read
// once and taken out of the address bar, and so out of the history.
const query = new URLSearchParams(location.search);
const linkToken = query.get('token') ?? '';
const loginCode = query.get('loginCode');
const flowError = query.get('error');
const linked = query.get('linked');
if (linkToken || loginCode || flowError || linked) history.replaceState(null, '', location.pathname);

/** What a provider flow's `?error=` code means to the person (API.md "Sign in with an identity provider"). */
const FLOW_ERRORS = {
  OIDC_STATE_INVALID: 'That sign-in took too long or was already used. Please try again.',
  OIDC_FAILED: 'The provider did not sign you in. Please try again.',
  ACCOUNT_EXISTS: 'An account with this email already exists: sign in with your password, then link the provider here.',
  IDENTITY_IN_USE: 'That provider account is already linked to another user.',
  ACCOUNT_DISABLED: 'This account is disabled.',
};
let providers = [];

// --- signed out ---

onSubmit(
  $('sign-in-form'),
  (data) => {
    withdrawAutofill();
    return signIn('/auth/login', { username: data.get('username'), password: data.get('password') });
  },
  async () => {
    $('sign-in-form').reset();
    await signedIn();
  },
  (problem) => {
    if (problem.code === 'MFA_REQUIRED') $('sign-in-form').reset();
    return askSecondFactor(problem);
  },
);

$('forgot-link').addEventListener('click', (event) => {
  event.preventDefault();
  withdrawAutofill();
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
  void offerAutofill();
}

/** The providers configured for "sign in with …"; none hides the choice. */
async function loadProviders() {
  const response = await request('/auth/oidc/providers');
  providers = response.ok ? await response.json() : [];
  $('providers').hidden = providers.length === 0;
  $('provider-buttons').replaceChildren(
    ...providers.map((provider) =>
      el(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: () => location.assign(`/api/v1/auth/oidc/${encodeURIComponent(provider.id)}/start`),
        },
        `Sign in with ${provider.name}`,
      ),
    ),
  );
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
  await loadIdentities();
  await loadSecondFactor();
  await loadPasskeys();
  await loadEvents();
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

async function loadIdentities() {
  $('identities-section').hidden = providers.length === 0;
  if (providers.length === 0) return;
  const response = await request('/auth/identities');
  const identities = response.ok ? await response.json() : [];
  $('identities').tBodies[0].replaceChildren(
    ...identities.map((identity) =>
      el(
        'tr',
        {},
        el('td', {}, nameOfProvider(identity.provider)),
        el('td', {}, identity.email ?? '—'),
        el('td', {}, when(identity.createdAt)),
        el(
          'td',
          {},
          el(
            'button',
            {
              type: 'button',
              class: 'secondary',
              onclick: () => unlink(identity),
              'aria-label': `Unlink ${nameOfProvider(identity.provider)}`,
            },
            'Unlink',
          ),
        ),
      ),
    ),
  );
  $('link-buttons').replaceChildren(
    ...providers.map((provider) =>
      el('button', { type: 'button', class: 'secondary', onclick: () => link(provider) }, `Link ${provider.name}`),
    ),
  );
}

function link(provider) {
  $('identities-error').textContent = '';
  return withStepUp(async () => {
    const response = await request(`/auth/oidc/${encodeURIComponent(provider.id)}/link`, {
      method: 'POST',
      body: { returnTo: `${location.origin}/account` },
    });
    if (response.ok) location.assign((await response.json()).authorizationUrl);
    return response;
  });
}

function unlink(identity) {
  $('identities-error').textContent = '';
  return withStepUp(async () => {
    const response = await request(`/auth/identities/${identity.id}`, { method: 'DELETE' });
    if (response.ok) {
      await loadIdentities();
      say('Provider unlinked');
    } else if ((await problemOf(response)).code !== 'STEP_UP_REQUIRED') {
      $('identities-error').textContent = (await problemOf(response)).message;
    }
    return response;
  });
}

/** What each event type means to the person reading their own trail. */
const EVENT_NAMES = {
  'user.registered': 'Account created',
  'login.succeeded': 'Signed in',
  'login.failed': 'Sign-in failed',
  'login.locked': 'Account locked after failed sign-ins',
  'mfa.failed': 'Wrong two-factor code',
  'refresh.reused': 'Session ended: a refresh token was used twice',
  'session.revoked': 'Session ended',
  logout: 'Signed out',
  logout_all: 'Signed out everywhere',
  'password.changed': 'Password changed',
  'password.reset_requested': 'Password reset asked for',
  'password.reset': 'Password reset',
  'email.verified': 'Email address verified',
  'mfa.enabled': 'Two-factor authentication turned on',
  'mfa.disabled': 'Two-factor authentication turned off',
  'mfa.recovery_code_used': 'Recovery code used',
  'mfa.recovery_codes_regenerated': 'New recovery codes',
  'passkey.added': 'Passkey added',
  'passkey.removed': 'Passkey removed',
  'identity.linked': 'Provider linked',
  'identity.unlinked': 'Provider unlinked',
  'user.updated': 'Changed by an admin',
  'user.deleted': 'Account deleted',
};

async function loadEvents() {
  const response = await request('/auth/events?limit=20');
  const { items } = response.ok ? await response.json() : { items: [] };
  $('events').tBodies[0].replaceChildren(
    ...items.map((event) =>
      el(
        'tr',
        {},
        el('td', {}, when(event.at)),
        el('td', {}, EVENT_NAMES[event.type] ?? event.type, event.details?.method ? ` (${event.details.method})` : ''),
        el('td', {}, event.outcome),
        el('td', {}, event.ip ?? '—'),
      ),
    ),
  );
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

setUpSecondFactor(signedIn);
setUpPasskeys({
  signedIn,
  // The first second factor (or the last one gone) ends the other sessions, and both are security events.
  changed: async () => {
    await loadSecondFactor();
    await loadSessions();
    await loadEvents();
  },
});
await loadProviders();
if (loginCode) {
  const response = await signIn('/auth/oidc/exchange', { loginCode });
  if (response.ok) await signedIn();
  else if (!askSecondFactor(await problemOf(response))) showSignIn((await problemOf(response)).message);
} else if (location.pathname === '/account/reset-password') {
  showView('reset-password');
  say('');
} else if (location.pathname === '/account/verify-email') {
  void verifyEmail();
} else if (await restore()) {
  if (linked || flowError) await openAccount(linked ? `${nameOfProvider(linked)} linked` : (FLOW_ERRORS[flowError] ?? flowError));
  else await signedIn();
} else {
  showSignIn(flowError ? (FLOW_ERRORS[flowError] ?? flowError) : '');
}

function nameOfProvider(id) {
  return providers.find((provider) => provider.id === id)?.name ?? id;
}
