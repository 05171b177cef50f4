import { IsString, MinLength } from 'class-validator';
import { NewPassword } from '../passwords/password-policy';
import { IsBcryptSafe, NormalizePassword } from '../../common/validation/decorators';

export class ChangePasswordDto {
  /** @example "correct horse battery staple" */
  @NormalizePassword()
  @IsString()
  @MinLength(1)
  @IsBcryptSafe()
  currentPassword!: string;

  /** Same rules as at registration. @example "tr0ub4dor and 3 more words" */
  @NormalizePassword()
  @IsString()
  @MinLength(8)
  @IsBcryptSafe()
  @NewPassword()
  newPassword!: string;
}
