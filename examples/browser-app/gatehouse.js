// A small Gatehouse client for a browser app in cookie mode: the tokens live in HttpOnly cookies that no script can
// read, and the only secret this code holds is the session's CSRF token, in memory. Copy it into your app.

/** Codes after which one refresh may bring the session back (the access cookie expired, or the browser dropped it). */
const REFRESHABLE = new Set(['TOKEN_EXPIRED', 'TOKEN_MISSING']);

export function createGatehouse(apiUrl) {
  const base = `${apiUrl}/api/v1`;
  let csrfToken;
  let refreshing;

  function send(path, { method = 'GET', body, headers = {} } = {}) {
    return fetch(`${base}${path}`, {
      method,
      credentials: 'include', // send and accept the session cookies on the API's origin
      headers: {
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...(method !== 'GET' && csrfToken && { 'x-csrf-token': csrfToken }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async function codeOf(response) {
    try {
      return (await response.clone().json()).code;
    } catch {
      return undefined;
    }
  }

  /** The session's CSRF token after a reload; false when there is no session. */
  async function restore() {
    const response = await send('/auth/csrf');
    csrfToken = response.ok ? (await response.json()).csrfToken : undefined;
    return response.ok;
  }

  /**
   * Spends the refresh cookie (an empty body) for new cookies. One refresh per tab at a time; other tabs that refresh
   * at the same moment get the same new cookies from the server (its grace window), so none of them is logged out.
   */
  function refresh() {
    refreshing ??= send('/auth/refresh', { method: 'POST' })
      .then(async (response) => {
        csrfToken = response.ok ? (await response.json()).csrfToken : undefined;
        return response.ok;
      })
      .finally(() => (refreshing = undefined));
    return refreshing;
  }

  /** A call to the API; when the access cookie has expired it refreshes once and tries again. */
  async function request(path, options) {
    const response = await send(path, options);
    if (response.status === 401 && REFRESHABLE.has(await codeOf(response)) && (await refresh())) return send(path, options);
    // A stale CSRF token (the server's keys changed): fetch the current one and try once more.
    if (response.status === 403 && (await codeOf(response)) === 'CSRF_FAILED' && (await restore())) return send(path, options);
    return response;
  }

  async function login(username, password) {
    const response = await send('/auth/login', {
      method: 'POST',
      body: { username, password },
      headers: { 'x-token-transport': 'cookie' },
    });
    if (response.ok) csrfToken = (await response.clone().json()).csrfToken;
    return response;
  }

  /** The identity providers one can sign in with: `[{ id, name }]`. */
  async function providers() {
    const response = await send('/auth/oidc/providers');
    return response.ok ? response.json() : [];
  }

  /**
   * Where to send the browser to sign in with a provider. It comes back to `returnTo` with `?loginCode=` (or
   * `?error=<code>`); `returnTo` must be on an origin the API allows (APP_URL, CORS_ORIGINS).
   */
  function providerSignInUrl(providerId, returnTo) {
    return `${base}/auth/oidc/${encodeURIComponent(providerId)}/start?returnTo=${encodeURIComponent(returnTo)}`;
  }

  /** Spends the callback's single-use loginCode for the session cookies, as a password login does. */
  async function exchange(loginCode) {
    const response = await send('/auth/oidc/exchange', {
      method: 'POST',
      body: { loginCode },
      headers: { 'x-token-transport': 'cookie' },
    });
    if (response.ok) csrfToken = (await response.clone().json()).csrfToken;
    return response;
  }

  async function logout() {
    const response = await request('/auth/logout', { method: 'POST' });
    csrfToken = undefined;
    return response;
  }

  return { restore, refresh, request, login, logout, providers, providerSignInUrl, exchange };
}
