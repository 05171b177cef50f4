import { IsString, MinLength } from 'class-validator';
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
  newPassword!: string;
}
