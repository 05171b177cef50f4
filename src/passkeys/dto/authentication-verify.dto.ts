import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { PasskeyResponseField } from '../../auth/second-factors/second-factor-fields';

export class AuthenticationVerifyDto {
  @PasskeyResponseField("The AuthenticationResponseJSON of @simplewebauthn/browser's startAuthentication()")
  response!: object;

  @ApiProperty({ description: 'The mfaToken the options were fetched with, for a second factor after a password', required: false })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  mfaToken?: string;
}
