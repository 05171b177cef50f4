import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { IsBcryptSafe, NormalizePassword, OneOf } from '../../../common/validation/decorators';
import { PasskeyResponseField, RecoveryCodeField, TotpCodeField } from '../../second-factors/second-factor-fields';

const PROOFS = ['password', 'code', 'recoveryCode', 'passkey'] as const;

/** One proof: the password (users without a second factor), a TOTP code, a recovery code or a passkey assertion. */
export class StepUpDto {
  @ApiProperty({ description: 'The password (only for a user without a second factor)', required: false })
  @OneOf(PROOFS)
  @NormalizePassword()
  @IsString()
  @MaxLength(256)
  @IsBcryptSafe()
  password?: string;

  @OneOf(PROOFS)
  @TotpCodeField()
  code?: string;

  @OneOf(PROOFS)
  @RecoveryCodeField()
  recoveryCode?: string;

  @OneOf(PROOFS)
  @PasskeyResponseField(
    'An AuthenticationResponseJSON answering POST /auth/passkeys/authentication/options called with this session',
    false,
  )
  passkey?: object;
}
