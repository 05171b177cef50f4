import { PasskeyNameField } from './passkey-name.field';

export class RenamePasskeyDto {
  @PasskeyNameField(true)
  name!: string;
}
