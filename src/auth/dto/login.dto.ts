import { IsString, MaxLength, MinLength } from 'class-validator';
import { IsBcryptSafe, NormalizePassword, NormalizeText } from '../../common/validation/decorators';

export class LoginDto {
  /** Username or email. @example "ada_lovelace" */
  @NormalizeText()
  @IsString()
  @MinLength(1)
  @MaxLength(254)
  username!: string;

  /** @example "correct horse battery staple" */
  @NormalizePassword()
  @IsString()
  @MinLength(1)
  @IsBcryptSafe()
  password!: string;
}
