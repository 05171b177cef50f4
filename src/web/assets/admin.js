// /admin: find users and act on one (roles, disabling, their sessions, deletion), on the public API with the admin's
// own session. The API decides who is an admin; this page only shows its answers.
import { problemOf, request, restore } from './gatehouse.js';
import { $, el, onSubmit, say, showView, when } from './ui.js';

const PAGE_SIZE = 20;
let search = '';
let page = 1;
let selected;

async function start() {
  if (!(await restore())) {
    location.assign('/account?return=admin');
    return;
  }
  const me = await request('/auth/me');
  if (!me.ok) return location.assign('/account?return=admin');
  if (!(await me.json()).roles.includes('admin')) {
    showView('refused');
    return say('');
  }
  showView('console');
  await loadUsers();
  await loadAudit();
  say('');
}

onSubmit(
  $('search-form'),
  (data) => {
    search = String(data.get('search') ?? '');
    page = 1;
    return fetchUsers();
  },
  (response) => renderUsers(response),
);

$('previous-page').addEventListener('click', () => changePage(-1));
$('next-page').addEventListener('click', () => changePage(1));

async function changePage(step) {
  page = Math.max(1, page + step);
  await loadUsers();
}

function fetchUsers() {
  const query = new URLSearchParams({ page: String(page), limit: String(PAGE_SIZE), ...(search && { search }) });
  return request(`/users?${query}`);
}

async function loadUsers() {
  const response = await fetchUsers();
  if (!response.ok) return say((await problemOf(response)).message);
  await renderUsers(response);
}

async function renderUsers(response) {
  const { items, total } = await response.json();
  $('users').tBodies[0].replaceChildren(
    ...items.map((user) =>
      el(
        'tr',
        {},
        el('td', {}, user.username),
        el('td', {}, user.email),
        el('td', {}, user.roles.join(', ')),
        el('td', {}, user.disabled ? 'disabled' : 'active'),
        el(
          'td',
          {},
          el(
            'button',
            { type: 'button', class: 'secondary', onclick: () => openUser(user.id), 'aria-label': `Open ${user.username}` },
            'Open',
          ),
        ),
      ),
    ),
  );
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  $('page-info').textContent = `Page ${page} of ${pages} (${total} users)`;
  $('previous-page').disabled = page <= 1;
  $('next-page').disabled = page >= pages;
}

async function openUser(id) {
  const response = await request(`/users/${id}`);
  if (!response.ok) return say((await problemOf(response)).message);
  selected = await response.json();
  renderUser();
  await loadUserSessions();
  await loadUserMfa();
  $('user').hidden = false;
  $('user-title').focus();
}

function renderUser() {
  const user = selected;
  $('user-title').textContent = user.username;
  const rows = [
    ['Email', `${user.email}${user.emailVerified ? ' (verified)' : ' (not verified)'}`],
    ['Roles', user.roles.join(', ')],
    ['State', user.disabled ? 'disabled' : 'active'],
    ['Created', when(user.createdAt)],
  ];
  $('user-profile').replaceChildren(...rows.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value)]));
  for (const box of $('roles-form').querySelectorAll('input[name=roles]')) box.checked = user.roles.includes(box.value);
  $('toggle-disabled').textContent = user.disabled ? 'Enable user' : 'Disable user';
  $('user-identities').replaceChildren(
    ...(user.identities ?? []).map((identity) =>
      el('li', {}, `${identity.provider}: ${identity.email ?? '—'} (since ${when(identity.createdAt)})`),
    ),
  );
  if ((user.identities ?? []).length === 0) $('user-identities').replaceChildren(el('li', {}, 'None'));
  $('user-error').textContent = '';
}

async function loadUserSessions() {
  const response = await request(`/users/${selected.id}/sessions`);
  const sessions = response.ok ? await response.json() : [];
  $('user-sessions').tBodies[0].replaceChildren(
    ...sessions.map((s) =>
      el(
        'tr',
        {},
        el('td', {}, s.userAgent ?? '—'),
        el('td', {}, s.ip ?? '—'),
        el('td', {}, when(s.lastUsedAt)),
        el('td', {}, when(s.createdAt)),
      ),
    ),
  );
}

async function change(body, done) {
  const response = await request(`/users/${selected.id}`, { method: 'PATCH', body });
  if (!response.ok) {
    $('user-error').textContent = (await problemOf(response)).message;
    return response;
  }
  selected = await response.json();
  renderUser();
  await loadUserSessions();
  await loadUserMfa();
  await loadUsers();
  say(done);
  return response;
}

onSubmit(
  $('roles-form'),
  (data) => request(`/users/${selected.id}`, { method: 'PATCH', body: { roles: data.getAll('roles') } }),
  async (response) => {
    selected = await response.json();
    renderUser();
    await loadUserSessions();
    await loadUserMfa();
    await loadUsers();
    say('Roles saved; their sessions have ended.');
  },
);

