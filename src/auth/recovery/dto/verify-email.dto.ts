import { IsString, MaxLength } from 'class-validator';

export class VerifyEmailDto {
  /** The `token` parameter of the mailed link. */
  // Generous: anything that is not a live token must end as 400 VERIFY_TOKEN_INVALID, not as a validation error.
  @IsString()
  @MaxLength(1024)
  token!: string;
}
