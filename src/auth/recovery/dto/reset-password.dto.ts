import { IsString, MaxLength } from 'class-validator';
import { NewPasswordField } from '../../passwords/password-policy';

export class ResetPasswordDto {
  /** The `token` parameter of the mailed link. */
  // Generous: anything that is not a live token must end as 400 RESET_TOKEN_INVALID, not as a validation error.
  @IsString()
  @MaxLength(1024)
  token!: string;

  /** Same rules as at registration. */
  @NewPasswordField()
  newPassword!: string;
}
