import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';

/**
 * Bounds on a WebAuthn response before any of it is decoded. A browser's clientDataJSON is a few hundred bytes; 4 kB
 * leaves room for extensions, and a credential id is at most 1023 bytes (WebAuthn L3 §5.1).
 */
const MAX_CLIENT_DATA_CHARS = 4096;
const MAX_CREDENTIAL_ID_CHARS = 1366;
const MAX_BINARY_CHARS = 32_768;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** A response refused before the library sees it; the caller answers PASSKEY_INVALID with `reason` in its log only. */
export class MalformedResponse extends Error {}

/** The part every response shares: the credential's id and the challenge its client data answers. */
export interface ResponseEnvelope {
  credentialId: string;
  challenge: string;
}

export function registrationResponse(value: object): { response: RegistrationResponseJSON } & ResponseEnvelope {
  const response = value as RegistrationResponseJSON;
  const inner = objectAt(response, 'response');
  binaryAt(inner, 'attestationObject', MAX_BINARY_CHARS);
  return { response, ...envelopeOf(response, inner) };
}

export function authenticationResponse(value: object): { response: AuthenticationResponseJSON } & ResponseEnvelope {
  const response = value as AuthenticationResponseJSON;
  const inner = objectAt(response, 'response');
  binaryAt(inner, 'authenticatorData', MAX_BINARY_CHARS);
  binaryAt(inner, 'signature', MAX_BINARY_CHARS);
  if (inner.userHandle !== undefined && inner.userHandle !== null) binaryAt(inner, 'userHandle', 128);
  return { response, ...envelopeOf(response, inner) };
}

/** The user handle of an assertion, as the UTF-8 text it was made from at registration (the user's id). */
export function userHandleOf(response: AuthenticationResponseJSON): string | undefined {
  const handle = response.response.userHandle;
  return typeof handle === 'string' && handle.length > 0 ? Buffer.from(handle, 'base64url').toString('utf8') : undefined;
}

function envelopeOf(response: RegistrationResponseJSON | AuthenticationResponseJSON, inner: Record<string, unknown>): ResponseEnvelope {
  const credentialId = binaryAt(response as unknown as Record<string, unknown>, 'id', MAX_CREDENTIAL_ID_CHARS);
  if (credentialId.length === 0) throw new MalformedResponse('empty credential id');
  if (response.rawId !== credentialId) throw new MalformedResponse('rawId is not id');
  if (response.type !== 'public-key') throw new MalformedResponse('type is not public-key');
  const clientData = binaryAt(inner, 'clientDataJSON', MAX_CLIENT_DATA_CHARS);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(clientData, 'base64url').toString('utf8'));
  } catch {
    throw new MalformedResponse('clientDataJSON is not JSON');
  }
  const challenge = (parsed as { challenge?: unknown } | null)?.challenge;
  if (typeof challenge !== 'string' || challenge.length === 0 || challenge.length > 128 || !BASE64URL.test(challenge)) {
    throw new MalformedResponse('clientDataJSON has no challenge');
  }
  return { credentialId, challenge };
}

function objectAt(container: object, key: string): Record<string, unknown> {
  const value = (container as Record<string, unknown>)[key];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MalformedResponse(`${key} is not an object`);
  return value as Record<string, unknown>;
}

function binaryAt(container: Record<string, unknown>, key: string, maxChars: number): string {
  const value = container[key];
  if (typeof value !== 'string' || value.length > maxChars || !BASE64URL.test(value)) {
    throw new MalformedResponse(`${key} is not base64url of at most ${maxChars} characters`);
  }
  return value;
}
