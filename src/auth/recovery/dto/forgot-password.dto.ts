import { IsEmail, IsString, MaxLength } from 'class-validator';
import { NormalizeText } from '../../../common/validation/decorators';

export class ForgotPasswordDto {
  /** The account's address. The answer is the same whether or not it has one. @example "ada@example.com" */
  @NormalizeText()
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'email must be a valid email address' })
  email!: string;
}
