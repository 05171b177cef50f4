import { IsString, MinLength } from 'class-validator';
import { NewPasswordField } from '../passwords/password-policy';
import { IsBcryptSafe, NormalizePassword } from '../../common/validation/decorators';

export class ChangePasswordDto {
  /** @example "correct horse battery staple" */
  @NormalizePassword()
  @IsString()
  @MinLength(1)
  @IsBcryptSafe()
  currentPassword!: string;

  /** Same rules as at registration. @example "tr0ub4dor and 3 more words" */
  @NewPasswordField()
  newPassword!: string;
}
