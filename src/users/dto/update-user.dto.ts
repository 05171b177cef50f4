import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsBoolean, IsEmail, IsEnum, IsOptional, MaxLength } from 'class-validator';
import { NormalizeText } from '../../common/validation/decorators';
import { UserRole } from '../user-role';

export class UpdateUserDto {
  /** Replaces the user's roles; ends every session of the user. @example ["user", "admin"] */
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(8)
  @ArrayUnique()
  @IsEnum(UserRole, { each: true })
  roles?: UserRole[];

  /** A disabled user cannot log in; disabling ends every session of the user. */
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  /** A new address; it must be verified again. @example "ada@example.org" */
  @IsOptional()
  @NormalizeText()
  @IsEmail()
  @MaxLength(254)
  email?: string;
}
