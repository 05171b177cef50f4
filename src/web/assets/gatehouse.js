// The pages' Gatehouse client, in cookie mode on this origin: the tokens live in HttpOnly cookies that no script can
// read; the only secret held here is the session's CSRF token, in memory. Everything goes through the public API.
// The passkey ceremonies run on @simplewebauthn/browser, which the page loads first (/web/simplewebauthn-browser.js).
/* global Response */

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

// --- passkeys (API.md "Passkeys"): the server's options, the browser's ceremony, the server's verdict ---

const webauthn = globalThis.SimpleWebAuthnBrowser;
const PASSKEY_OPTIONS = '/auth/passkeys/authentication/options';
const PASSKEY_VERIFY = '/auth/passkeys/authentication/verify';

/** Whether this browser can use passkeys at all (the pages hide what it cannot do). */
export const passkeysSupported = Boolean(webauthn?.browserSupportsWebAuthn());

/** What the person reads when the browser's ceremony ends without a credential. */
const CEREMONY_MESSAGES = {
  NotAllowedError: 'No passkey was used: the request was cancelled or timed out.',
  InvalidStateError: 'This device already holds a passkey for your account.',
  AbortError: 'The passkey request was stopped.',
};

/**
 * The browser's refusal as an answer in the API's error shape, so the pages show it where they show the API's
 * (under the control that started it) with the same code paths.
 */
function ceremonyFailure(error) {
  const name = error?.cause?.name ?? error?.name;
  const body = { statusCode: 400, code: 'PASSKEY_CEREMONY_FAILED', message: CEREMONY_MESSAGES[name] ?? String(error?.message ?? error) };
  return Response.json(body, { status: 400 });
}

/** Options from the server, then the browser's assertion: `{ credential }`, or `{ failure }` (a response). */
async function assertion(call, body) {
  if (!passkeysSupported) return { failure: ceremonyFailure(new Error('This browser cannot use passkeys.')) };
  cancelPasskeyAutofill();
  const options = await call(PASSKEY_OPTIONS, { method: 'POST', body });
  if (!options.ok) return { failure: options };
  try {
    return { credential: await webauthn.startAuthentication({ optionsJSON: await options.json() }) };
  } catch (error) {
    return { failure: ceremonyFailure(error) };
  }
}

/** A sign-in with a passkey: passwordless, or the second step after a password (with its `mfaToken`). */
export async function signInWithPasskey(mfaToken) {
  const { credential, failure } = await assertion(send, mfaToken ? { mfaToken } : {});
  return failure ?? signIn(PASSKEY_VERIFY, { response: credential, ...(mfaToken && { mfaToken }) });
}

/** A step-up with a passkey: the options, asked for with the session, list only this person's passkeys. */
export async function stepUpWithPasskey() {
  const { credential, failure } = await assertion(request, {});
  return failure ?? request('/auth/step-up', { method: 'POST', body: { passkey: credential } });
}

/** Creates a passkey on this device and registers it under `name` (the server's default when empty). */
export async function registerPasskey(name) {
  if (!passkeysSupported) return ceremonyFailure(new Error('This browser cannot create passkeys.'));
  cancelPasskeyAutofill();
  const options = await request('/auth/passkeys/registration/options', { method: 'POST' });
  if (!options.ok) return options;
  let credential;
  try {
    credential = await webauthn.startRegistration({ optionsJSON: await options.json() });
  } catch (error) {
    return ceremonyFailure(error);
  }
  return request('/auth/passkeys/registration/verify', { method: 'POST', body: { response: credential, ...(name && { name }) } });
}

let autofillOffer;

/**
 * Offers the account's passkeys in the username field's autofill (conditional UI; the field's autocomplete names
 * `webauthn`). Answers the sign-in's response once the person picks one, or undefined when the browser cannot offer
 * it or the offer was withdrawn (another way of signing in was chosen): that is no error to show.
 */
export async function offerPasskeyAutofill() {
  cancelPasskeyAutofill();
  if (!passkeysSupported) return undefined;
  const offer = (autofillOffer = {});
  const open = () => offer === autofillOffer;
  let credential;
  try {
    if (!(await webauthn.browserSupportsWebAuthnAutofill()) || !open()) return undefined;
    const options = await send(PASSKEY_OPTIONS, { method: 'POST', body: {} });
    const optionsJSON = options.ok ? await options.json() : undefined;
    if (!optionsJSON || !open()) return undefined;
    credential = await webauthn.startAuthentication({ optionsJSON, useBrowserAutofill: true });
  } catch {
    // Withdrawn, or ended by the browser without a pick: the person signs in another way.
    return undefined;
  } finally {
    if (open()) autofillOffer = undefined;
  }
  return signIn(PASSKEY_VERIFY, { response: credential });
}

/** Withdraws the autofill offer, if one is open: a pending browser request would otherwise outlive its form. */
export function cancelPasskeyAutofill() {
  if (!autofillOffer) return;
  autofillOffer = undefined;
  webauthn.WebAuthnAbortService.cancelCeremony();
}
