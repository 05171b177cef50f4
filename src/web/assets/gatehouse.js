// The pages' Gatehouse client, in cookie mode on this origin: the tokens live in HttpOnly cookies that no script can
// read; the only secret held here is the session's CSRF token, in memory. Everything goes through the public API.

/** Codes after which one refresh may bring the session back (the access cookie expired, or the browser dropped it). */
const REFRESHABLE = new Set(['TOKEN_EXPIRED', 'TOKEN_MISSING']);
const BASE = '/api/v1';

let csrfToken;
let refreshing;

function send(path, { method = 'GET', body, headers = {} } = {}) {
  return fetch(`${BASE}${path}`, {
    method,
    credentials: 'same-origin',
    headers: {
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...(method !== 'GET' && csrfToken && { 'x-csrf-token': csrfToken }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** The API's error body, or a stand-in when the answer is not one (a proxy's page, a lost connection). */
export async function problemOf(response) {
  try {
    const body = await response.clone().json();
    if (body && typeof body.code === 'string') return body;
  } catch {
    // not JSON
  }
  return { statusCode: response.status, code: 'HTTP_' + response.status, message: `The server answered ${response.status}` };
}

/** The session's CSRF token after a page load; false when there is no session. */
export async function restore() {
  const response = await send('/auth/csrf');
  csrfToken = response.ok ? (await response.json()).csrfToken : undefined;
  if (!response.ok && REFRESHABLE.has((await problemOf(response)).code)) return refresh();
  return response.ok;
}

/** Spends the refresh cookie for new cookies; one refresh at a time (other tabs share the server's grace window). */
export function refresh() {
  refreshing ??= send('/auth/refresh', { method: 'POST' })
    .then(async (response) => {
      csrfToken = response.ok ? (await response.json()).csrfToken : undefined;
      return response.ok;
    })
    .finally(() => (refreshing = undefined));
  return refreshing;
}

/** A call to the API; when the access cookie has expired it refreshes once and tries again. */
export async function request(path, options) {
  const response = await send(path, options);
  if (response.status === 401 && REFRESHABLE.has((await problemOf(response)).code) && (await refresh())) return send(path, options);
  if (response.status === 403 && (await problemOf(response)).code === 'CSRF_FAILED' && (await restore())) return send(path, options);
  return response;
}

/** A step that opens a session (password, second factor, provider code): asks for cookies, keeps the CSRF token. */
export async function signIn(path, body) {
  const response = await send(path, { method: 'POST', body, headers: { 'x-token-transport': 'cookie' } });
  if (response.ok) csrfToken = (await response.clone().json()).csrfToken;
  return response;
}

export async function signOut() {
  const response = await request('/auth/logout', { method: 'POST' });
  csrfToken = undefined;
  return response;
}
