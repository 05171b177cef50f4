import { Injectable } from '@nestjs/common';
import { AppException, ErrorCode } from '../../common/errors';

/** The ways a user can show a second factor, as `MFA_REQUIRED` lists them (API.md). */
export type SecondFactorMethod = 'totp' | 'recovery_code' | 'passkey';

/** A second factor shown in a request body: a TOTP code or a recovery code (a passkey assertion later). */
export type SecondFactorProof = { code: string } | { recoveryCode: string };

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

/**
 * What the login flow needs from the second-factor features (mfa/, passkeys/ later), which depend on auth/ and never
 * the reverse: they register one provider here at start, and authentication asks it through this interface.
 */
export interface SecondFactorProvider {
  /** The methods the user has; none means no second factor. */
  methodsOf(userId: string): Promise<SecondFactorMethod[]>;
  /** Stores a pending login for a user whose first factor was just checked. */
  startLogin(userId: string, firstFactor: FirstFactor): Promise<PendingLogin>;
  /** Checks and spends a code of the user: the `amr` values it proves; MFA_CODE_INVALID otherwise. */
  prove(userId: string, proof: SecondFactorProof): Promise<string[]>;
}

/** The one registered SecondFactorProvider; without one, no user has a second factor. */
@Injectable()
export class SecondFactors {
  private provider?: SecondFactorProvider;

  register(provider: SecondFactorProvider): void {
    if (this.provider && this.provider !== provider) throw new Error('a second-factor provider is already registered');
    this.provider = provider;
  }

  methodsOf(userId: string): Promise<SecondFactorMethod[]> {
    return this.provider ? this.provider.methodsOf(userId) : Promise.resolve([]);
  }

  async has(userId: string): Promise<boolean> {
    return (await this.methodsOf(userId)).length > 0;
  }

  /** The 401 MFA_REQUIRED answer, with a stored pending login the client finishes at POST /auth/mfa/verify. */
  async challenge(userId: string, methods: SecondFactorMethod[], firstFactor: FirstFactor = 'pwd'): Promise<AppException> {
    if (!this.provider) throw new Error('a second factor without a provider');
    const pending = await this.provider.startLogin(userId, firstFactor);
    return new AppException(ErrorCode.MFA_REQUIRED, undefined, {}, { mfaToken: pending.mfaToken, methods, expiresIn: pending.expiresIn });
  }

  prove(userId: string, proof: SecondFactorProof): Promise<string[]> {
    if (!this.provider) return Promise.reject(new AppException(ErrorCode.MFA_CODE_INVALID));
    return this.provider.prove(userId, proof);
  }
}
