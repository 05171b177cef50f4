import { IsEmail, IsString, Matches, MaxLength } from 'class-validator';
import { NewPasswordField } from '../passwords/password-policy';
import { NormalizeText } from '../../common/validation/decorators';
import { USERNAME_PATTERN } from '../../common/validation/identifiers';

export class RegisterDto {
  /**
   * 3–32 characters that are, after NFKC normalization, ASCII letters, digits, `_`, `.` or `-`; unique without regard to case.
   * @example "ada_lovelace"
   */
  @NormalizeText()
  @IsString()
  @Matches(USERNAME_PATTERN, { message: 'username must be 3-32 characters: letters, digits, _ . -' })
  username!: string;

  /** Unique without regard to case. @example "ada@example.com" */
  @NormalizeText()
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'email must be a valid email address' })
  email!: string;

  /**
   * At least PASSWORD_MIN_LENGTH characters (default 12), at most 72 bytes of UTF-8, no control characters,
   * not a commonly used password.
   * @example "correct horse battery staple"
   */
  @NewPasswordField()
  password!: string;
}
