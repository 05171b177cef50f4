import { createHash, generateKeyPairSync, KeyObject, randomBytes, sign } from 'node:crypto';

// A software WebAuthn authenticator (WebAuthn L3 §6) for the tests: one P-256 credential per instance, its key pair
// made at run time and never stored. It builds what a browser hands the page after navigator.credentials.create() and
// .get(), from the options the service gave, with every part open to forgery. Written from the specification with
// node:crypto, so the tests never ask the service's WebAuthn library to make what it then checks.

/** Authenticator data flags (WebAuthn L3 §6.1). */
export const FLAG = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40, ED: 0x80 } as const;

/** What a CBOR item can be here: enough for attestation objects and COSE keys (RFC 8949, definite lengths only). */
export type Cbor = number | string | boolean | null | Uint8Array | Cbor[] | Map<number | string, Cbor> | { [key: string]: Cbor };

function cborHead(major: number, length: number): Buffer {
  const type = major << 5;
  if (length < 24) return Buffer.from([type | length]);
  if (length < 0x100) return Buffer.from([type | 24, length]);
  if (length < 0x10000) return Buffer.from([type | 25, length >> 8, length & 0xff]);
  const head = Buffer.alloc(5);
  head[0] = type | 26;
  head.writeUInt32BE(length, 1);
  return head;
}

/** CBOR in its shortest form (RFC 8949 §4.2.1 preferred serialization), map entries in the order given. */
export function encodeCbor(value: Cbor): Buffer {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || Math.abs(value) > 0xffffffff) throw new Error(`not a 32-bit integer: ${value}`);
    return value >= 0 ? cborHead(0, value) : cborHead(1, -1 - value);
  }
  if (typeof value === 'string') {
    const text = Buffer.from(value, 'utf8');
    return Buffer.concat([cborHead(3, text.length), text]);
  }
  if (typeof value === 'boolean') return Buffer.from([value ? 0xf5 : 0xf4]);
  if (value === null) return Buffer.from([0xf6]);
  if (value instanceof Uint8Array) return Buffer.concat([cborHead(2, value.length), value]);
  if (Array.isArray(value)) return Buffer.concat([cborHead(4, value.length), ...value.map(encodeCbor)]);
  const entries: [number | string, Cbor][] = value instanceof Map ? [...value] : Object.entries(value);
  return Buffer.concat([cborHead(5, entries.length), ...entries.flatMap(([key, item]) => [encodeCbor(key), encodeCbor(item)])]);
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();
const b64url = (data: Buffer) => data.toString('base64url');

/** The parts of PublicKeyCredentialCreationOptionsJSON an authenticator (with its browser) reads. */
export interface CreationOptions {
  challenge: string;
  user: { id: string };
}

/** The part of PublicKeyCredentialRequestOptionsJSON an authenticator reads. */
export interface RequestOptions {
  challenge: string;
}

export interface RegistrationResponse {
  id: string;
  rawId: string;
  type: string;
  clientExtensionResults: Record<string, unknown>;
  authenticatorAttachment: string;
  response: { clientDataJSON: string; attestationObject: string; transports: string[] };
}

export interface AuthenticationResponse {
  id: string;
  rawId: string;
  type: string;
  clientExtensionResults: Record<string, unknown>;
  authenticatorAttachment: string;
  response: { clientDataJSON: string; authenticatorData: string; signature: string; userHandle?: string };
}

/** What a test may forge in one ceremony; anything left out is what an honest authenticator and browser would send. */
export interface Forgery {
  /** clientDataJSON.origin: the page's origin. */
  origin?: string;
  /** The RP ID whose SHA-256 opens the authenticator data. */
  rpId?: string;
  /** clientDataJSON.type (`webauthn.create` / `webauthn.get`). */
  type?: string;
  /** clientDataJSON.challenge instead of the options' one. */
  challenge?: string;
  /** The whole flags byte (see FLAG); AT is added at registration unless `flags` is given. */
  flags?: number;
  /** The signature counter sent, instead of the next one; the authenticator's own counter stays where it was. */
  counter?: number;
  /** The user handle (base64url) in an assertion; null leaves it out. */
  userHandle?: string | null;
  /** Members put into clientDataJSON last (extra ones, or replacements). */
  clientData?: Record<string, unknown>;
  /** The key that signs an assertion, instead of the credential's own. */
  signingKey?: KeyObject;
}

