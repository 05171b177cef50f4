import { IsOptional } from 'class-validator';
import { PasskeyResponseField } from '../../auth/second-factors/second-factor-fields';
import { PasskeyNameField } from './passkey-name.field';

export class RegistrationVerifyDto {
  @PasskeyResponseField("The RegistrationResponseJSON of @simplewebauthn/browser's startRegistration()")
  response!: object;

  /** Defaults to "Passkey". */
  @IsOptional()
  @PasskeyNameField(false)
  name?: string;
}