$('toggle-disabled').addEventListener('click', () =>
  change({ disabled: !selected.disabled }, selected.disabled ? 'User enabled' : 'User disabled; their sessions have ended.'),
);

$('end-user-sessions').addEventListener('click', async () => {
  const response = await request(`/users/${selected.id}/sessions`, { method: 'DELETE' });
  if (!response.ok) return ($('user-error').textContent = (await problemOf(response)).message);
  await loadUserSessions();
  say('Their sessions have ended.');
});

$('delete-user').addEventListener('click', async () => {
  if (!confirm(`Delete ${selected.username}? This cannot be undone.`)) return;
  const response = await request(`/users/${selected.id}`, { method: 'DELETE' });
  if (!response.ok) return ($('user-error').textContent = (await problemOf(response)).message);
  $('user').hidden = true;
  say(`${selected.username} deleted`);
  selected = undefined;
  await loadUsers();
});

async function loadUserMfa() {
  const response = await request(`/users/${selected.id}/mfa`);
  const status = response.ok ? await response.json() : { totp: false, recoveryCodesLeft: 0, passkeys: 0 };
  const passkeys = status.passkeys ?? 0;
  // The reset removes their passkeys too: it is what a user locked out of every second factor needs.
  $('reset-mfa').hidden = !status.totp && passkeys === 0;
  $('user-profile').append(
    el('dt', {}, 'Authenticator app'),
    el('dd', {}, status.totp ? `on (${status.recoveryCodesLeft} recovery codes left)` : 'off'),
    el('dt', {}, 'Passkeys'),
    el('dd', {}, String(passkeys)),
  );
}

$('reset-mfa').addEventListener('click', async () => {
  const what = 'authenticator app, recovery codes and passkeys';
  if (!confirm(`Reset the two-factor authentication of ${selected.username} (${what})? Their sessions end.`)) return;
  const response = await request(`/users/${selected.id}/mfa`, { method: 'DELETE' });
  if (!response.ok) return ($('user-error').textContent = (await problemOf(response)).message);
  renderUser();
  await loadUserSessions();
  await loadUserMfa();
  say('Their two-factor authentication is reset; their sessions have ended.');
});

// --- the audit trail: newest first, a page at a time (the API's cursor) ---

const EVENT_TYPES = [
  'user.registered',
  'login.succeeded',
  'login.failed',
  'login.locked',
  'mfa.failed',
  'refresh.reused',
  'session.revoked',
  'logout',
  'logout_all',
  'password.changed',
  'password.reset_requested',
  'password.reset',
  'email.verified',
  'mfa.enabled',
  'mfa.disabled',
  'mfa.recovery_code_used',
  'mfa.recovery_codes_regenerated',
  'passkey.added',
  'passkey.removed',
  'identity.linked',
  'identity.unlinked',
  'user.updated',
  'user.deleted',
];
$('audit-type').append(...EVENT_TYPES.map((type) => el('option', { value: type }, type)));
let auditFilters = {};
let auditCursor = null;

function auditQuery(filters, cursor) {
  const query = new URLSearchParams({ limit: '50' });
  for (const [name, value] of Object.entries(filters)) if (value) query.set(name, value);
  if (cursor) query.set('cursor', cursor);
  return request(`/audit-events?${query}`);
}

async function showAudit(response, append) {
  const { items, nextCursor } = await response.json();
  const rows = items.map((event) =>
    el(
      'tr',
      {},
      el('td', {}, when(event.at)),
      el('td', {}, event.type),
      el('td', {}, event.outcome),
      el('td', {}, event.userId ?? '—'),
      el('td', {}, event.actorId ?? '—'),
      el('td', {}, event.ip ?? '—'),
    ),
  );
  if (append) $('audit').tBodies[0].append(...rows);
  else $('audit').tBodies[0].replaceChildren(...rows);
  auditCursor = nextCursor;
  $('audit-more').hidden = !nextCursor;
}

async function loadAudit() {
  const response = await auditQuery(auditFilters, null);
  if (response.ok) await showAudit(response, false);
}

/** A date input's day as the start (or the end) of that day in UTC, as the API's ISO-8601 filters expect. */
function dayOf(value, end) {
  return value ? `${value}T${end ? '23:59:59.999' : '00:00:00.000'}Z` : '';
}

onSubmit(
  $('audit-form'),
  (data) => {
    auditFilters = {
      userId: String(data.get('userId') ?? '').trim(),
      type: String(data.get('type') ?? ''),
      since: dayOf(String(data.get('since') ?? ''), false),
      until: dayOf(String(data.get('until') ?? ''), true),
    };
    return auditQuery(auditFilters, null);
  },
  (response) => showAudit(response, false),
);

$('audit-more').addEventListener('click', async () => {
  const response = await auditQuery(auditFilters, auditCursor);
  if (response.ok) await showAudit(response, true);
});

await start();
