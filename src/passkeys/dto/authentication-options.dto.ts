import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

/** `{}` for a passwordless login (or a step-up, with the session's token); `{ mfaToken }` for a login's second step. */
export class AuthenticationOptionsDto {
  @ApiProperty({ description: 'The mfaToken of an MFA_REQUIRED answer: options for that user’s passkeys', required: false })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  mfaToken?: string;
}
