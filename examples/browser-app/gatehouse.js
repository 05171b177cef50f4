// A small Gatehouse client for a browser app in cookie mode: the tokens live in HttpOnly cookies that no script can
// read, and the only secret this code holds is the session's CSRF token, in memory. Copy it into your app.
// Passkeys use @simplewebauthn/browser, which the page loads first (it sets globalThis.SimpleWebAuthnBrowser).

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

  /** A step that opens a session (a password, a second factor, a passkey): asks for cookies, keeps the CSRF token. */
  async function signIn(path, body) {
    const response = await send(path, { method: 'POST', body, headers: { 'x-token-transport': 'cookie' } });
    if (response.ok) csrfToken = (await response.clone().json()).csrfToken;
    return response;
  }

  /**
   * A password login. For a user with a second factor it answers 401 MFA_REQUIRED with `mfaToken` and `methods`
   * (`totp`, `recovery_code`, `passkey`): finish it with `verifyCode` or `loginWithPasskey(mfaToken)`.
   */
  function login(username, password) {
    return signIn('/auth/login', { username, password });
  }

  /** The second step with a code from the user's authenticator app. */
  function verifyCode(mfaToken, code) {
    return signIn('/auth/mfa/verify', { mfaToken, code });
  }

  /**
   * A passkey login: passwordless without `mfaToken` (the browser offers the passkeys it holds for this site), or the
   * second step of a password login with it. A ceremony the person cancels rejects (a WebAuthnError of the library).
   */
  async function loginWithPasskey(mfaToken) {
    const options = await send('/auth/passkeys/authentication/options', { method: 'POST', body: mfaToken ? { mfaToken } : {} });
    if (!options.ok) return options;
    const response = await globalThis.SimpleWebAuthnBrowser.startAuthentication({ optionsJSON: await options.json() });
    return signIn('/auth/passkeys/authentication/verify', { response, ...(mfaToken && { mfaToken }) });
  }

  /** Creates a passkey on this device for the signed-in user (who must have signed in recently) and registers it. */
  async function addPasskey(name) {
    const options = await request('/auth/passkeys/registration/options', { method: 'POST' });
    if (!options.ok) return options;
    const response = await globalThis.SimpleWebAuthnBrowser.startRegistration({ optionsJSON: await options.json() });
    return request('/auth/passkeys/registration/verify', { method: 'POST', body: { response, ...(name && { name }) } });
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
  function exchange(loginCode) {
    return signIn('/auth/oidc/exchange', { loginCode });
  }

  async function logout() {
    const response = await request('/auth/logout', { method: 'POST' });
    csrfToken = undefined;
    return response;
  }

  return { restore, refresh, request, login, verifyCode, loginWithPasskey, addPasskey, logout, providers, providerSignInUrl, exchange };
}
