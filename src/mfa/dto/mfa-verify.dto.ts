import { IsString, MaxLength } from 'class-validator';
import { RecoveryCodeField, TotpCodeField } from '../../auth/second-factors/second-factor-fields';
import { OneOf } from '../../common/validation/decorators';

const CODES = ['code', 'recoveryCode'] as const;

/** The mfaToken of the login's MFA_REQUIRED answer, and exactly one of a TOTP code and a recovery code. */
export class MfaVerifyDto {
  /** From the 401 MFA_REQUIRED body of POST /auth/login. @example "q3Zl0b8m0X2rXw1cG9yQk2wq8o4b1s3u5v7x9z0a2c4" */
  // Generous: anything that is not a live token is 401 MFA_TOKEN_INVALID, not a 400.
  @IsString()
  @MaxLength(256)
  mfaToken!: string;

  @OneOf(CODES)
  @TotpCodeField()
  code?: string;

  @OneOf(CODES)
  @RecoveryCodeField()
  recoveryCode?: string;
}
