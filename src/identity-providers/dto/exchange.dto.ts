import { IsString, MaxLength } from 'class-validator';

export class ExchangeDto {
  /** The `loginCode` the callback put in `returnTo`; single use, 60 seconds @example "l0g1nC0deFr0mTheCallbackRedirect0000000000a" */
  // Generous: anything that is not a code we issued is LOGIN_CODE_INVALID, not a 400 VALIDATION_FAILED.
  @IsString()
  @MaxLength(1024)
  loginCode!: string;
}
