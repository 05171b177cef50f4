import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { cose, decodeCredentialPublicKey } from '@simplewebauthn/server/helpers';
import { createPublicKey } from 'node:crypto';
import { passkeysConfig, PasskeysConfig } from '../config';
import { relyingPartyWarning } from '../config/webauthn';
import { AppException, ErrorCode, PasskeyRegistrationRefused } from '../common/errors';
import { Passkey } from './entities/passkey.entity';
import { IssuedFor, PASSKEY_CHALLENGE_TTL_SECONDS, PasskeyChallengesService } from './passkey-challenges.service';
import { NewPasskey, PasskeysService } from './passkeys.service';
import { authenticationResponse, MalformedResponse, registrationResponse, userHandleOf } from './webauthn-response';

/** ES256 and RS256 (COSE -7 and -257): what platform authenticators and security keys sign with. */
const SUPPORTED_ALGORITHMS = [-7, -257];

/** A checked assertion: the passkey it came from (its use recorded) and whether the user was verified. */
export interface VerifiedAssertion {
  passkey: Passkey;
  userVerified: boolean;
}

/**
 * The WebAuthn ceremonies (@simplewebauthn/server) against this service's relying party: options with a stored
 * challenge, and responses checked for origin, RP ID hash, type, user presence and verification, signature and
 * counter. Every refusal is PASSKEY_INVALID; why is logged, never answered.
 */
@Injectable()
export class WebAuthnCeremonies implements OnModuleInit {
  private readonly logger = new Logger('Passkeys');

  constructor(
    @Inject(passkeysConfig.KEY) private readonly config: PasskeysConfig,
    private readonly challenges: PasskeyChallengesService,
    private readonly passkeys: PasskeysService,
  ) {}

  onModuleInit(): void {
    const warning = relyingPartyWarning(this.config.relyingParty);
    if (warning) this.logger.warn(warning);
  }

