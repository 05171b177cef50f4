import { Injectable } from '@nestjs/common';
import { AppException, ErrorCode } from '../../common/errors';

/** The ways a user can show a second factor, in the order `MFA_REQUIRED` lists them (API.md). */
export const SECOND_FACTOR_METHODS = ['totp', 'recovery_code', 'passkey'] as const;
export type SecondFactorMethod = (typeof SECOND_FACTOR_METHODS)[number];

/**
 * A second factor shown in a request body: a TOTP code, a recovery code, or a WebAuthn assertion (its JSON as the
 * browser gave it, checked only by the passkeys module).
 */
export type SecondFactorProof = { code: string } | { recoveryCode: string } | { passkey: object };

/**
 * Where a proof is shown: finishing a login whose first factor is proven (its mfaToken, by hash), or re-authenticating
 * a session. A passkey assertion answers options made for one of them and is refused at the other.
 */
export type ProofCeremony = { kind: 'login'; mfaTokenHash: string } | { kind: 'step_up'; sessionId: string };

/**
 * What the first step of a login proved, as RFC 8176 names it: `pwd` for a password; `fed` (not in RFC 8176, but what
 * Microsoft Entra ID and others send) for a sign-in through an identity provider.
 */
export type FirstFactor = 'pwd' | 'fed';

/** A login waiting for its second factor: the opaque token the client finishes it with, and for how long. */
export interface PendingLogin {
  mfaToken: string;
  expiresIn: number;
}

/** What GET /auth/mfa says of a user's factors; each provider fills in its own. */
export interface SecondFactorSummary {
  totp: boolean;
  recoveryCodesLeft: number;
  passkeys: number;
}

/**
 * A feature that gives users a second factor (mfa/ for TOTP and recovery codes, passkeys/). Features depend on auth/
 * and never the reverse: each registers its provider here at start, and the login flow asks through this registry.
 */
export interface SecondFactorProvider {
  /** The methods of this provider the user has; none means none of them. */
  methodsOf(userId: string): Promise<SecondFactorMethod[]>;
  /** Whether this provider checks proofs of this shape. */
  accepts(proof: SecondFactorProof): boolean;
  /** Checks and spends a proof of the user: the `amr` values it proves; its provider's refusal otherwise. */
  prove(userId: string, proof: SecondFactorProof, ceremony: ProofCeremony): Promise<string[]>;
  summaryOf(userId: string): Promise<Partial<SecondFactorSummary>>;
  /** An admin's reset: every factor of this provider goes. */
  removeAll(userId: string): Promise<void>;
}

/** Where logins wait for their second factor (mfa/'s mfaTokens). */
export interface PendingLogins {
  start(userId: string, firstFactor: FirstFactor): Promise<PendingLogin>;
}

/** The registered SecondFactorProviders; without one, no user has a second factor. */
@Injectable()
export class SecondFactors {
  private readonly providers: SecondFactorProvider[] = [];
  private pendingLogins?: PendingLogins;

  register(provider: SecondFactorProvider): void {
    if (!this.providers.includes(provider)) this.providers.push(provider);
  }

  usePendingLogins(store: PendingLogins): void {
    if (this.pendingLogins && this.pendingLogins !== store) throw new Error('a pending-login store is already registered');
    this.pendingLogins = store;
  }

  async methodsOf(userId: string): Promise<SecondFactorMethod[]> {
    const methods = new Set((await Promise.all(this.providers.map((provider) => provider.methodsOf(userId)))).flat());
    return SECOND_FACTOR_METHODS.filter((method) => methods.has(method));
  }

  async has(userId: string): Promise<boolean> {
    return (await this.methodsOf(userId)).length > 0;
  }

  /** The 401 MFA_REQUIRED answer, with a stored pending login the client finishes with a second factor. */
  async challenge(userId: string, methods: SecondFactorMethod[], firstFactor: FirstFactor = 'pwd'): Promise<AppException> {
    if (!this.pendingLogins) throw new Error('a second factor without a pending-login store');
    const pending = await this.pendingLogins.start(userId, firstFactor);
    return new AppException(ErrorCode.MFA_REQUIRED, undefined, {}, { mfaToken: pending.mfaToken, methods, expiresIn: pending.expiresIn });
  }

  prove(userId: string, proof: SecondFactorProof, ceremony: ProofCeremony): Promise<string[]> {
    const provider = this.providers.find((candidate) => candidate.accepts(proof));
    if (!provider) return Promise.reject(new AppException('passkey' in proof ? ErrorCode.PASSKEY_INVALID : ErrorCode.MFA_CODE_INVALID));
    return provider.prove(userId, proof, ceremony);
  }

  async summaryOf(userId: string): Promise<SecondFactorSummary> {
    const parts = await Promise.all(this.providers.map((provider) => provider.summaryOf(userId)));
    return Object.assign({ totp: false, recoveryCodesLeft: 0, passkeys: 0 }, ...parts) as SecondFactorSummary;
  }

  async removeAll(userId: string): Promise<void> {
    for (const provider of this.providers) await provider.removeAll(userId);
  }
}
