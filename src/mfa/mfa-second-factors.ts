import { Injectable, OnModuleInit } from '@nestjs/common';
import {
  FirstFactor,
  PendingLogin,
  SecondFactorMethod,
  SecondFactorProof,
  SecondFactorProvider,
  SecondFactors,
} from '../auth/second-factors/second-factors';
import { AppException, ErrorCode } from '../common/errors';
import { MfaChallengesService } from './mfa-challenges.service';
import { RecoveryCodesService } from './recovery-codes.service';
import { TotpService } from './totp.service';

/**
 * The second factors of this module, as the login flow asks for them (auth/second-factors). Passkeys join here: they
 * add `passkey` to the methods and their assertion to what `prove` takes.
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
  }

  async methodsOf(userId: string): Promise<SecondFactorMethod[]> {
    if (!(await this.totp.isEnabled(userId))) return [];
    return (await this.recoveryCodes.countLeft(userId)) > 0 ? ['totp', 'recovery_code'] : ['totp'];
  }

  startLogin(userId: string, firstFactor: FirstFactor): Promise<PendingLogin> {
    return this.challenges.start(userId, firstFactor);
  }

  /** RFC 8176 has no value of its own for a recovery code: like TOTP, it is a one-time password (`otp`). */
  async prove(userId: string, proof: SecondFactorProof): Promise<string[]> {
    if ('code' in proof) {
      await this.totp.verify(userId, proof.code);
      return ['otp'];
    }
    // Only beside a TOTP that is on: turning it off removes the codes, and this keeps a stray one from counting.
    if (!(await this.totp.isEnabled(userId)) || !(await this.recoveryCodes.spend(userId, proof.recoveryCode))) {
      throw new AppException(ErrorCode.MFA_CODE_INVALID);
    }
    return ['otp'];
  }
}