  async registrationOptions(user: { id: string; username: string }, existing: Passkey[]): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const challenge = await this.challenges.issue({ ceremony: 'registration', userId: user.id, boundTo: null });
    return generateRegistrationOptions({
      rpName: this.config.relyingParty.name,
      rpID: this.config.relyingParty.id,
      // The user handle is the user's id: no name or address in it (WebAuthn L3 §14.6.1), and stable across passkeys.
      userID: Buffer.from(user.id, 'utf8'),
      userName: user.username,
      userDisplayName: user.username,
      // As bytes: a string would be taken as text and encoded once more, and come back as another challenge.
      challenge: Buffer.from(challenge, 'base64url'),
      timeout: PASSKEY_CHALLENGE_TTL_SECONDS * 1000,
      attestationType: 'none',
      excludeCredentials: existing.map(descriptorOf),
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'preferred' },
      supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
    });
  }

  /** A registration response of this user, answering their registration challenge: the passkey to store. */
  async verifyRegistration(userId: string, body: object): Promise<Omit<NewPasskey, 'name'>> {
    const refuse = (reason: string) => {
      this.logger.warn({ event: 'passkey_refused', ceremony: 'registration', userId, reason });
      return new PasskeyRegistrationRefused();
    };
    let parsed: ReturnType<typeof registrationResponse>;
    try {
      parsed = registrationResponse(body);
    } catch (error) {
      throw refuse((error as Error).message);
    }
    const issued = await this.challenges.take(parsed.challenge);
    if (!issued || issued.ceremony !== 'registration' || issued.userId !== userId) throw refuse('unknown, spent or foreign challenge');
    const info = await verifyRegistrationResponse({
      response: parsed.response,
      expectedChallenge: parsed.challenge,
      expectedOrigin: this.config.relyingParty.origins,
      expectedRPID: this.config.relyingParty.id,
      expectedType: 'webauthn.create',
      requireUserVerification: false,
      supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
    })
      .then((result) => (result.verified ? result.registrationInfo : undefined))
      .catch((error: Error) => {
        throw refuse(error.message);
      });
    if (!info) throw refuse('not verified');
    if (!usablePublicKey(info.credential.publicKey)) throw refuse('public key unusable');
    if (await this.passkeys.byCredentialId(info.credential.id)) throw refuse('credential already registered');
    return {
      userId,
      credentialId: info.credential.id,
      publicKey: info.credential.publicKey,
      counter: info.credential.counter,
      transports: knownTransports(parsed.response.response.transports),
      backedUp: info.credentialBackedUp,
      deviceType: info.credentialDeviceType,
    };
  }

  /** Options for an assertion: `allow` empty for a passwordless login, where the browser offers its passkeys. */
  async authenticationOptions(issuedFor: IssuedFor, allow: Passkey[]): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const challenge = await this.challenges.issue(issuedFor);
    return generateAuthenticationOptions({
      rpID: this.config.relyingParty.id,
      challenge: Buffer.from(challenge, 'base64url'),
      timeout: PASSKEY_CHALLENGE_TTL_SECONDS * 1000,
      allowCredentials: allow.map(descriptorOf),
      userVerification: issuedFor.ceremony === 'login' ? 'required' : 'preferred',
    });
  }

  /**
   * An assertion answering a challenge issued for `expected`, by one of the passkeys of `expected.userId` (or, for a
   * passwordless login, of the user its user handle names). Its use is recorded before it is accepted.
   */
  async verifyAssertion(body: object, expected: IssuedFor): Promise<VerifiedAssertion> {
    const refuse = (reason: string, userId = expected.userId ?? undefined) => {
      this.logger.warn({ event: 'passkey_refused', ceremony: expected.ceremony, userId, reason });
      return new AppException(ErrorCode.PASSKEY_INVALID);
    };
    let parsed: ReturnType<typeof authenticationResponse>;
    try {
      parsed = authenticationResponse(body);
    } catch (error) {
      throw refuse(error instanceof MalformedResponse ? error.message : 'malformed');
    }
    const issued = await this.challenges.take(parsed.challenge);
    if (!issued || issued.ceremony !== expected.ceremony || issued.userId !== expected.userId || issued.boundTo !== expected.boundTo) {
      throw refuse('unknown, spent or foreign challenge');
    }
    const userHandle = userHandleOf(parsed.response);
    const owner = expected.userId ?? userHandle;
    if (!owner) throw refuse('no user handle');
    if (!isUuid(owner)) throw refuse('a user handle that is no user id');
    if (userHandle !== undefined && userHandle !== owner) throw refuse('user handle of another user');
    const passkey = await this.passkeys.byCredentialId(parsed.credentialId, owner);
    if (!passkey) throw refuse('unknown credential', owner);
    const info = await verifyAuthenticationResponse({
      response: parsed.response,
      expectedChallenge: parsed.challenge,
      expectedOrigin: this.config.relyingParty.origins,
      expectedRPID: this.config.relyingParty.id,
      expectedType: 'webauthn.get',
      // The counter is checked below, once the signature is known to be the authenticator's own.
      credential: { id: passkey.credentialId, publicKey: Buffer.from(passkey.publicKey, 'base64url'), counter: 0 },
      requireUserVerification: expected.ceremony === 'login',
    })
      .then((result) => (result.verified ? result.authenticationInfo : undefined))
      .catch((error: Error) => {
        throw refuse(error.message, owner);
      });
    if (!info) throw refuse('bad signature', owner);
    if ((info.newCounter > 0 || passkey.counter > 0) && info.newCounter <= passkey.counter) {
      // WebAuthn L3 §6.1.1: a signed counter that does not grow means two authenticators hold this key.
      this.logger.warn(
        { event: 'passkey_possible_clone', userId: owner, passkeyId: passkey.id, counter: info.newCounter, stored: passkey.counter },
        'a passkey signature counter went backwards: possibly a cloned authenticator',
      );
      throw new AppException(ErrorCode.PASSKEY_INVALID);
    }
    if (!(await this.passkeys.recordUse(passkey, info.newCounter, info.credentialBackedUp))) throw refuse('counter raced', owner);
    return { passkey, userVerified: info.userVerified };
  }
}

/** Transports as WebAuthn L3 §5.8.4 names them; anything else a client sends is dropped. */
const TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

function knownTransports(given: unknown): string[] {
  return Array.isArray(given) ? [...new Set(given.filter((t): t is string => typeof t === 'string' && TRANSPORTS.has(t)))] : [];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * Whether a COSE key is a P-256 or RSA key node:crypto can verify with. The library's CBOR decoder takes a byte string
 * shorter than its stated length, so a truncated attestation could otherwise store a key that can never sign in.
 */
function usablePublicKey(coseKey: Uint8Array): boolean {
  try {
    const key = decodeCredentialPublicKey(new Uint8Array(coseKey));
    const part = (label: number) => {
      const value = (key as unknown as Map<number, unknown>).get(label);
      return value instanceof Uint8Array ? Buffer.from(value).toString('base64url') : undefined;
    };
    const kty = key.get(cose.COSEKEYS.kty) as unknown;
    const jwk =
      kty === cose.COSEKTY.EC2
        ? { kty: 'EC', crv: 'P-256', x: part(cose.COSEKEYS.x), y: part(cose.COSEKEYS.y) }
        : kty === cose.COSEKTY.RSA
          ? { kty: 'RSA', n: part(cose.COSEKEYS.n), e: part(cose.COSEKEYS.e) }
          : undefined;
    if (!jwk) return false;
    createPublicKey({ key: jwk, format: 'jwk' });
    return true;
  } catch {
    return false;
  }
}

function descriptorOf(passkey: Passkey): { id: string; transports?: string[] } {
  return passkey.transports ? { id: passkey.credentialId, transports: passkey.transports.split(',') } : { id: passkey.credentialId };
}