/** How a software credential behaves when nothing is forged. */
export interface PasskeyOptions {
  /** The flags of an honest ceremony: user present and verified by default; add BE and BS for a synced passkey. */
  flags?: number;
  /** Whether each assertion sends a counter one higher (default), or 0 always, as many synced passkeys do. */
  counting?: boolean;
  /** The credential id (16 random bytes by default). */
  credentialId?: Buffer;
}

/** A credential on a software authenticator: a P-256 (ES256) key pair, a credential id, a user handle, a counter. */
export class SoftwarePasskey {
  readonly credentialId: Buffer;
  /** The credential id, base64url, as `id` and `rawId` carry it. */
  readonly id: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The user handle it was created for (base64url), from the creation options. */
  userHandle?: string;
  /** The signature counter of the last assertion. */
  counter = 0;
  flags: number;
  readonly counting: boolean;

  /**
   * @param origin the origin of the page that runs the ceremonies (what the browser writes into clientDataJSON)
   * @param rpId the RP ID the credential is scoped to
   */
  constructor(
    readonly origin: string,
    readonly rpId: string,
    options: PasskeyOptions = {},
  ) {
    this.flags = options.flags ?? FLAG.UP | FLAG.UV;
    this.counting = options.counting ?? true;
    this.credentialId = options.credentialId ?? randomBytes(16);
    this.id = b64url(this.credentialId);
    ({ privateKey: this.privateKey, publicKey: this.publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  }

  /** The credential public key as a COSE_Key (RFC 9052 §7, RFC 9053 §7.1.1): EC2, ES256, P-256, x, y. */
  coseKey(): Buffer {
    const jwk = this.publicKey.export({ format: 'jwk' });
    return encodeCbor(
      new Map<number, Cbor>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    );
  }

  /** Attested credential data (WebAuthn L3 §6.5.2): AAGUID (none named, as for attestation "none"), id length, id, key. */
  attestedCredentialData(coseKey: Buffer = this.coseKey()): Buffer {
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    return Buffer.concat([Buffer.alloc(16), idLength, this.credentialId, coseKey]);
  }

  /** Authenticator data (WebAuthn L3 §6.1): SHA-256 of the RP ID, flags, big-endian counter, then whatever follows. */
  authenticatorData(flags: number, counter: number, rpId: string = this.rpId, ...rest: Buffer[]): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), count, ...rest]);
  }

  /** What navigator.credentials.create() answers for these options (fmt "none": no attestation statement). */
  register(options: CreationOptions, forgery: Forgery = {}): RegistrationResponse {
    this.userHandle = options.user.id;
    const clientDataJSON = this.clientData('webauthn.create', options.challenge, forgery);
    const authData = this.authenticatorData(
      forgery.flags ?? this.flags | FLAG.AT,
      forgery.counter ?? this.counter,
      forgery.rpId,
      this.attestedCredentialData(),
    );
    const attestationObject = encodeCbor({ fmt: 'none', attStmt: {}, authData });
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
      response: { clientDataJSON: b64url(clientDataJSON), attestationObject: b64url(attestationObject), transports: ['internal'] },
    };
  }

  /** What navigator.credentials.get() answers for these options: an ES256 signature over authData || SHA-256(clientDataJSON). */
  authenticate(options: RequestOptions, forgery: Forgery = {}): AuthenticationResponse {
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, forgery);
    let sent = forgery.counter;
    if (sent === undefined) {
      if (this.counting) this.counter += 1;
      sent = this.counter;
    }
    const authenticatorData = this.authenticatorData(forgery.flags ?? this.flags, sent, forgery.rpId);
    const signature = sign('sha256', Buffer.concat([authenticatorData, sha256(clientDataJSON)]), forgery.signingKey ?? this.privateKey);
    const userHandle = forgery.userHandle === undefined ? this.userHandle : forgery.userHandle;
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authenticatorData),
        signature: b64url(signature),
        ...(userHandle !== null && userHandle !== undefined && { userHandle }),
      },
    };
  }

  /** CollectedClientData (WebAuthn L3 §5.8.1), its members in the order of §5.8.1.1. */
  clientData(type: string, challenge: string, forgery: Forgery = {}): Buffer {
    const data = {
      type: forgery.type ?? type,
      challenge: forgery.challenge ?? challenge,
      origin: forgery.origin ?? this.origin,
      crossOrigin: false,
      ...forgery.clientData,
    };
    return Buffer.from(JSON.stringify(data), 'utf8');
  }
}
