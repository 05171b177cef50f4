import { Injectable, OnModuleInit } from '@nestjs/common';
import {
  SecondFactorMethod,
  SecondFactorProof,
  SecondFactorProvider,
  SecondFactors,
  SecondFactorSummary,
} from '../auth/second-factors/second-factors';
import { AppException, ErrorCode } from '../common/errors';
import { MfaChallengesService } from './mfa-challenges.service';
import { RecoveryCodesService } from './recovery-codes.service';
import { TotpService } from './totp.service';

/**
 * TOTP and recovery codes as the login flow asks for them (auth/second-factors); this module also keeps the pending
 * logins (mfaTokens) every second factor finishes, passkeys' too.
 */
@Injectable()
export class MfaSecondFactors implements SecondFactorProvider, OnModuleInit {
  constructor(
    private readonly registry: SecondFactors,
    private readonly totp: TotpService,
    private readonly recoveryCodes: RecoveryCodesService,
    private readonly challenges: MfaChallengesService,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
    this.registry.usePendingLogins(this.challenges);
  }

  async methodsOf(userId: string): Promise<SecondFactorMethod[]> {
    if (!(await this.totp.isEnabled(userId))) return [];
    return (await this.recoveryCodes.countLeft(userId)) > 0 ? ['totp', 'recovery_code'] : ['totp'];
  }

  accepts(proof: SecondFactorProof): boolean {
    return 'code' in proof || 'recoveryCode' in proof;
  }

  /** RFC 8176 has no value of its own for a recovery code: like TOTP, it is a one-time password (`otp`). */
  async prove(userId: string, proof: SecondFactorProof): Promise<string[]> {
    if ('code' in proof) {
      await this.totp.verify(userId, proof.code);
      return ['otp'];
    }
    // Only beside a TOTP that is on: turning it off removes the codes, and this keeps a stray one from counting.
    if (
      !('recoveryCode' in proof) ||
      !(await this.totp.isEnabled(userId)) ||
      !(await this.recoveryCodes.spend(userId, proof.recoveryCode))
    ) {
      throw new AppException(ErrorCode.MFA_CODE_INVALID);
    }
    return ['otp'];
  }

  async summaryOf(userId: string): Promise<Partial<SecondFactorSummary>> {
    const [totp, recoveryCodesLeft] = await Promise.all([this.totp.isEnabled(userId), this.recoveryCodes.countLeft(userId)]);
    return { totp, recoveryCodesLeft };
  }

  async removeAll(userId: string): Promise<void> {
    await this.totp.remove(userId);
    await this.recoveryCodes.removeAll(userId);
  }
}
