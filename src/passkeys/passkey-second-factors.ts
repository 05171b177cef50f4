import { Injectable, OnModuleInit } from '@nestjs/common';
import {
  ProofCeremony,
  SecondFactorMethod,
  SecondFactorProof,
  SecondFactorProvider,
  SecondFactors,
  SecondFactorSummary,
} from '../auth/second-factors/second-factors';
import { AppException, ErrorCode } from '../common/errors';
import { PasskeyChallengesService } from './passkey-challenges.service';
import { PasskeysService } from './passkeys.service';
import { WebAuthnCeremonies } from './webauthn-ceremonies.service';

/**
 * Passkeys as a second factor (after a password or a provider, and for step-up). RFC 8176: `hwk` for the key, `user`
 * when the authenticator verified the person (PIN or biometric), which makes the passkey two factors on its own.
 */
@Injectable()
export class PasskeySecondFactors implements SecondFactorProvider, OnModuleInit {
  constructor(
    private readonly registry: SecondFactors,
    private readonly passkeys: PasskeysService,
    private readonly challenges: PasskeyChallengesService,
    private readonly ceremonies: WebAuthnCeremonies,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  async methodsOf(userId: string): Promise<SecondFactorMethod[]> {
    return (await this.passkeys.countOf(userId)) > 0 ? ['passkey'] : [];
  }

  accepts(proof: SecondFactorProof): boolean {
    return 'passkey' in proof;
  }

  async prove(userId: string, proof: SecondFactorProof, ceremony: ProofCeremony): Promise<string[]> {
    if (!('passkey' in proof)) throw new AppException(ErrorCode.PASSKEY_INVALID);
    const expected =
      ceremony.kind === 'login'
        ? { ceremony: 'second_factor' as const, userId, boundTo: ceremony.mfaTokenHash }
        : { ceremony: 'step_up' as const, userId, boundTo: ceremony.sessionId };
    const { userVerified } = await this.ceremonies.verifyAssertion(proof.passkey, expected);
    return userVerified ? ['hwk', 'user', 'mfa'] : ['hwk'];
  }

  async summaryOf(userId: string): Promise<Partial<SecondFactorSummary>> {
    return { passkeys: await this.passkeys.countOf(userId) };
  }

  async removeAll(userId: string): Promise<void> {
    await this.passkeys.removeAll(userId);
    await this.challenges.removeAll(userId);
  }
}
