import { IsString, MinLength } from 'class-validator';
import { NewPassword } from '../passwords/password-policy';
import { IsBcryptSafe, NormalizePassword } from '../../common/validation/decorators';

export class ChangePasswordDto {
  @NormalizePassword()
  @IsString()
  @MinLength(1)
  @IsBcryptSafe()
  currentPassword!: string;

  /** Same rules as at registration. */
  @NormalizePassword()
  @IsString()
  @MinLength(8)
  @IsBcryptSafe()
  @NewPassword()
  newPassword!: string;
}
